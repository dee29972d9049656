"""A warm answer: `today --json` (or `status --json`) printed again, when nothing it depends on
has changed.

Scripts and status bars run `claude-tray today --json` over and over, mostly with nothing new.
A full run then imports the engine and the ledger, walks every transcript, finds nothing to read
and asks SQLite again for the same sums. Instead, a run that could have been answered from what a
run before printed checks its inputs with plain `os` calls and one walk (`engine.discover`, with
its own rules for symlinked folders and identities), and prints that text. Exact or nothing: the
text is printed only when every input is as it was; otherwise the command runs in full, and its
answer is kept for next time (`storage.answer_cache`).

The inputs of `today --json` (see `run_today`, `Workspace.open`, `refresh_today`), and how each is
covered:
- the command line, the code (every file of the package, `__version__`, the interpreter), the
  encoding of stdout: in the key;
- the environment the paths, the roots, the zone and the machine's name come from (`CLAUDE_*` but
  the clock, `XDG_*`, `HOME`, `TZ`...) and the host name: in the key;
- the config file (budgets, prices, zone, week start...) and the learned roots (stat and bytes),
  the ledger and its write-ahead log (stat, its header: its salts change when it restarts; the
  header of its index, whose change counter moves with every transaction), the hooks' state
  folder (which `learn_roots` scans: every file's stat), the budget state (its bytes: the full
  run rewrites it only when they differ from its answer), the backups folder, the zone's files:
  the same before and after the full run, and at the check;
- the transcripts: every one's (path, device, inode, mtime, ctime, size) as the walk finds it,
  each of them read by the ledger up to exactly that state (`Ledger.file_states`), so that a full
  run would read nothing;
- the clock: the answer holds from the start to the end of its day (the week and the month hold
  longer), and until the ledger's next backup is due (that clock is the wall clock).
`status --json` has the same inputs, and its live sessions and plan limits besides, which the
clock ends (a session's idle window, a limit's reset): its answer is kept only when it shows
neither, and holds from its moment (an earlier one may show sessions) to the end of its day: as
the clock moves on, the sessions and limits that count only fall away.
A run is kept only when it read nothing, left nothing unread, made no backup, learned no root,
has no sync folder, exited 0 and wrote nothing to stderr. Only `--json` is kept: the table's
widths and colours follow the terminal.

The check imports none of the engine's passes, the ledger, SQLite or the zone's modules: see
`tests/cli/test_warm_answer.py`. Like the ingest's own test of a transcript, a file rewritten
at the same size within one tick of the file system's clock (its stat unchanged) is not seen.
For the ledger that would take another process's whole write, from its open to its close,
within the tick of the write before it and while no connection held the log open (with one open,
as the tray's is, the log's size and its index's change counter move with every transaction).
"""

from __future__ import annotations

import os
import sys
import time

from claude_tray import __version__
from claude_tray.cli.clock import NOW_VARIABLE, now
from claude_tray.storage.answer_cache import keep_answer, read_answer
from claude_tray.storage.paths import AppDirs, app_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo
    from pathlib import Path
    from typing import Any

    from claude_tray.engine.discover import FolderListings
    from claude_tray.engine.workspace import Workspace

KEPT_HERE = sys.platform != "win32"
"""Not on Windows: a listing's stats have no file ids there, and the zone comes from the
registry."""
KEPT_COMMANDS = {"today": "today --json", "status": "status --json"}
"""The plain commands whose `--json` answer is kept, and the key it is kept under."""

ENV_NAMES = ("HOME", "TZ", "PYTHONTZPATH", "ANDROID_DATA", "ANDROID_ROOT")
ENV_PREFIXES = ("CLAUDE_", "XDG_")
"""The environment variables the answer depends on (with those that start so, but the clock)."""

HEAD_BYTES = 48
"""Of the write-ahead log, its header (its salts change when it restarts); of its index (`-shm`),
the index's header (its change counter and last frame move with every transaction)."""
READ_BYTES = 1 << 20
"""Of a small file compared by its bytes (the config, the learned roots, the budget state: a
change within one tick of the file system's clock at the same size shows there, not in a stat);
a larger file is told by its stat and these first bytes."""


def answer_key(argv: Sequence[str]) -> str | None:
    """The key of a command line whose answer is kept (`today --json`, `--json today`)."""
    if not KEPT_HERE or len(argv) != 2 or "--json" not in argv:
        return None
    words = [word for word in argv if word != "--json"]
    return KEPT_COMMANDS.get(words[0]) if len(words) == 1 else None


