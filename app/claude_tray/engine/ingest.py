"""Incremental ingest: read the bytes added to each transcript since the last pass, once.

For each file the ledger remembers its identity (device + inode, and a fingerprint of its first
bytes), size and the offset of the end of the last complete line read. A pass stats every file and
reads only what grew; a partial last line is held back until it is complete; a file that shrank,
was replaced, or whose first bytes changed (rewritten in place, or made again with a reused inode)
is read again from the start (the ledger's upserts keep that from counting anything twice).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from claude_tray.engine.discover import (
    SKEW_MARGIN_S,
    FolderListings,
    Keep,
    discover,
    discover_named,
    no_cycle_collection,
)
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.ledger import Ledger, LedgerError, RowsRejected
from claude_tray.storage.ledger_faults import Fault
from claude_tray.storage.ledger_rows import FileMark, FileRecord

__all__ = ["SKEW_MARGIN_S", "PassStats", "ingest"]

if TYPE_CHECKING:
    from claude_tray.engine.read import FileRead

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

COMMIT_EVERY_S = 1.0
"""A long pass commits this often, so a second process waiting to write is not held up long."""
PARALLEL_MIN_BYTES = 64 << 20
"""A pass with this much new data to read uses worker processes."""
MAX_WORKERS = 4
HEAD_SHARE = 0.04
"""A parallel pass reads about this share of its bytes (its first files) in this process, while the
worker processes start."""
MAP_CHUNK = 16
"""Files handed to a worker process at once. Each hand-over and each answer is a message this
process sends, waits for and unpickles: on a history of 5,278 transcripts its thread that takes
the answers used 0.34-0.37 s of CPU at 4 files a chunk, 0.16-0.20 s at 16. A last chunk of 16 is
still little work (about 4 MB)."""


class PassStats:
    """What one ingest pass did; `doctor` and the benchmark print it. (A plain class: a dataclass
    compiles its methods at import, on every CLI run.)"""

    __slots__ = (
        "bytes_read",
        "files_read",
        "files_seen",
        "history_bytes",
        "ledger_problem",
        "lines_read",
        "missing_roots",
        "problems",
        "responses",
        "roots",
        "seconds",
        "skipped",
        "unread",
        "unread_bytes",
        "unread_files",
        "unread_newest",
    )

    def __init__(
        self,
        roots: list[Path] | None = None,
        missing_roots: list[Path] | None = None,
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        self.roots: list[Path] = [] if roots is None else roots
        self.missing_roots: list[Path] = [] if missing_roots is None else missing_roots
        self.files_seen = 0
        self.files_read = 0
        self.bytes_read = 0
        self.lines_read = 0
        self.responses = 0
        self.skipped: Counter[str] = Counter()
        self.problems: list[tuple[str, str]] = [] if problems is None else problems
        self.seconds = 0.0
        self.ledger_problem: str | None = None
        """Why this pass could not write to the ledger (read-only, disk full...): what it holds
        is still shown; the new lines are read again by a later pass."""
        self.history_bytes = 0
        """Size of every transcript seen (a pass over all of them; 0 for a pass over hinted
        files)."""
        self.unread_files = 0
        self.unread_bytes = 0
        """Transcripts with bytes this pass left for later (`since`, `budget_s`), and how many."""
        self.unread_newest: float | None = None
        """Modification time of the newest transcript left unread: every line dated at or after
        it has been read (lines are appended as they happen). None when nothing was left."""
        self.unread: list[tuple[str, int, int]] = []
        """The transcripts left unread: (path, modification time in ns, bytes left), newest
        first."""

    @property
    def data_found(self) -> bool:
        return bool(self.roots)

    def complete_since(self, margin: float = 0.0) -> float | None:
        """From when on the ledger holds every line (with `margin` for clock skew); None when it
        holds them all."""
        return None if self.unread_newest is None else self.unread_newest + margin


Progress = Callable[[int, int], None]
"""Told after each file (bytes read so far, bytes this pass reads): the CLI's progress bar."""


