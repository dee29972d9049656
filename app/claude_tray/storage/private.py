"""Private by default: the app's folders are 0700 and its files 0600, as ssh and gnupg keep theirs.

The ledger, its backups, the logs, the config and the session state hold the user's history,
project paths and notes; on a shared machine (a remote development server) nobody else may read
them. Three parts:

- `enter_private_umask()` at every entry (the CLI, the tray, the hook and status line): every file
  and folder the process creates, SQLite's included, is created without group or other access.
  Programs we start for the user (their chained status line, the browser) get the user's own
  umask back (`user_umask()`).
- Explicit modes where we create files ourselves (`storage.atomic`, `storage.locking`,
  `PRIVATE_DIR` for folders), so the rule holds whatever the umask.
- `tighten()` on start: folders and files created by an older version (0755, 0644) lose their
  group and other bits. Only bits are removed, never added: a file the user made stricter stays
  as they made it; files owned by someone else are left alone and reported (`doctor`).

Stdlib only and cheap to import: the hooks call `enter_private_umask`.
"""

from __future__ import annotations

import os
import stat
import sys

from claude_tray.storage.paths import AppDirs, AppPaths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

PRIVATE_UMASK = 0o077
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
OPEN_BITS = 0o077
"""Group and other permission bits: what `tighten` removes."""
CAN_TIGHTEN = sys.platform != "win32"
"""Windows has no such bits (its ACLs already keep a user's profile folders private)."""

_user_umask: int | None = None


def enter_private_umask() -> None:
    """Create everything from now on without group or other access (remembering the user's
    umask for the programs we start)."""
    global _user_umask
    if _user_umask is None:
        _user_umask = os.umask(PRIVATE_UMASK)
        os.umask(_user_umask | PRIVATE_UMASK)


def user_umask() -> int:
    """The umask the process started with (-1, "leave it", when unchanged): for `subprocess`'s
    `umask=` when we start a program of the user's."""
    return -1 if _user_umask is None or not CAN_TIGHTEN else _user_umask


class Loosened:
    """A file or folder of ours that others can read, and what `tighten` did about it."""

    __slots__ = ("fixed", "mode", "path", "why")

    def __init__(self, path: str, mode: int, fixed: bool, why: str = "") -> None:
        self.path = path
        self.mode = mode
        """Its permission bits as found."""
        self.fixed = fixed
        """Tightened now (else `why` says why not)."""
        self.why = why

    def __repr__(self) -> str:
        return f"Loosened({self.path!r}, {oct(self.mode)}, fixed={self.fixed}, why={self.why!r})"


def app_folders(paths: AppDirs | AppPaths) -> list[str]:
    """The folders that are the app's own (created by it, holding only its files)."""
    dirs = paths.dirs if isinstance(paths, AppPaths) else paths
    folders = [os.path.dirname(dirs.config_file), dirs.data_dir, dirs.state_dir, dirs.log_dir]
    unique: list[str] = []
    for folder in folders:
        if folder and folder not in unique:
            unique.append(folder)
    return unique


def tighten(paths: AppDirs | AppPaths) -> list[Loosened]:
    """Remove group and other access from the app's folders and everything in them; what was
    open, fixed or not. Cheap when all is private already: a folder that is private is not
    walked (nobody else can reach what is inside it)."""
    return list(_tighten(app_folders(paths), deep=False))


def check(paths: AppDirs | AppPaths) -> list[Loosened]:
    """Like `tighten`, walking every file (for `doctor`)."""
    return list(_tighten(app_folders(paths), deep=True))


def _tighten(folders: list[str], deep: bool) -> Iterator[Loosened]:
    if not CAN_TIGHTEN:
        return
    seen: set[str] = set()
    for folder in folders:
        try:
            info = os.lstat(folder)
        except OSError:
            continue  # not created yet: it will be created private
        if not stat.S_ISDIR(info.st_mode) or folder in seen:
            continue
        seen.add(folder)
        found = _fix(folder, info)
        if found is not None:
            yield found
        if found is not None or deep:
            yield from _walk(folder)


def _walk(folder: str) -> Iterator[Loosened]:
    for root, subfolders, files in os.walk(folder):
        for name in subfolders + files:
            path = os.path.join(root, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                continue  # a link's target is not ours to change
            found = _fix(path, info)
            if found is not None:
                yield found


def _fix(path: str, info: os.stat_result) -> Loosened | None:
    mode = stat.S_IMODE(info.st_mode)
    if not mode & OPEN_BITS:
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return Loosened(path, mode, False, "owned by another user")
    try:
        os.chmod(path, mode & ~OPEN_BITS)
    except OSError as error:
        return Loosened(path, mode, False, error.strerror or str(error))
    return Loosened(path, mode, True)
