"""Finding Claude Code's transcripts under its data roots.

Each file found comes with its `os.stat_result`, taken once: a pass over years of history stats
thousands of files and should not do it twice (nor build a `Path` for each).

A file is known by its identity (device, inode): the same transcript reached twice (through a
symlinked folder, or two roots) is counted once, and the ingest marks compare it with the identity
`os.fstat` gives the reader. On Windows `os.DirEntry.stat()` leaves `st_dev` and `st_ino` zero
(Python's documentation of `os.DirEntry.stat`: "On Windows, the st_ino, st_dev and st_nlink
attributes of the stat_result are always set to zero. Call os.stat() to get these attributes"), so
a zero identity from the listing is taken again with `os.fstat` on an open handle (the reader's
own call); a file whose identity is still zero (a file system without file ids) is known by its
resolved path instead.

A folder's entries change only with its modification time: creating, removing or renaming an entry
sets it (POSIX), appending to a file in it does not. So a walk need not list again a folder whose
device, inode, modification and change times are still those of its last listing, when it had not
changed for a while before that listing (`SKEW_MARGIN_S`: the file system's clock may differ from
ours, and a change in the same clock tick as a listing leaves the time as it was): the listing is
taken from `FolderListings` (kept in a file between runs). Every transcript is still stat'ed on
every pass; a folder that holds a symbolic link is always listed.
"""

from __future__ import annotations

import errno
import gc
import os
import stat as stat_kinds
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from claude_tray.storage.kept import SETTLED_S, KeptByStat, folder_identity, settled_before

TYPE_CHECKING = False
if TYPE_CHECKING:  # no `pathlib` at run time (~6 ms): a warm answer walks (`cli.warm_answer`)
    from pathlib import Path

PROJECTS = "projects"

SKEW_MARGIN_S = SETTLED_S
"""A file modified this long before a moment may still hold lines dated after it (a clock that
differs between the file system and Claude Code): read such files too. A folder is listed again
until it has not changed for this long (see above)."""


class Discovery:
    """What a walk found."""

    __slots__ = ("files", "missing_roots", "problems", "roots", "seen", "seen_bytes")

    def __init__(self) -> None:
        self.roots: list[Path] = []
        """Data roots whose `projects/` folder exists."""
        self.missing_roots: list[Path] = []
        self.files: list[tuple[str, os.stat_result]] = []
        """Each transcript's path (as the walk names it: the key of its read position) and stat
        (with `keep`: those it kept)."""
        self.problems: list[tuple[str, str]] = []
        """(path, what went wrong) for folders and files we could not read; never fatal."""
        self.seen = 0
        """Transcripts found, whether `keep` kept them or not."""
        self.seen_bytes = 0
        """Their sizes, summed."""


Keep = Callable[[str, os.stat_result], bool]
"""Asked of each transcript found: whether `Discovery.files` should hold it."""


class FolderListings:
    """The entries of the folders that had not changed for a while when they were last listed:
    folder -> (device, inode, modification and change time in ns, its folders, its `*.jsonl`),
    kept between passes in a JSON file (`path`; none: in memory only) by `storage.kept`."""

    __slots__ = ("_kept",)

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._kept = KeptByStat(path, "folders", LISTINGS_VERSION)

    def get(self, folder: str, info: os.stat_result) -> tuple[list[str], list[str]] | None:
        """The names of the folders and transcripts in `folder`, if its listing is still good."""
        names = self._kept.get(folder, folder_identity(info))
        if names is None or len(names) != 2:
            return None
        folders, files = names
        if type(folders) is not str or type(files) is not str:
            return None
        return _names(folders), _names(files)

    def put(self, folder: str, info: os.stat_result, folders: list[str], files: list[str]) -> None:
        """Remember a listing made from `info`, a stat of the folder taken before listing it."""
        self._kept.put(folder, folder_identity(info), [_SEP.join(folders), _SEP.join(files)])

    def save(self) -> None:
        """Keep the listings used or made since the last save (folders gone are forgotten); the
        file is written only when they changed. Never fails: a pass does not need it."""
        self._kept.save()