def ingest(
    ledger: Ledger,
    roots: list[Path],
    only: Iterable[Path] | None = None,
    since: float | None = None,
    budget_s: float | None = None,
    progress: Progress | None = None,
    *,
    background: bool = False,
    listings: FolderListings | None = None,
    lean: bool = False,
) -> PassStats:
    """Read what is new in every transcript under `roots` (or just the files in `only`).

    `since` (epoch seconds): read only the transcripts modified since then. A transcript modified
    before a moment holds no line dated after it, so the ledger is then exact from `since` on
    (`today` and `status` on a history not read yet). `budget_s`: stop starting new files after
    this long (the tray reads the rest of a history in slices). What is left is read by a later
    pass: the ledger's read positions say which files are read completely.

    Order: files modified since the oldest file already read, oldest first (whatever `since`
    says: so the files read are always the newest ones); then the files older than every file
    read so far (the rest of a history read today first), newest first, which win dedupe ties (see
    `ledger_rows`): the ledger ends up as one oldest-first pass would leave it, whatever the order
    and the slicing of the passes.

    `background` (a reader of the history beside a live writer, the tray's history reader
    process): no bulk load, no worker processes, and each file's rows are written in a
    transaction of their own once the file is parsed, so a live pass of another process waits
    at most for one file's insert, never for a file being read.

    `listings`: the folders' listings kept between passes (see `discover`).

    `lean` (the tray, whose history reader reads the rest of a history): hold as little at once
    as can be, since what a pass holds at its peak stays in the process's memory (Python keeps
    the memory pools it touched): the transcripts this pass leaves unread are counted, not
    listed (`PassStats.unread` stays empty; the reader lists them itself), files are read 1 MiB
    at a time and each file's rows are stored as soon as it is read, not gathered in groups.
    """
    started = time.perf_counter()
    writable = ledger.read_only is None
    cutoff_ns = -1 if since is None else int(since * 1e9)
    oldest: int | None = None
    unlisted: _Unlisted | None = None
    if lean and only is None and writable:
        # Known before the walk: which files this pass reads (see `changed_since_read`).
        oldest = ledger.oldest_read_ns()
        unlisted = _Unlisted(ledger, oldest is not None)
    # The walk's stats and tuples are dropped before the cycle collector is on again: it would
    # otherwise walk them all once more (see `discover`).
    with no_cycle_collection():
        if only is not None:  # A watcher's hint names the files: no walk over every folder.
            found = discover_named(roots, only)
        elif not writable:
            found = discover(roots, listings, keep=_nothing)  # counted only: nothing is read
        else:
            # Only the files that changed since their last read are kept: a walk over thousands
            # of unchanged transcripts holds no stat for each (a lean pass also counts, and
            # does not keep, the changed ones it leaves unread).
            first_read = cutoff_ns if oldest is None else min(cutoff_ns, oldest)
            keep = changed_since_read(ledger.file_states(), first_read, unlisted)
            found = discover(roots, listings, keep=keep)
        stats = PassStats(
            roots=found.roots, missing_roots=found.missing_roots, problems=list(found.problems)
        )
        files = found.files
        stats.files_seen = found.seen
        if only is None and writable:
            stats.history_bytes = found.seen_bytes
        del found
    if not writable:
        stats.ledger_problem = ledger.read_only
        stats.seconds = time.perf_counter() - started
        return stats
    if not files:  # nothing new anywhere (a warm `today`): no more queries
        _count_unlisted(stats, unlisted, None)
        stats.seconds = time.perf_counter() - started
        return stats
    marks = ledger.file_marks(None if len(files) > MARKS_BY_NAME else [path for path, _ in files])
    plan = _plan(files, marks, stats)
    del files, marks  # the plan is what is left to hold
    if unlisted is None:
        oldest = ledger.oldest_read_ns()
    if oldest is None:  # nothing read yet: from `since` on, oldest first
        later = [w for w in plan if w.mtime_ns >= cutoff_ns]
        earlier: list[_Work] = []
    else:
        # What is newer than the oldest file read is read whatever `since` says: the files read
        # always stay the newest ones, so the rest can always be read newest first.
        later = [w for w in plan if w.mtime_ns >= oldest]
        earlier = [w for w in reversed(plan) if cutoff_ns <= w.mtime_ns < oldest]
    order = later + earlier
    new_bytes = sum(w.size - w.start for w in order)
    # A first read of a history into an empty ledger: load without indexes and rollup triggers.
    # Never into a ledger that holds rows: the tray may be writing to it (its today-first pass,
    # its history reader), and another writer would meet a ledger without them meanwhile.
    bulk = (
        not background
        and only is None
        and budget_s is None
        and new_bytes >= PARALLEL_MIN_BYTES
        and ledger.is_empty()
    )
    deadline = None if budget_s is None else started + budget_s
    firsts = {w.path for w in earlier}
    done: set[str] = set()
    try:
        if order:  # nothing new (a warm `today`): not even an empty write transaction
            parallel = budget_s is None and not background
            results = _read_all(order, parallel, lean)
            told = None if progress is None else (lambda read: progress(read, new_bytes))
            _store(
                ledger,
                results,
                stats,
                bulk,
                firsts,
                done,
                deadline,
                told,
                batch=not background,
                grouped=not lean,
                index_at=int(new_bytes * INDEX_SHARE) if bulk else None,
            )
    except LedgerError as error:
        if error.fault is Fault.CORRUPT:
            raise  # the caller repairs
        log.info("%s", error)
        stats.ledger_problem = str(error)
    left = [w for w in plan if w.path not in done]
    if left:
        left.sort(key=lambda w: (w.mtime_ns, w.path), reverse=True)
        stats.unread = [(w.path, w.mtime_ns, w.size - w.start) for w in left]
        stats.unread_files = len(left)
        stats.unread_bytes = sum(w.size - w.start for w in left)
        stats.unread_newest = left[0].mtime_ns / 1e9
    _count_unlisted(stats, unlisted, left[0] if left else None)
    stats.seconds = time.perf_counter() - started
    return stats