def answered(key: str, run: Callable[[], int]) -> int:
    """Print the kept answer of `key` if it still holds; else `run` the command, and keep its
    answer when it can be kept."""
    dirs = app_dirs()
    entry = read_answer(dirs.state_dir, key)
    try:
        text = _still_holds(entry, dirs)
    except Exception:  # a kept answer is only a shortcut: anything odd, and the command runs
        text = None
    if text is not None:
        from claude_tray.storage.private import tighten

        tighten(dirs)  # as the full run does first
        sys.stdout.write(text)
        return 0
    return _run_and_keep(key, dirs, entry, run)


# -- the check ---------------------------------------------------------------------------------


def _still_holds(entry: dict[str, Any] | None, dirs: AppDirs) -> str | None:
    """The entry's text, if every input it names is as it was."""
    if entry is None:
        return None
    text = entry.get("text")
    if type(text) is not str or entry.get("key") != _key():
        return None
    moment = now()
    if not (_number(entry.get("from")) <= moment < _number(entry.get("until"))):
        return None
    if not time.time() < _number(entry.get("wall_until")):
        return None
    facts = entry.get("facts")
    if not isinstance(facts, dict) or gather(list(facts)) != facts:
        return None
    roots = entry.get("roots")
    if not isinstance(roots, list) or not all(type(root) is str for root in roots):
        return None
    if walk_digest(roots, _listings(dirs)) != entry.get("walk"):
        return None
    return text


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float("nan")
    return float(value)


def _key() -> list[object]:
    """What the answer depends on that this process knows without looking at a file."""
    env = {
        name: value
        for name, value in os.environ.items()
        if (name in ENV_NAMES or name.startswith(ENV_PREFIXES)) and name != NOW_VARIABLE
    }
    stdout = sys.stdout
    return [
        __version__,
        sys.version,
        os.path.realpath(sys.executable),
        sys.prefix,
        [[name, value] for name, value in sorted(env.items())],
        getattr(stdout, "encoding", None),
        getattr(stdout, "errors", None),
        _host(),
    ]


def _host() -> str:
    """The machine's name (this machine's responses are labelled with it once another's sync)."""
    uname = getattr(os, "uname", None)  # none on Windows, where no answer is kept
    return "" if uname is None else str(uname().nodename)


def gather(spec: list[str]) -> dict[str, object]:
    """Each fact `spec` names, as it is now: `stat PATH`, `written PATH` (its stat but the change
    time), `lstat PATH` (and where a link points), `head PATH` (its first bytes), `read PATH` (its
    bytes), `list FOLDER` (its entries, each with its stat); None for what is not there."""
    return {item: _fact(item) for item in spec}


FACT_KINDS = ("stat", "written", "lstat", "head", "read", "list")


def _is_fact(item: object) -> bool:
    return isinstance(item, str) and item.split(" ", 1)[0] in FACT_KINDS and " " in item


def _fact(item: str) -> object:
    kind, path = item.split(" ", 1)
    try:
        if kind == "stat":
            return _identity(os.stat(path))
        if kind == "written":  # no change time: SQLite run by root chowns the log at each open
            info = os.stat(path)
            return [info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size]
        if kind == "lstat":
            info = os.lstat(path)
            link = os.readlink(path) if os.path.islink(path) else None
            return [*_identity(info), link]
        if kind in ("head", "read"):
            with open(path, "rb") as handle:
                data = handle.read(HEAD_BYTES if kind == "head" else READ_BYTES)
            return data.decode("latin-1")
        if kind == "list":
            with os.scandir(path) as entries:
                found = [(entry.name, _identity(entry.stat())) for entry in entries]
            return [[name, identity] for name, identity in sorted(found)]
    except OSError:
        return None
    raise ValueError(f"not a fact: {item!r}")


def _identity(info: os.stat_result) -> list[int]:
    return [
        info.st_dev,
        info.st_ino,
        info.st_mode,
        info.st_mtime_ns,
        info.st_ctime_ns,
        info.st_size,
    ]


def _listings(dirs: AppDirs) -> FolderListings:
    from claude_tray.engine.discover import LISTINGS_FILE, FolderListings

    return FolderListings(os.path.join(dirs.state_dir, LISTINGS_FILE))


