"""The ledger: every counted message, kept in SQLite after Claude Code deletes its transcripts.

One row per deduplicated API response (tokens by kind, model, session, project, time, flags), the
per-session context marks, each transcript's read position, and the user's notes and tags. Costs
are not stored: they are computed from token sums at query time, so a change of prices changes all
history at once.

This module is the ledger's API; its schema and migrations are in `ledger_schema`, the rollup in
`ledger_rollup`, the sums the reports read in `ledger_sums`, the row types and the dedupe rule in
`ledger_rows`. No SQL is written outside `storage` (a test holds that).

Writers may be several processes at once (the tray, a CLI run): every write is an idempotent upsert
inside one `BEGIN IMMEDIATE` transaction, so two ingests of the same bytes count them once.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from claude_tray.storage import ledger_backup, ledger_sums
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.ledger_faults import (
    Fault,
    LedgerError,
    LedgerTooNew,
    RowsRejected,
    classify,
)
from claude_tray.storage.ledger_rollup import (
    TRIGGER_NAMES,
    add_triggers,
    begin_group,
    delete_messages_before,
    drop_triggers,
    end_group,
    rebuild_rollup,
    rollup_agrees,
    sum_after,
    triggers_present,
)
from claude_tray.storage.ledger_rows import (
    UPSERT_EARLIER,
    UPSERT_MESSAGE,
    UPSERT_SESSION,
    FileMark,
    FileRecord,
    MessageRow,
    MessageValues,
    SessionMark,
    UnrecordedCall,
    UnrecordedRow,
    session_params,
)
from claude_tray.storage.ledger_schema import (
    INDEX_NAMES,
    INDEXES,
    NewerSchema,
    check_readable,
    connect,
    prepare,
    restore_bulk_parts,
)

if TYPE_CHECKING:
    from claude_tray.storage.ledger_sync import SyncTables

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

__all__ = [
    "FileMark",
    "Ledger",
    "LedgerError",
    "LedgerTooNew",
    "MessageRow",
    "RowsRejected",
    "SessionMark",
]


_F = TypeVar("_F", bound=Callable[..., Any])

GROUP_SUM_ROWS = 2_000
"""A group of at least this many messages stored into a ledger that holds rows (`record_files`
with `alone`) is summed into the rollup as a whole, its triggers set aside for the group's
transaction (`ledger_rollup.begin_group`); a smaller one goes through the triggers (a change of
schema makes every other connection prepare its statements again)."""

_OPEN: Counter[str] = Counter()
"""Ledgers this process holds open, by resolved path (see `in_use`)."""


def in_use(path: Path) -> bool:
    """Whether some connection holds the ledger open now, so its write-ahead log is live: one of
    this process, or (POSIX) another process's SQLite shared lock on the "dead man switch" byte
    (128) of the `-shm` file. Probing takes and drops a lock on that byte; this process never
    probes a ledger it holds open (closing the probe's descriptor would drop its locks). False
    when unknown (Windows)."""
    if _OPEN[str(path.resolve())] > 0:
        return True
    return _shm_locked(path.with_name(path.name + "-shm"))


if sys.platform == "win32":

    def _shm_locked(shm: Path) -> bool:
        return False  # SQLite locks differently there: not known, so always checked

else:
    import fcntl

    def _shm_locked(shm: Path) -> bool:
        try:
            handle = os.open(shm, os.O_RDWR)
        except OSError:
            return False
        try:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
            except OSError:
                return True
            fcntl.lockf(handle, fcntl.LOCK_UN, 1, 128)
            return False
        finally:
            os.close(handle)


def _guarded(method: _F) -> _F:
    """Turn SQLite's and the file system's errors in `method` into `LedgerError`s: one line with
    the file, the kind of fault and what to do."""

    @functools.wraps(method)
    def wrapper(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as error:
            raise LedgerError.from_error(self.path, error) from error

    return cast(_F, wrapper)


class Ledger:
    """The SQLite ledger. Not thread-safe: one per thread (the engine thread owns the tray's).

    Opening never moves or rebuilds anything. A damaged ledger raises `LedgerError` (fault
    CORRUPT) for the caller to repair (`ledger_repair`); a ledger from a newer claude-tray raises
    `LedgerTooNew`; one that cannot be written (a full disk, a read-only file or folder, no
    permission) is opened read-only when it can be read, with `read_only` saying why, and
    raises `LedgerError` otherwise. Every method raises `LedgerError` for such faults later on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key = str(path.resolve())
        self._closed = False
        self.read_only: str | None = None
        """Why this ledger could only be opened for reading (one line), or None."""
        self.notice: str | None = None
        """Something this open did that the user should hear of (one line), or None."""
        self.machines: tuple[str, ...] | None = None
        """The machines every sum and session list is restricted to ('' is this one; see
        `ledger_sync`), or None for all of them (`--machine`)."""
        self._summed: int | None = None
        """In a bulk load into an empty ledger: the id of the last message summed into the
        rollup so far (`record_files` sums each group it stores). None otherwise, and once any
        other write, or a copy replacing a stored message, leaves the rollup to be summed whole
        at the end of the load."""
        try:
            self._db = self._open_checking_journal()
        except NewerSchema as newer:
            raise LedgerTooNew(path, newer.version, newer.written_by) from None
        except (sqlite3.Error, OSError) as error:
            fault = classify(error)
            if fault in (Fault.CORRUPT, Fault.LOCKED, Fault.OTHER) or not path.is_file():
                raise LedgerError.from_error(path, error) from error
            self._db = self._open_read_only(error)
        _OPEN[self._key] += 1

    def _open_checking_journal(self) -> sqlite3.Connection:
        """Open; when a write-ahead log left by no running process makes the ledger unreadable
        or inconsistent (a log from another ledger, copied or restored beside this one), set
        the log aside (kept) and open the ledger without it."""
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            pending = wal.stat().st_size > 0
        except OSError:
            pending = False
        if not pending or in_use(self.path):
            return self._open()  # a log in use is the live one of the ledger
        problem = self._journal_problem()
        if problem is None:
            return self._open()
        kept = ledger_backup.set_aside_journal(self.path)
        self.notice = (
            f"the write-ahead log of the ledger {self.path} did not belong to it ({problem}); "
            f"set aside as {kept} and opened the ledger without it"
        )
        log.info("%s", self.notice)
        return self._open()

    def _journal_problem(self) -> str | None:
        """Read the ledger with its write-ahead log through a read-only connection (which never
        copies the log into the ledger): why its pages do not belong together, or None."""
        try:
            db = connect(self.path, read_only="ro")
        except sqlite3.Error:
            return None  # the usual open reports it
        try:
            if rollup_agrees(db):
                return None
            return "its pages disagree with the ledger's"
        except sqlite3.DatabaseError as error:
            return str(error) if classify(error) is Fault.CORRUPT else None
        finally:
            db.close()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = connect(self.path)
        try:
            prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self, error: BaseException) -> sqlite3.Connection:
        """The ledger opened for reading only, after `error` kept it from being opened to write."""
        why = LedgerError.from_error(self.path, error)
        for mode in ("ro", "immutable"):
            try:
                db = connect(self.path, read_only=mode)
            except sqlite3.Error:
                continue
            try:
                check_readable(db)
            except NewerSchema as newer:
                db.close()
                raise LedgerTooNew(self.path, newer.version, newer.written_by) from None
            except sqlite3.Error:
                db.close()
                continue
            self.read_only = str(why)
            log.info("%s; reading it as it is", why)
            return db
        raise why from error

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _OPEN[self._key] -= 1
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self, bulk: bool = False, low_memory: bool = False) -> Iterator[None]:
        """Group many `record` calls into one transaction (a pass over thousands of files would
        otherwise spend most of its time committing). `commit_point` commits inside it; each
        `record` inside it is its own savepoint, so one file's failure undoes only that file.

        `bulk` (a first ingest into an empty ledger): the secondary indexes and the rollup's
        triggers are dropped while loading, several times faster than keeping them up to date
        row by row; the indexes are built at the end, or when the caller says (`index_now`).
        Into an empty ledger, the rollup is summed group by group as they are stored, while the
        rest is still being read (whole at the end when a stored message was replaced by a
        better copy, or written to otherwise).

        `low_memory`: sorting for those builds spills to temporary files instead of memory (a bulk
        import of millions of another machine's rows: ~2.4x less memory, ~30% slower)."""
        if low_memory:
            self._db.execute("PRAGMA temp_store = FILE")
        try:
            yield from self._batch(bulk)
        finally:
            if low_memory:
                self._db.execute("PRAGMA temp_store = MEMORY")

    def _batch(self, bulk: bool) -> Iterator[None]:
        try:
            if not bulk:
                restore_bulk_parts(self._db)
            self._db.execute("BEGIN IMMEDIATE")
            if bulk:
                for name in INDEX_NAMES:
                    self._db.execute(f"DROP INDEX IF EXISTS {name}")
                drop_triggers(self._db)
                if self._last_id() == 0:  # empty: the rollup is summed as groups are stored
                    self._db.execute("DELETE FROM slots")
                    self._summed = 0
        except (sqlite3.Error, OSError) as error:
            self._summed = None
            self._rollback()
            raise LedgerError.from_error(self.path, error) from error
        try:
            yield
            if bulk:
                for statement in INDEXES:
                    self._db.execute(statement)
                summed, self._summed = self._summed, None
                if summed == self._last_id() and not triggers_present(self._db):
                    add_triggers(self._db)
                else:  # a copy replaced a stored message, or another write came between
                    rebuild_rollup(self._db)
            self._db.execute("COMMIT")
        except (sqlite3.Error, OSError) as error:
            self._rollback()
            raise LedgerError.from_error(self.path, error) from error
        except BaseException:
            self._rollback()
            raise
        finally:
            self._summed = None

    @_guarded
    def index_now(self) -> None:
        """In a bulk load: build the secondary indexes now; what is stored after is indexed as
        it comes. A first read does it before its last files come in, so that its end does not
        wait for them."""
        for statement in INDEXES:
            self._db.execute(statement)

    def _last_id(self) -> int:
        """The id of the message inserted last (0: none)."""
        last: int | None = self._db.execute("SELECT max(id) FROM messages").fetchone()[0]
        return last or 0

    def _rollback(self) -> None:
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error as error:  # the transaction is gone already (e.g. disk full)
                log.debug("rollback: %s", error)

    @_guarded
    def backup(self, now: float) -> Path:
        """Write a consistent copy of the ledger into its backup folder (`ledger_backup`)."""
        return ledger_backup.make(self._db, self.path, now)

    def limit_cache(self, kib: int) -> None:
        """Keep at most `kib` KiB of SQLite pages in memory (the tray: it runs for days, and its
        writes are small; a first ingest in the CLI keeps the larger default)."""
        self._db.execute(f"PRAGMA cache_size = {-int(kib)}")

    @_guarded
    def is_empty(self) -> bool:
        return not ledger_sums.has_messages(self._db)

    @_guarded
    def commit_point(self) -> None:
        """Within `batch`: commit what is done so far (so other processes are not kept waiting)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN IMMEDIATE")

    @contextmanager
    def _write(self, alone: bool = False, sums: bool = False) -> Iterator[sqlite3.Connection]:
        """One atomic write: a transaction of its own, or a savepoint inside a batch. `alone`:
        inside a batch too a transaction of its own, begun once what the batch wrote before is
        committed (a write of thousands of rows: see `record_files`). `sums`: the write adds
        what it stores to a bulk load's rollup itself; any other write during a bulk load
        leaves the rollup to be summed whole at its end."""
        if not sums:
            self._summed = None
        if self._db.in_transaction and alone:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._rollback()
                self._db.execute("BEGIN IMMEDIATE")  # the batch goes on without this write
                raise
            return
        if self._db.in_transaction:  # inside a batch
            self._db.execute("SAVEPOINT one_write")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK TO one_write")
                self._db.execute("RELEASE one_write")
                raise
            self._db.execute("RELEASE one_write")
            return
        restore_bulk_parts(self._db)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    # -- reading positions ------------------------------------------------------------------

    @_guarded
    def oldest_read_ns(self) -> int | None:
        """The modification time (ns) of the oldest transcript read so far, as it was then; None
        before any."""
        value = self._db.execute("SELECT min(mtime_ns) FROM files").fetchone()[0]
        return None if value is None else int(value)

    @_guarded
    def file_states(self) -> set[int]:
        """`hash((path, device, inode, mtime_ns, size))` of every known file as its last read
        found it: a pass tells the unchanged files by these, without loading every mark, and
        holds one int per file, not a tuple of five (a history of thousands of transcripts).
        Hashes are 64-bit: with n files known, a changed file is taken for unchanged with a
        chance of about n * 2**-64 (3e-16 for 5,000 files), and then read at its next change;
        the passes the file watcher asks for never look at these."""
        rows = self._db.execute("SELECT path, device, inode, mtime_ns, size FROM files")
        return set(map(hash, rows))

    @_guarded
    def file_marks(self, paths: Sequence[str] | None = None) -> dict[str, FileMark]:
        """Read positions of all known files, or of just `paths`."""
        sql = "SELECT path, device, inode, size, offset, mtime_ns, head_len, head_hash FROM files"
        if paths is None:
            rows = self._db.execute(sql)
        else:
            rows = self._db.execute(f"{sql} WHERE path IN ({','.join('?' * len(paths))})", paths)
        return {path: FileMark(*rest) for path, *rest in rows}

    def record(
        self,
        path: str,
        mark: FileMark,
        lines: int,
        messages: Sequence[MessageValues],
        sessions: Sequence[SessionMark],
        skipped: dict[str, int],
        restarted: bool,
        earlier: bool = False,
        unrecorded: Sequence[UnrecordedRow] = (),
    ) -> None:
        """Store what one read of a file found, and how far it got, in one transaction (or
        savepoint): all of it or none. A value SQLite cannot hold raises `RowsRejected`.
        `earlier`: the file is older than every file read before (see `ledger_rows`).
        `unrecorded`: the calls no transcript records that this read found signs of."""
        self.record_files(
            [
                FileRecord(
                    path, mark, lines, messages, sessions, skipped, restarted, earlier, unrecorded
                )
            ]
        )

    def record_files(self, files: Sequence[FileRecord], alone: bool = False) -> None:
        """`record` for several files (each path once) in one savepoint: all of them or none
        (a caller that must keep the others when one is rejected records that group file by
        file). The same statements in the same order per table as one `record` per file, each
        run once over all of them: a first read stores thousands of files.

        `alone` (a group of thousands of rows inside a batch): commit what the batch wrote
        before and store the group in a transaction of its own rather than a savepoint. Inside a
        savepoint SQLite keeps the pages the group changes in an in-memory journal, and the end
        of every statement that might need undoing (each row, when the rollup's triggers are on)
        walks that journal from its start: a group's cost grew with the square of its pages (a
        `daily` after a `today` on a 1.4 GB history took 61 s in a savepoint, 8 s so)."""
        try:
            self._record(files, alone)
        except (OverflowError, ValueError, TypeError, sqlite3.IntegrityError) as error:
            raise RowsRejected(f"not stored: {error}") from error

    @_guarded
    def _record(self, files: Sequence[FileRecord], alone: bool) -> None:
        with self._write(alone, sums=True) as db:
            summed = self._summed
            if summed is not None:
                changes = db.total_changes
            keys: list[int] = []
            if summed is None and alone:
                keys = [row[0] for one in files for row in one.messages]
            group = (
                begin_group(db, keys)
                if len(keys) >= GROUP_SUM_ROWS and triggers_present(db) == len(TRIGGER_NAMES)
                else None
            )
            start = 0
            while start < len(files):  # runs of files with the same tie rule, in order
                earlier = files[start].earlier
                end = start + 1
                while end < len(files) and files[end].earlier == earlier:
                    end += 1
                db.executemany(
                    UPSERT_EARLIER if earlier else UPSERT_MESSAGE,
                    [row for one in files[start:end] for row in one.messages],
                )
                start = end
            if summed is not None:
                # Each message inserted is one change and takes the next id; a copy that
                # replaced a message is one change more, and that message may be summed already.
                last = self._last_id()
                if last - summed == db.total_changes - changes:
                    sum_after(db, summed)
                    summed = last
                else:
                    summed = None
            if group is not None:
                end_group(db, group)
            db.executemany(
                "INSERT OR IGNORE INTO unrecorded (key, session, kind, ts, pre_tokens, "
                "post_tokens) VALUES (?, ?, ?, ?, ?, ?)",
                [row for one in files for row in one.unrecorded],
            )
            db.executemany(
                UPSERT_SESSION, [session_params(s) for one in files for s in one.sessions]
            )
            db.executemany(
                "DELETE FROM skipped WHERE path = ?",
                [(one.path,) for one in files if one.restarted],
            )
            db.executemany(
                "INSERT INTO skipped (path, reason, count) VALUES (?, ?, ?) "
                "ON CONFLICT (path, reason) DO UPDATE SET count = count + excluded.count",
                [(one.path, reason, n) for one in files for reason, n in one.skipped.items()],
            )
            db.executemany(
                "INSERT INTO files (path, device, inode, size, offset, mtime_ns, head_len, "
                "head_hash, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (path) DO UPDATE SET "
                "device = excluded.device, inode = excluded.inode, size = excluded.size, "
                "offset = excluded.offset, mtime_ns = excluded.mtime_ns, "
                "head_len = excluded.head_len, head_hash = excluded.head_hash, "
                "lines = CASE WHEN ? THEN excluded.lines ELSE files.lines + excluded.lines END",
                [(one.path, *one.mark, one.lines, one.restarted) for one in files],
            )
        self._summed = summed  # only once the write is done: a write undone sums nothing

    # -- queries ----------------------------------------------------------------------------

    @_guarded
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Any read-only query: for tests and diagnostics only. The app's own code asks through
        the methods below (a test fails when a module outside `storage` writes SQL)."""
        return self._db.execute(sql, params).fetchall()

    @_guarded
    def piece_sums(
        self, pieces: Sequence[tuple[str, int, bool, float, float]], group_by: Sequence[str]
    ) -> list[tuple[object, ...]]:
        """See `ledger_sums.piece_sums`."""
        return ledger_sums.piece_sums(self._db, pieces, group_by, self.machines)

    @_guarded
    def session_sums(
        self,
        breakpoints: Sequence[float],
        ranges: Sequence[tuple[str, float, float]],
        group_by: Sequence[str],
        session_ids: Sequence[str],
    ) -> list[tuple[object, ...]]:
        """See `ledger_sums.session_sums`."""
        return ledger_sums.session_sums(
            self._db, breakpoints, ranges, group_by, session_ids, self.machines
        )

    @_guarded
    def slot_sums(self, era: int, first: int, end: int) -> list[tuple[object, ...]]:
        """See `ledger_sums.slot_sums`."""
        return ledger_sums.slot_sums(self._db, era, first, end, self.machines)

    @_guarded
    def part_slot_sums(self, era: int, start: float, end: float) -> list[tuple[object, ...]]:
        """See `ledger_sums.part_slot_sums`."""
        return ledger_sums.part_slot_sums(self._db, era, start, end, self.machines)

    @_guarded
    def bucket_sums(
        self, breakpoints: Sequence[float], start: float, end: float, seconds: int
    ) -> list[tuple[object, ...]]:
        """See `ledger_sums.bucket_sums`."""
        return ledger_sums.bucket_sums(self._db, breakpoints, start, end, seconds, self.machines)

    @_guarded
    def time_bounds(self, earliest: float, latest: float) -> tuple[float, float] | None:
        """The times of the first and last counted message in [earliest, latest]; None when
        there is none."""
        return ledger_sums.time_bounds(self._db, earliest, latest, self.machines)

    @_guarded
    def sessions_starting(self, prefix: str) -> set[str]:
        """The ids of the known sessions that start with `prefix`."""
        return ledger_sums.sessions_starting(self._db, prefix)

    @_guarded
    def sessions(
        self, session_ids: Sequence[str] | None = None, since: float | None = None
    ) -> list[SessionMark]:
        sql = (
            "SELECT session, project, model, first_ts, last_ts, context_tokens, context_ts, "
            "compact_tokens, compact_ts, max_context, machine FROM sessions"
        )
        clauses, params = [], []  # type: tuple[list[str], list[object]]
        if session_ids is not None:
            clauses.append(f"session IN ({','.join('?' * len(session_ids))})")
            params.extend(session_ids)
        if since is not None:
            clauses.append("last_ts >= ?")
            params.append(since)
        if self.machines is not None:
            clauses.append(f"machine IN ({','.join('?' * len(self.machines))})")
            params.extend(self.machines)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = self._db.execute(sql + " ORDER BY last_ts DESC", params)
        return [SessionMark(*row) for row in rows]

    @_guarded
    def unrecorded(self, start: float, end: float) -> list[UnrecordedCall]:
        """The unrecorded calls in [start, end) (a title at its session's first activity), each
        with its session's model."""
        rows = self._db.execute(
            "SELECT u.session, u.kind, COALESCE(u.ts, s.first_ts) AS at, u.pre_tokens, "
            "u.post_tokens, s.model FROM unrecorded u LEFT JOIN sessions s USING (session) "
            "WHERE at >= ? AND at < ? ORDER BY at",
            (start, end),
        )
        return [UnrecordedCall(*row) for row in rows if row[2] is not None]

    @property
    def sync(self) -> SyncTables:
        """The sync folder's tables (see `ledger_sync`)."""
        from claude_tray.storage.ledger_sync import SyncTables  # only with a sync folder

        return SyncTables(self._db, self._write)

    @_guarded
    def stats(self) -> dict[str, int]:
        one = self._db.execute
        return {
            "messages": one("SELECT count(*) FROM messages").fetchone()[0],
            "sessions": one("SELECT count(*) FROM sessions").fetchone()[0],
            "files": one("SELECT count(*) FROM files").fetchone()[0],
            "lines": one("SELECT coalesce(sum(lines), 0) FROM files").fetchone()[0],
        }

    @_guarded
    def skipped(self) -> list[tuple[str, str, int]]:
        rows = self._db.execute("SELECT path, reason, count FROM skipped ORDER BY count DESC, path")
        return [(str(path), str(reason), int(n)) for path, reason, n in rows]

    # -- notes, tags and pruning: the user's own marks, changed only when they ask -----------

    @_guarded
    def set_note(self, session: str, text: str, now: float) -> None:
        """Set a session's note (replacing any); an empty or blank text removes it."""
        with self._write() as db:
            if text.strip():
                db.execute(
                    "INSERT INTO notes (session, text, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT (session) DO UPDATE SET text = excluded.text, "
                    "updated = excluded.updated",
                    (session, text, now),
                )
            else:
                db.execute("DELETE FROM notes WHERE session = ?", (session,))

    @_guarded
    def add_tag(self, session: str, tag: str) -> bool:
        """Tag a session; False when it already had that tag."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO tags (session, tag) VALUES (?, ?)", (session, tag)
            )
            return cursor.rowcount > 0

    @_guarded
    def remove_tag(self, session: str, tag: str) -> bool:
        """Take a tag off a session; False when it did not have it."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM tags WHERE session = ? AND tag = ?", (session, tag))
            return cursor.rowcount > 0

    @_guarded
    def notes(self) -> dict[str, str]:
        """Every session's note, by session id."""
        rows = self._db.execute("SELECT session, text FROM notes")
        return {str(session): str(text) for session, text in rows}

    @_guarded
    def tags(self) -> dict[str, tuple[str, ...]]:
        """Every tagged session's tags (sorted), by session id."""
        out: dict[str, list[str]] = {}
        for session, tag in self._db.execute("SELECT session, tag FROM tags ORDER BY session, tag"):
            out.setdefault(str(session), []).append(str(tag))
        return {session: tuple(tags) for session, tags in out.items()}

    @_guarded
    def prune_before(self, ts: float) -> dict[str, int]:
        """Delete messages older than `ts`, and sessions (with their notes and tags) whose last
        activity is older. Returns how many rows of each went. Only on the user's request."""
        old_sessions = "SELECT session FROM sessions WHERE last_ts < ?"
        with self._write() as db:
            return {
                "messages": delete_messages_before(db, ts),
                "notes": db.execute(
                    f"DELETE FROM notes WHERE session IN ({old_sessions})", (ts,)
                ).rowcount,
                "tags": db.execute(
                    f"DELETE FROM tags WHERE session IN ({old_sessions})", (ts,)
                ).rowcount,
                "sessions": db.execute("DELETE FROM sessions WHERE last_ts < ?", (ts,)).rowcount,
            }