def _count_unlisted(stats: PassStats, unlisted: _Unlisted | None, newest: _Work | None) -> None:
    """Add what a lean pass counted without listing to what it left unread (`newest`: the
    newest file of those listed)."""
    if unlisted is None or not unlisted.files:
        return
    stats.unread_files += unlisted.files
    stats.unread_bytes += unlisted.bytes
    stats.unread_newest = max(unlisted.newest_ns, newest.mtime_ns if newest else -1) / 1e9


def unread_history(ledger: Ledger, roots: list[Path]) -> list[tuple[str, int, int]]:
    """The transcripts older than every file the ledger has read, with bytes not read yet: the
    rest of a history read today first. (path, modification time in ns, bytes left), newest
    first: the order in which `ingest` reads them. Empty before any file was read."""
    oldest = ledger.oldest_read_ns()
    if oldest is None:
        return []
    stats = PassStats()
    plan = _plan(discover(roots).files, ledger.file_marks(), stats)
    return [(w.path, w.mtime_ns, w.size - w.start) for w in reversed(plan) if w.mtime_ns < oldest]


def _store(
    ledger: Ledger,
    results: Iterator[FileRead],
    stats: PassStats,
    bulk: bool,
    firsts: set[str],
    done: set[str],
    deadline: float | None,
    progress: Callable[[int], None] | None = None,
    batch: bool = True,
    grouped: bool = True,
    index_at: int | None = None,
) -> None:
    """Record each file's results: each file all or nothing, committed every second or so (with
    `batch`; else each file at once, in a transaction of its own); a file whose rows the ledger
    rejects is named in the problems and the others still count. `firsts`: files older than
    every file read before; `done` collects the paths handled; no file is started after
    `deadline`.

    With `batch` and no deadline (a first read), files are stored in groups (`GROUP_ROWS`): one
    statement per table for the whole group; a group the ledger rejects is stored again file by
    file, so only the file at fault is left out. Not `grouped`: each file as soon as it is read.
    `index_at`: once this many bytes are stored, the ledger builds its indexes (`INDEX_SHARE`)."""
    grouped = grouped and batch and deadline is None
    group: list[FileRead] = []
    rows = 0
    # A first read (grouped) makes a few hundred thousand row tuples and no cycle among them:
    # the cycle collector would only walk them over and over, in this process and in the
    # thread that receives the workers' results.
    quiet = no_cycle_collection() if grouped else contextlib.nullcontext()
    with quiet, ledger.batch(bulk=bulk) if batch else contextlib.nullcontext():
        committed_at = time.perf_counter()
        for result in results:
            done.add(result.path)
            if result.problem is not None:
                stats.problems.append((result.path, result.problem))
                continue
            group.append(result)
            rows += len(result.rows)
            if grouped and rows < GROUP_ROWS and len(group) < GROUP_FILES:
                continue
            _record(ledger, group, stats, firsts, progress, grouped)
            group, rows = [], 0
            if index_at is not None and stats.bytes_read >= index_at:
                ledger.index_now()
                index_at = None
            if time.perf_counter() - committed_at > COMMIT_EVERY_S:
                ledger.commit_point()
                committed_at = time.perf_counter()
            if deadline is not None and time.perf_counter() > deadline:
                break
        if group:
            _record(ledger, group, stats, firsts, progress, grouped)