def walk_digest(
    roots: list[Path], listings: FolderListings, known: set[int] | None = None
) -> str | None:
    """A digest of every transcript the walk finds under `roots` (`engine.discover`; the roots'
    names will do, as the check gives them: the walk only joins them), with its path and stat,
    and of the roots it found; with `known` (`Ledger.file_states`), None unless
    every one of them is read up to that state (a full pass would read nothing)."""
    from _blake2 import blake2b
    from array import array

    from claude_tray.engine.discover import discover

    paths: list[str] = []
    numbers: list[int] = []
    unread: list[str] = []

    def keep(path: str, info: os.stat_result) -> bool:
        paths.append(path)
        numbers.extend((info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size))
        if known is not None and is_new(path, info):
            unread.append(path)
        return False

    if known is not None:
        from claude_tray.engine.ingest import changed_since_read  # the pass's own test

        is_new = changed_since_read(known, 0, None)
    found = discover(roots, listings, keep)
    if unread or found.problems:
        return None
    digest = blake2b(digest_size=32)
    digest.update(repr([str(root) for root in found.roots]).encode())
    digest.update(repr([str(root) for root in found.missing_roots]).encode())
    digest.update("\0".join(paths).encode("utf-8", "surrogateescape"))
    try:
        digest.update(array("Q", numbers).tobytes())
    except OverflowError:  # a time before 1970
        digest.update(repr(numbers).encode())
    return digest.hexdigest()


# -- keeping an answer -------------------------------------------------------------------------


class _Basis:
    """What the full run noted of its inputs (`note_answer`) while its workspace was open."""

    __slots__ = ("roots", "spec", "valid_from", "valid_until", "walk", "wall_until")

    def __init__(self) -> None:
        self.spec: list[str] = []
        self.valid_from = 0.0
        self.valid_until = 0.0
        self.wall_until = 0.0
        self.roots: list[str] = []
        self.walk = ""


_noted: _Basis | None = None


def note_answer(workspace: Workspace, tz: tzinfo, valid: tuple[float, float]) -> None:
    """Called by `today` and `status` with the workspace still open, once the answer is worked
    out: note what a kept answer needs, if this run's answer can be kept at all; `valid`, the
    moments (`now()`) it holds for, whatever the inputs."""
    global _noted
    _noted = None
    if _recording is None:  # not a command line whose answer is kept
        return
    basis = _basis_of(workspace, tz)
    if basis is not None:
        basis.valid_from, basis.valid_until = valid
        _noted = basis


def _basis_of(workspace: Workspace, tz: tzinfo) -> _Basis | None:
    stats = workspace.last_pass
    ledger = workspace.ledger
    if (
        stats.files_read
        or stats.unread_files
        or stats.problems
        or stats.ledger_problem is not None
        or not stats.data_found
        or workspace.backlog is not None
        or workspace.backed_up is not None
        or (workspace.repaired is not None and workspace.repaired.action != "none")
        or workspace.scanned is None
        or workspace.config.sync.enabled
        or workspace.last_sync is not None
        or ledger.read_only is not None
        or ledger.notice is not None
        or ledger.machines
    ):
        return None
    basis = _Basis()
    zone = _zone_spec(tz)
    roots = _roots_spec(workspace)
    wall_until = _wall_until(workspace)
    if zone is None or roots is None or wall_until is None:
        return None
    basis.spec = [*zone, *roots]
    basis.wall_until = wall_until
    basis.roots = [str(root) for root in workspace.roots]
    walk = walk_digest(workspace.roots, workspace.listings, ledger.file_states())
    if walk is None:
        return None
    basis.walk = walk
    return basis


def _zone_spec(tz: tzinfo) -> list[str] | None:
    """The zone's own file, where it has one (the system's setting is in `static_spec`)."""
    import zoneinfo

    from claude_tray.storage.zone import LibcZone

    if isinstance(tz, LibcZone):  # a POSIX rule in `TZ`: the key holds it
        return []
    key = getattr(tz, "key", None)
    if not isinstance(key, str) or not key:
        return None
    files = [os.path.join(folder, key) for folder in zoneinfo.TZPATH]
    if not any(os.path.isfile(path) for path in files):  # from the `tzdata` package: not kept
        return None
    return [f"stat {path}" for path in files]


def _roots_spec(workspace: Workspace) -> list[str] | None:
    """The `projects/` folders of the roots that the hooks' state names and no watched root
    holds: `learn_roots` would learn such a root once that folder exists."""
    from pathlib import Path

    from claude_tray.engine.discover import PROJECTS, is_dir
    from claude_tray.storage.learned_roots import is_watched

    assert workspace.scanned is not None
    named = {s.root for s in workspace.scanned.values() if s.root is not None}
    spec = []
    for root in sorted(named):
        if is_watched(Path(root), workspace.roots):
            continue
        projects = os.path.join(root, PROJECTS)
        if is_dir(projects):  # not learned (the learned roots could not be written)
            return None
        spec.append(f"stat {projects}")
    return spec