LISTINGS_VERSION = 1
LISTINGS_FILE = "folders.json"
"""In the state folder: the listings of the data roots' settled folders."""
_SEP = "/"
"""Between the names of a listing: no file name holds it."""


def _names(joined: str) -> list[str]:
    return joined.split(_SEP) if joined else []


def discover(
    roots: list[Path], listings: FolderListings | None = None, keep: Keep | None = None
) -> Discovery:
    """Every `*.jsonl` under each root's `projects/`, recursively, following symlinked folders
    once (a symlink loop is walked around, not into). With `listings`, a folder that has not
    changed since it was listed is not listed again (see above). With `keep`, `files` holds
    only the transcripts it keeps: a pass that wants a few of thousands never holds a stat for
    each (`seen` and `seen_bytes` count them all); the walk itself holds at most `BATCH` stats
    at a time, however many transcripts a folder holds."""
    found = Discovery()
    seen_files: set[int | str] = set()
    settled_ns = settled_before()
    for root in roots:
        projects = os.path.join(root, PROJECTS)
        if not is_dir(projects):
            found.missing_roots.append(root)
            continue
        found.roots.append(root)
        with no_cycle_collection():
            _walk(projects, found, seen_files, listings, settled_ns, keep)
    if listings is not None:
        listings.save()
    return found


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector held off: a pass over thousands of transcripts makes a stat, a
    listing entry and tuples for each, none of them in a cycle, and the collector would otherwise
    walk them some 30 times over (about 2 ms of a warm `today`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


BATCH = 256
"""The walk hands the stats it took to `_take` this many at a time (and at each folder's end)."""


def _walk(
    top: str,
    found: Discovery,
    seen_files: set[int | str],
    listings: FolderListings | None = None,
    settled_ns: int = 0,
    keep: Keep | None = None,
) -> None:
    # Plain folders cannot form a loop; only symlinked ones are resolved, each target once.
    # The loops run once per transcript on every pass (thousands): their checks are inlined.
    visited = {os.path.realpath(top)}
    stack = [top]
    problems = found.problems
    join = os.path.join
    while stack:
        folder = stack.pop()
        info = known = None
        if listings is not None:
            info = _stat_or_none(folder)  # None: the listing below says what is wrong
            known = None if info is None else listings.get(folder, info)
        stats: list[tuple[str, os.stat_result]] = []
        if known is not None:  # a settled folder: its entries are those it had
            folders, names = known
            prefix = join(folder, "")  # as the listing names its entries
            stack.extend([prefix + name for name in folders])
            _take_named(prefix, names, found, seen_files, keep)
            continue
        # Listed again next time unless it had settled before this stat (see the module's
        # docstring), and holds no symlink and nothing that could not be looked at.
        settled = info is not None and info.st_mtime_ns < settled_ns
        folders, names = [], []
        try:
            # Entries are taken as the listing yields them: a folder of thousands of sessions is
            # never held as a list of entries (each with its stat, ~1 KB).
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():  # follows symlinks; the type comes with the listing
                            if entry.is_symlink():
                                settled = False
                                target = os.path.realpath(entry.path)
                                if target in visited:
                                    continue
                                visited.add(target)
                            stack.append(entry.path)
                            folders.append(entry.name)
                        elif entry.name.endswith(".jsonl"):
                            settled = settled and not entry.is_symlink()
                            names.append(entry.name)
                            stats.append((entry.path, entry.stat()))  # follows symlinks
                            if len(stats) >= BATCH:
                                _take(stats, found, seen_files, keep)
                                stats = []
                    except OSError as error:
                        settled = False
                        problems.append((entry.path, error.strerror or str(error)))
        except OSError as error:  # the folder cannot be listed (or its listing broke off)
            problems.append((folder, error.strerror or str(error)))
            _take(stats, found, seen_files, keep)
            continue
        _take(stats, found, seen_files, keep)
        if settled and listings is not None and info is not None:
            listings.put(folder, info, folders, names)


def _stat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _take(
    stats: list[tuple[str, os.stat_result]],
    found: Discovery,
    seen_files: set[int | str],
    keep: Keep | None = None,
) -> None:
    """The transcripts of a folder (or part of one) that are regular files, each identity once;
    with `keep`, only those it keeps are held."""
    files = found.files
    is_regular = stat_kinds.S_ISREG
    seen = seen_bytes = 0
    for item in stats:
        path, info = item
        # (device, inode) as one int: one object per transcript in the set, not three
        identity: int | str = info.st_dev << _ID_BITS | info.st_ino
        if not identity:  # Windows: the listing has no ids
            try:
                info = stat_as_read(path)
            except OSError as error:
                found.problems.append((path, error.strerror or str(error)))
                continue
            ids = file_identity(path, info)
            identity = ids if isinstance(ids, str) else ids[0] << _ID_BITS | ids[1]
            item = (path, info)
        if is_regular(info.st_mode) and identity not in seen_files:
            seen_files.add(identity)
            seen += 1
            seen_bytes += info.st_size
            if keep is None or keep(path, info):
                files.append(item)
    found.seen += seen
    found.seen_bytes += seen_bytes


def _take_named(
    prefix: str,
    names: list[str],
    found: Discovery,
    seen_files: set[int | str],
    keep: Keep | None = None,
) -> None:
    """`_take` for the transcripts of a settled folder, by name: each stat'ed and taken at once
    (one per transcript on every pass: the loop is `_take`'s, inlined)."""
    files = found.files
    stat = os.stat
    is_regular = stat_kinds.S_ISREG
    seen = seen_bytes = 0
    for name in names:
        path = prefix + name
        try:
            info = stat(path)
        except OSError as error:
            found.problems.append((path, error.strerror or str(error)))
            continue
        identity = info.st_dev << _ID_BITS | info.st_ino
        if not identity:  # Windows: the ids are looked up as the reader does
            _take([(path, info)], found, seen_files, keep)
        elif is_regular(info.st_mode) and identity not in seen_files:
            seen_files.add(identity)
            seen += 1
            seen_bytes += info.st_size
            if keep is None or keep(path, info):
                files.append((path, info))
    found.seen += seen
    found.seen_bytes += seen_bytes


_ID_BITS = 128
"""Room for an inode number in a file's identity as one int (Windows' ReFS ids are 128-bit)."""


def discover_named(roots: list[Path], paths: Iterable[Path | str]) -> Discovery:
    """Like `discover`, for just the given paths: those that are transcripts under a root's
    `projects/` folder (as `discover` would name them) and still exist."""
    found = Discovery()
    tops: list[str] = []
    for root in roots:
        projects = os.path.join(root, PROJECTS)
        if is_dir(projects):
            found.roots.append(root)
            tops.append(os.path.join(projects, ""))
        else:
            found.missing_roots.append(root)
    seen: set[str] = set()
    for path in paths:
        name = os.path.normpath(str(path))
        if name in seen or not name.endswith(".jsonl") or not name.startswith(tuple(tops)):
            continue
        seen.add(name)
        try:
            stat = os.stat(name)
        except OSError:
            continue  # gone again: the next pass will not see it either
        if _is_regular(stat):
            found.files.append((name, stat))
            found.seen += 1
            found.seen_bytes += stat.st_size
    return found


_NO_SUCH_FOLDER = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def is_dir(path: str) -> bool:
    """`pathlib.Path(path).is_dir()` without pathlib: False for what is not there, an error for
    a folder that cannot be looked at."""
    try:
        return stat_kinds.S_ISDIR(os.stat(path).st_mode)
    except OSError as error:
        if error.errno in _NO_SUCH_FOLDER:
            return False
        raise
    except ValueError:  # a name that cannot be a path (a NUL in it)
        return False


def stat_as_read(path: str) -> os.stat_result:
    """The file's stat as the reader will see it: `os.fstat` of an open handle, the very call
    that makes the ingest marks, so the ids match whatever `os.stat` would answer."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def file_identity(path: str, info: os.stat_result) -> tuple[int, int] | str:
    """(device, inode), or the resolved path where the file system gives no ids (both zero)."""
    if info.st_dev or info.st_ino:
        return (info.st_dev, info.st_ino)
    return os.path.normcase(os.path.realpath(path))


def _is_regular(info: os.stat_result) -> bool:
    return stat_kinds.S_ISREG(info.st_mode)