INDEX_SHARE = 0.85
"""A bulk load builds the ledger's indexes once it has stored this share of its bytes, while the
rest is still being read, so that its end does not wait for them (the rows stored after are
indexed as they come: a little more work than building the indexes over them too)."""
GROUP_ROWS = 20_000
GROUP_FILES = 1_000
"""A first read stores the files it read in groups of about this many rows (or files)."""


def _record(
    ledger: Ledger,
    group: list[FileRead],
    stats: PassStats,
    firsts: set[str],
    progress: Callable[[int], None] | None,
    grouped: bool = False,
) -> None:
    """Store a group of files (`grouped`: a transaction of its own, see `Ledger.record_files`)."""
    records = [
        FileRecord(
            result.path,
            result.mark,
            result.lines,
            result.rows,
            result.sessions,
            result.skipped,
            restarted=result.start == 0,
            earlier=result.path in firsts,
            unrecorded=result.unrecorded,
        )
        for result in group
    ]
    try:
        ledger.record_files(records, alone=grouped)
    except RowsRejected as rejected:
        if len(group) > 1:  # find the file at fault: the others are stored
            for result in group:
                _record(ledger, [result], stats, firsts, progress, grouped)
            return
        stats.problems.append((group[0].path, str(rejected)))
        return
    for result in group:
        _count(result, stats)
        if progress is not None:
            progress(stats.bytes_read)


class _Work(NamedTuple):
    path: str
    start: int
    size: int
    mtime_ns: int
    head: tuple[int, int] = (0, 0)
    """The mark's fingerprint (bytes, hash): the file is read from the start if it changed."""


MARKS_BY_NAME = 256
"""Up to this many files, their marks are looked up by name; more, all marks are loaded."""


def _nothing(path: str, info: os.stat_result) -> bool:
    return False


def changed_since_read(known: set[int], first_read: int, unlisted: _Unlisted | None) -> Keep:
    """Which files a pass over every transcript keeps: those whose state (path, identity,
    modification time, size) is not among the `known` states their last reads left (see
    `Ledger.file_states`): `_plan` would find nothing new in the others. With `unlisted`, a
    changed file modified before `first_read` (which the pass does not read) is counted there
    instead of kept."""

    def keep(path: str, info: os.stat_result) -> bool:
        if hash((path, info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)) in known:
            return False
        if unlisted is None or info.st_mtime_ns >= first_read:
            return True
        unlisted.count(path, info)
        return False

    return keep


class _Unlisted:
    """The transcripts a lean pass leaves unread, counted as they are found: how many, their
    bytes not read yet, and the newest one's modification time (ns)."""

    __slots__ = ("bytes", "files", "has_marks", "ledger", "newest_ns")

    def __init__(self, ledger: Ledger, has_marks: bool) -> None:
        self.ledger = ledger
        self.has_marks = has_marks
        self.files = 0
        self.bytes = 0
        self.newest_ns = -1

    def count(self, path: str, info: os.stat_result) -> None:
        # A file older than every file read has no read position, but one whose time went
        # back (restored from a backup) may: looked up by name, as `_plan` would.
        mark = self.ledger.file_marks([path]).get(path) if self.has_marks else None
        work = _work(path, info, mark)
        if work is None:
            return
        self.files += 1
        self.bytes += work.size - work.start
        self.newest_ns = max(self.newest_ns, work.mtime_ns)