def _wall_until(workspace: Workspace) -> float | None:
    """Until when no backup is due (`Workspace.backup_if_due`)."""
    from claude_tray.storage import ledger_backup

    if workspace.config.ledger_backups <= 0:
        return float("inf")
    return ledger_backup.due_at(workspace.paths.ledger)


def static_spec(dirs: AppDirs) -> list[str]:
    """The facts every answer depends on, known from the app's folders alone."""
    from claude_tray.storage.budget_state import BUDGET_FILE
    from claude_tray.storage.learned_roots import FILE_NAME as LEARNED_FILE
    from claude_tray.storage.ledger_backup import FOLDER as BACKUPS
    from claude_tray.storage.paths import LEDGER_NAME
    from claude_tray.storage.zone import _TZLOCAL_ALSO_READS, local_zone

    ledger = os.path.join(dirs.data_dir, LEDGER_NAME)
    package = os.path.dirname(os.path.abspath(sys.modules["claude_tray"].__file__ or ""))
    with os.scandir(package) as entries:
        folders = [e.path for e in entries if e.is_dir() and e.name != "__pycache__"]
    code = [package, *sorted(folders)]
    return [
        *(f"list {folder}" for folder in code),
        f"stat {dirs.config_file}",
        f"read {dirs.config_file}",
        f"stat {os.path.join(dirs.state_dir, LEARNED_FILE)}",
        f"read {os.path.join(dirs.state_dir, LEARNED_FILE)}",
        f"read {os.path.join(dirs.state_dir, BUDGET_FILE)}",
        f"list {dirs.sessions_dir}",
        f"stat {ledger}",
        f"written {ledger}-wal",
        f"head {ledger}-wal",
        f"head {ledger}-shm",
        f"stat {ledger}-journal",
        f"list {os.path.join(dirs.data_dir, BACKUPS)}",
        "stat /etc/localtime",
        "lstat /etc/localtime",
        "read /etc/timezone",
        *(f"lstat /{path}" for path in _TZLOCAL_ALSO_READS),
        *(_zone_spec(local_zone()) or []),  # the zone's file, unless the config names another
    ]


class _Recorder:
    """Stands for stdout or stderr during a full run: passes everything on, and keeps what was
    written (stdout) or whether anything was (stderr)."""

    def __init__(self, stream: Any, keep: bool) -> None:
        self._stream = stream
        self._keep = keep
        self.parts: list[str] = []
        self.written = False

    def write(self, text: str) -> int:
        if text:
            self.written = True
            if self._keep:
                self.parts.append(text)
        return self._stream.write(text)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_recording: tuple[_Recorder, _Recorder] | None = None


def _run_and_keep(
    key: str, dirs: AppDirs, entry: dict[str, Any] | None, run: Callable[[], int]
) -> int:
    global _recording
    out, err = _Recorder(sys.stdout, keep=True), _Recorder(sys.stderr, keep=False)
    sys.stdout, sys.stderr = out, err  # from here on: what the zone's lookup says counts too
    spec: list[str] = []
    before: dict[str, object] | None = None
    try:
        try:  # the inputs as they are before the run
            spec = static_spec(dirs)
            kept_spec = entry.get("facts") if entry is not None else None
            if isinstance(kept_spec, dict):  # the facts the last answer named (zone, roots)
                spec += [item for item in kept_spec if item not in spec and _is_fact(item)]
            before = gather(spec)
            answer_key = _key()
            _recording = (out, err)
        except Exception:  # keeping an answer never fails the command
            before = None
        code = run()
    finally:
        sys.stdout, sys.stderr, _recording = out._stream, err._stream, None
    basis = _take_noted()
    if before is None or code != 0 or err.written or basis is None:
        return code
    try:
        facts = gather(spec + [item for item in basis.spec if item not in spec])
        steady = all(before.get(item, facts[item]) == facts[item] for item in facts)
        kept = {
            "key": answer_key,
            "text": "".join(out.parts) if steady and answer_key == _key() else None,
            "from": basis.valid_from,
            "until": basis.valid_until,
            "wall_until": basis.wall_until,
            "facts": facts,
            "roots": basis.roots,
            "walk": basis.walk,
        }
        if not all(item in before for item in facts):
            kept["text"] = None  # named for the first time: kept for the next run to compare
        keep_answer(dirs.state_dir, key, kept)
    except Exception:  # keeping an answer never fails the command
        pass
    return code


def _take_noted() -> _Basis | None:
    global _noted
    basis, _noted = _noted, None
    return basis
