"""Usage from every machine: publish this machine's counted responses into a shared folder that a
sync tool keeps in step, and read every other machine's into the ledger.

There is no protocol and no server: only files, written so that any copying order and timing is
safe (see `storage.sync_segments`). A pass is cheap when nothing is new: publishing reads the
ledger's list of changed days (usually empty), importing stats the segment files and reads only
those whose size or modification time changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from claude_tray.core.tokens import Tokens
from claude_tray.storage import sync_segments as segments
from claude_tray.storage.ledger import Ledger
from claude_tray.storage.ledger_rows import MessageRow, SessionMark, rank
from claude_tray.storage.ledger_sync import SeenFile

log = logging.getLogger(__name__)

MACHINE_VARIABLE = "CLAUDE_TRAY_MACHINE"


@dataclass(frozen=True, slots=True)
class SyncSettings:
    folder: Path
    machine: str
    """This machine's name, as its folder in the sync folder is named."""
    hide_projects: bool = False


@dataclass
class SyncStats:
    published_days: int = 0
    published_rows: int = 0
    imported_files: int = 0
    imported_rows: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) of the files passed over on this pass."""
    seconds: float = 0.0
    """How long the pass took."""


def machine_name(configured: str, env: Mapping[str, str] | None = None) -> str:
    """This machine's name: `CLAUDE_TRAY_MACHINE`, else the config's, else the host name."""
    env = os.environ if env is None else env
    name = env.get(MACHINE_VARIABLE, "").strip() or configured.strip()
    if not name:
        name = socket.gethostname().split(".")[0]
    return segments.machine_folder_name(name)


def sync(ledger: Ledger, settings: SyncSettings, now: float) -> SyncStats:
    """One publish-and-import pass."""
    stats = SyncStats()
    started = time.perf_counter()
    publish(ledger, settings, now, stats)
    import_others(ledger, settings, now, stats)
    stats.seconds = time.perf_counter() - started
    return stats


def publish(ledger: Ledger, settings: SyncSettings, now: float, stats: SyncStats) -> None:
    """Write a new segment for every UTC day whose local responses changed since it was last
    published, then remove the versions it replaces (only ever in this machine's own folder)."""
    tables = ledger.sync
    tables.start_tracking()
    own = settings.folder / settings.machine
    published = tables.published()
    on_disk = segments.versions_in(own)
    for day in tables.dirty_days():
        rows = day.rows
        if settings.hide_projects:
            rows = [row._replace(project=hidden_project(row.project)) for row in rows]
        data = segments.encode(settings.machine, day.day, rows)
        digest = hashlib.sha256(data).digest()
        known = published.get(day.day)
        versions = on_disk.get(day.day, [])
        if known and known.digest == digest and any(n.version == known.version for n in versions):
            tables.mark_published(day, known.version, digest, now)  # nothing new in it
            continue
        version = max([known.version if known else 0, *(n.version for n in versions)]) + 1
        segments.write_segment(own, segments.SegmentName(day.day, version), data)
        tables.mark_published(day, version, digest, now)
        for older in versions:
            (own / older.file_name).unlink(missing_ok=True)
        stats.published_days += 1
        stats.published_rows += len(rows)


def hidden_project(project: str | None) -> str | None:
    """A project path as published with `hide_projects`: a stable hash and the last component."""
    if not project:
        return project
    digest = hashlib.sha256(project.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    last = project.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return f"{digest}/{last}"


BULK_BYTES = 4 << 20
"""New segments larger than this in all (about 100,000 responses) are read as a bulk load: the
ledger's indexes and rollup are rebuilt once at the end instead of row by row."""


FOLDER = -1
"""`size` of a `sync_files` row that remembers a machine's folder (its modification time)."""
SETTLED_NS = 2_000_000_000
"""A folder's modification time is trusted to mean "nothing new" only once it is this old: some
file systems keep whole seconds, so a file added in the same second would not move it."""


def import_others(ledger: Ledger, settings: SyncSettings, now: float, stats: SyncStats) -> None:
    """Read every other machine's new or changed segments into the ledger, tagged with the
    machine. A segment that cannot be read whole is passed over and tried again on a later pass;
    segments that disappeared are forgotten, their responses stay.

    Segments are never changed in place (a new version is a new name), so a machine's folder
    whose modification time has not moved since it was last read whole holds nothing new: it is
    not listed again. A pass with nothing new costs a stat per machine."""
    tables = ledger.sync
    marks = tables.seen_files(size=FOLDER)
    machines = tables.seen_machines()
    try:
        machine_folders = sorted(os.scandir(settings.folder), key=lambda e: e.name)
    except OSError as error:
        stats.problems.append((str(settings.folder), f"cannot be read: {error.strerror}"))
        return
    todo: list[tuple[str, Path, tuple[int, int]]] = []
    settled: list[SeenFile] = []
    gone: list[str] = []
    present: set[str] = set()
    for entry in machine_folders:
        if entry.name == settings.machine or segments.is_transient(entry.name):
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        if segments.machine_folder_name(entry.name) != entry.name:
            stats.problems.append((entry.path, "not a machine's folder (its name is not one)"))
            continue
        try:
            folder_mtime = entry.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            continue
        present.add(entry.name)
        mark = marks.get(entry.path)
        if mark is not None and mark.mtime_ns == folder_mtime and not machines.get(entry.name):
            continue  # read whole since it last changed
        seen = tables.seen_files(machine=entry.name)
        listed = {entry.path}
        for path, info in _files(Path(entry.path)):
            listed.add(str(path))
            known = seen.get(str(path))
            if known is not None and (known.size, known.mtime_ns) == info:
                if known.problem:
                    stats.problems.append((str(path), known.problem))
                continue
            todo.append((entry.name, path, info))
        gone += [known_path for known_path in seen if known_path not in listed]
        if time.time_ns() - folder_mtime > SETTLED_NS:
            settled.append(SeenFile(entry.path, entry.name, FOLDER, folder_mtime, 0, None, now))
    if todo:
        bulk = sum(info[0] for _, _, info in todo) > BULK_BYTES
        with ledger.batch(bulk=bulk, low_memory=bulk):
            for done, (machine, path, info) in enumerate(todo, 1):
                _import_file(ledger, machine, path, info, now, stats)
                if done % 64 == 0 and not bulk:
                    ledger.commit_point()
    if gone:
        tables.forget_files(gone)
    if settled:
        tables.remember(settled)
    for machine in set(machines) - present:
        tables.forget_machine(machine)


def _files(folder: Path) -> list[tuple[Path, tuple[int, int]]]:
    out: list[tuple[Path, tuple[int, int]]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return out
    for entry in entries:
        if segments.is_transient(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        out.append((Path(entry.path), (info.st_size, info.st_mtime_ns)))
    return sorted(out)


def _import_file(
    ledger: Ledger,
    machine: str,
    path: Path,
    info: tuple[int, int],
    now: float,
    stats: SyncStats,
) -> None:
    size, mtime_ns = info
    name = segments.parse_name(path.name)
    problem: str | None = None
    rows: list[MessageRow] = []
    if name is None:
        problem = "not a segment of ours (a sync tool's conflict copy?)"
    else:
        try:
            _header, rows = segments.decode(segments.read_segment(path), name.day)
        except segments.SegmentError as error:
            problem = str(error)
        except OSError as error:
            problem = f"cannot be read: {error.strerror or error}"
    if problem is not None:
        stats.problems.append((str(path), problem))
        log.info("sync: passing over %s: %s", path, problem)
        rows = []
    ledger.sync.import_file(
        rows,
        _session_marks(rows),
        SeenFile(str(path), machine, size, mtime_ns, len(rows), problem, now),
    )
    if problem is None:
        stats.imported_files += 1
        stats.imported_rows += len(rows)


def _session_marks(rows: list[MessageRow]) -> list[SessionMark]:
    """What another machine's responses say of their sessions: first and last time, project, and
    the model and context of the latest main-chain response (the transcripts' reader's rule)."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    project: dict[str, str | None] = {}
    biggest: dict[str, int] = {}
    latest: dict[str, MessageRow] = {}
    for row in rows:
        session = row.session
        if not session:
            continue
        prompt = row.total - row.output  # Tokens.total is prompt + output
        if session not in first:
            first[session], last[session], project[session], biggest[session] = (
                row.ts, row.ts, row.project, prompt
            )  # fmt: skip
        else:
            first[session] = min(first[session], row.ts)
            last[session] = max(last[session], row.ts)
            project[session] = row.project or project[session]
            biggest[session] = max(biggest[session], prompt)
        if not row.sidechain:
            before = latest.get(session)
            if (
                before is None
                or row.ts > before.ts
                or (row.ts == before.ts and rank(row) >= rank(before))
            ):
                latest[session] = row
    marks = []
    for session in first:
        newest = latest.get(session)
        marks.append(
            SessionMark(
                session=session,
                project=project[session],
                model=newest.model if newest else None,
                first_ts=first[session],
                last_ts=last[session],
                context_tokens=_tokens(newest).prompt if newest else None,
                context_ts=newest.ts if newest else None,
                compact_tokens=None,
                compact_ts=None,
                max_context=biggest[session],
            )
        )
    return marks


def _tokens(row: MessageRow) -> Tokens:
    return Tokens(row.input, row.output, row.cache_write_5m, row.cache_write_1h, row.cache_read)