def _plan(
    files: list[tuple[str, os.stat_result]], marks: dict[str, FileMark], stats: PassStats
) -> list[_Work]:
    """The files with new bytes, and where to start reading each, oldest file first (so that a
    cold pass meets messages in the order a live one would have)."""
    work: list[_Work] = []
    for key, info in files:
        item = _work(key, info, marks.get(key))
        if item is not None:
            work.append(item)
    work.sort(key=lambda w: (w.mtime_ns, w.path))
    return work


def _work(key: str, info: os.stat_result, mark: FileMark | None) -> _Work | None:
    """Where to read the file from, given its read position; None when nothing is new."""
    mtime = info.st_mtime_ns
    if mark is not None and (mark.device, mark.inode) == (info.st_dev, info.st_ino):
        if mtime == mark.mtime_ns and info.st_size in (mark.offset, mark.size):
            return None  # nothing new (or only a held-back partial line, unchanged)
        if info.st_size >= mark.offset:
            head = (mark.head_len, mark.head_hash)
            return _Work(key, mark.offset, info.st_size, mtime, head)
    return _Work(key, 0, info.st_size, mtime)


def _read_all(plan: list[_Work], parallel: bool = True, lean: bool = False) -> Iterator[FileRead]:
    """Read the planned files, in plan order (`lean`: in smaller chunks, see `LEAN_CHUNK`); big
    passes (a first run over years of history) are spread over worker processes, since decoding
    is CPU-bound."""
    # Imported here: a pass with nothing new (a warm `today`) never loads the reader or msgspec.
    from claude_tray.engine.read import CHUNK, LEAN_CHUNK, read_file

    chunk = LEAN_CHUNK if lean else CHUNK
    new_bytes = sum(w.size - w.start for w in plan)
    workers = min(MAX_WORKERS, os.cpu_count() or 1, len(plan))
    if new_bytes < PARALLEL_MIN_BYTES or workers < 2 or not parallel:
        yield from (read_file(w.path, w.start, w.head, chunk) for w in plan)
        return
    # "spawn": a forked child would inherit the parent's open SQLite connection and threads.
    # Imported here: a pass with little to read (`today` on a read history) never needs them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    try:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        try:
            # While the workers start (an interpreter and the reader's imports each), this
            # process reads the first files itself (at most `HEAD_SHARE` of the bytes: a
            # big first file goes to a worker).
            first, budget = 0, new_bytes * HEAD_SHARE
            while first < len(plan) and plan[first].size - plan[first].start <= budget:
                budget -= plan[first].size - plan[first].start
                first += 1
            rest = plan[first:]
            paths, starts = [w.path for w in rest], [w.start for w in rest]
            heads = [w.head for w in rest]
            results = pool.map(read_file, paths, starts, heads, chunksize=MAP_CHUNK)
            for work in plan[:first]:
                done += 1
                yield read_file(work.path, work.start, work.head, chunk)
            for result in results:
                done += 1
                yield result
        finally:
            # Not waited for: the workers end while this process stores the last results
            # (joined at exit), and a pass given up midway reads nothing more.
            pool.shutdown(wait=False, cancel_futures=True)
    except (BrokenProcessPool, OSError) as error:  # e.g. no way to start a process here
        log.warning("reading in worker processes failed (%s); reading in this one", error)
        yield from (read_file(w.path, w.start, w.head, chunk) for w in plan[done:])


def _count(result: FileRead, stats: PassStats) -> None:
    stats.files_read += 1
    stats.bytes_read += result.mark.offset - result.start
    stats.lines_read += result.lines
    stats.responses += result.responses
    stats.skipped.update(result.skipped)
