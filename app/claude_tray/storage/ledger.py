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

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from claude_tray.storage import ledger_sums
from claude_tray.storage.atomic import move_aside
from claude_tray.storage.ledger_rollup import (
    delete_messages_before,
    drop_triggers,
    rebuild_rollup,
)
from claude_tray.storage.ledger_rows import (
    MESSAGE_COLUMNS,
    FileMark,
    MessageRow,
    SessionMark,
    replaces_sql,
)
from claude_tray.storage.ledger_schema import INDEX_NAMES, INDEXES, connect, prepare

log = logging.getLogger(__name__)

__all__ = ["FileMark", "Ledger", "MessageRow", "SessionMark"]


class Ledger:
    """The SQLite ledger. Not thread-safe: one per thread (the engine thread owns the tray's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rebuilt_from: Path | None = None
        """Where a corrupt ledger was moved, when this open had to start a new one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise
            self.rebuilt_from = move_aside(path, str(error))
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                if side.exists():
                    move_aside(side, "belongs to a corrupt ledger")
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = connect(self.path)
        try:
            prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self, bulk: bool = False) -> Iterator[None]:
        """Group many `record` calls into one transaction (a pass over thousands of files would
        otherwise spend most of its time committing). `commit_point` commits inside it.

        `bulk` (a first ingest into an empty ledger): the secondary indexes and the rollup's
        triggers are dropped while loading; the indexes are built and the rollup is summed once at
        the end, several times faster than keeping them up to date row by row."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if bulk:
                for name in INDEX_NAMES:
                    self._db.execute(f"DROP INDEX IF EXISTS {name}")
                drop_triggers(self._db)
            yield
            if bulk:
                for statement in INDEXES:
                    self._db.execute(statement)
                rebuild_rollup(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def is_empty(self) -> bool:
        return not ledger_sums.has_messages(self._db)

    def commit_point(self) -> None:
        """Within `batch`: commit what is done so far (so other processes are not kept waiting)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN IMMEDIATE")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self._db.in_transaction:  # inside a batch
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading positions ------------------------------------------------------------------

    def file_marks(self, paths: Sequence[str] | None = None) -> dict[str, FileMark]:
        """Read positions of all known files, or of just `paths`."""
        sql = "SELECT path, device, inode, size, offset, mtime_ns FROM files"
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
        messages: Iterable[MessageRow],
        sessions: Iterable[SessionMark],
        skipped: dict[str, int],
        restarted: bool,
    ) -> None:
        """Store what one read of a file found, and how far it got, in one transaction."""
        with self._write() as db:
            db.executemany(_UPSERT_MESSAGE, messages)
            db.executemany(_UPSERT_SESSION, [_session_params(s) for s in sessions])
            if restarted:
                db.execute("DELETE FROM skipped WHERE path = ?", (path,))
            db.executemany(
                "INSERT INTO skipped (path, reason, count) VALUES (?, ?, ?) "
                "ON CONFLICT (path, reason) DO UPDATE SET count = count + excluded.count",
                [(path, reason, count) for reason, count in skipped.items()],
            )
            db.execute(
                "INSERT INTO files (path, device, inode, size, offset, mtime_ns, lines) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "device = excluded.device, inode = excluded.inode, size = excluded.size, "
                "offset = excluded.offset, mtime_ns = excluded.mtime_ns, "
                "lines = CASE WHEN ? THEN excluded.lines ELSE files.lines + excluded.lines END",
                (
                    path,
                    mark.device,
                    mark.inode,
                    mark.size,
                    mark.offset,
                    mark.mtime_ns,
                    lines,
                    restarted,
                ),
            )

    # -- queries ----------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Any read-only query: for tests and diagnostics only. The app's own code asks through
        the methods below (a test fails when a module outside `storage` writes SQL)."""
        return self._db.execute(sql, params).fetchall()

    def piece_sums(
        self, pieces: Sequence[tuple[str, int, bool, float, float]], group_by: Sequence[str]
    ) -> list[tuple[object, ...]]:
        """See `ledger_sums.piece_sums`."""
        return ledger_sums.piece_sums(self._db, pieces, group_by)

    def session_sums(
        self,
        breakpoints: Sequence[float],
        ranges: Sequence[tuple[str, float, float]],
        group_by: Sequence[str],
        session_ids: Sequence[str],
    ) -> list[tuple[object, ...]]:
        """See `ledger_sums.session_sums`."""
        return ledger_sums.session_sums(self._db, breakpoints, ranges, group_by, session_ids)

    def slot_sums(self, era: int, first: int, end: int) -> list[tuple[object, ...]]:
        """See `ledger_sums.slot_sums`."""
        return ledger_sums.slot_sums(self._db, era, first, end)

    def part_slot_sums(self, era: int, start: float, end: float) -> list[tuple[object, ...]]:
        """See `ledger_sums.part_slot_sums`."""
        return ledger_sums.part_slot_sums(self._db, era, start, end)

    def bucket_sums(
        self, breakpoints: Sequence[float], start: float, end: float, seconds: int
    ) -> list[tuple[object, ...]]:
        """See `ledger_sums.bucket_sums`."""
        return ledger_sums.bucket_sums(self._db, breakpoints, start, end, seconds)

    def time_bounds(self, earliest: float, latest: float) -> tuple[float, float] | None:
        """The times of the first and last counted message in [earliest, latest]; None when
        there is none."""
        return ledger_sums.time_bounds(self._db, earliest, latest)

    def sessions_starting(self, prefix: str) -> set[str]:
        """The ids of the known sessions that start with `prefix`."""
        return ledger_sums.sessions_starting(self._db, prefix)

    def sessions(
        self, session_ids: Sequence[str] | None = None, since: float | None = None
    ) -> list[SessionMark]:
        sql = (
            "SELECT session, project, model, first_ts, last_ts, context_tokens, context_ts, "
            "compact_tokens, compact_ts, max_context FROM sessions"
        )
        clauses, params = [], []  # type: tuple[list[str], list[object]]
        if session_ids is not None:
            clauses.append(f"session IN ({','.join('?' * len(session_ids))})")
            params.extend(session_ids)
        if since is not None:
            clauses.append("last_ts >= ?")
            params.append(since)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = self._db.execute(sql + " ORDER BY last_ts DESC", params)
        return [SessionMark(*row) for row in rows]

    def stats(self) -> dict[str, int]:
        one = self._db.execute
        return {
            "messages": one("SELECT count(*) FROM messages").fetchone()[0],
            "sessions": one("SELECT count(*) FROM sessions").fetchone()[0],
            "files": one("SELECT count(*) FROM files").fetchone()[0],
            "lines": one("SELECT coalesce(sum(lines), 0) FROM files").fetchone()[0],
        }

    def skipped(self) -> list[tuple[str, str, int]]:
        rows = self._db.execute("SELECT path, reason, count FROM skipped ORDER BY count DESC, path")
        return [(str(path), str(reason), int(n)) for path, reason, n in rows]

    # -- notes, tags and pruning: the user's own marks, changed only when they ask -----------

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

    def add_tag(self, session: str, tag: str) -> bool:
        """Tag a session; False when it already had that tag."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO tags (session, tag) VALUES (?, ?)", (session, tag)
            )
            return cursor.rowcount > 0

    def remove_tag(self, session: str, tag: str) -> bool:
        """Take a tag off a session; False when it did not have it."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM tags WHERE session = ? AND tag = ?", (session, tag))
            return cursor.rowcount > 0

    def notes(self) -> dict[str, str]:
        """Every session's note, by session id."""
        rows = self._db.execute("SELECT session, text FROM notes")
        return {str(session): str(text) for session, text in rows}

    def tags(self) -> dict[str, tuple[str, ...]]:
        """Every tagged session's tags (sorted), by session id."""
        out: dict[str, list[str]] = {}
        for session, tag in self._db.execute("SELECT session, tag FROM tags ORDER BY session, tag"):
            out.setdefault(str(session), []).append(str(tag))
        return {session: tuple(tags) for session, tags in out.items()}

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


# A message already in the ledger is replaced only by a copy the dedupe rule prefers.
_UPSERT_MESSAGE = f"""
INSERT INTO messages ({", ".join(MESSAGE_COLUMNS)})
VALUES ({", ".join("?" * len(MESSAGE_COLUMNS))})
ON CONFLICT (key) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in MESSAGE_COLUMNS if c != "key")}
WHERE {replaces_sql("excluded", "messages")}
"""

# Every column keeps the newest value seen, whichever process and file order brought it.
_UPSERT_SESSION = """
INSERT INTO sessions (session, project, model, first_ts, last_ts, context_tokens, context_ts,
                      compact_tokens, compact_ts, max_context)
VALUES (:session, :project, :model, :first_ts, :last_ts, :context_tokens, :context_ts,
        :compact_tokens, :compact_ts, :max_context)
ON CONFLICT (session) DO UPDATE SET
    project = CASE WHEN excluded.last_ts >= sessions.last_ts
                   THEN coalesce(excluded.project, sessions.project)
                   ELSE coalesce(sessions.project, excluded.project) END,
    model = CASE WHEN excluded.context_ts IS NOT NULL
                  AND (sessions.context_ts IS NULL OR excluded.context_ts >= sessions.context_ts)
                 THEN excluded.model ELSE sessions.model END,
    first_ts = min(sessions.first_ts, excluded.first_ts),
    last_ts = max(sessions.last_ts, excluded.last_ts),
    context_tokens = CASE WHEN excluded.context_ts IS NOT NULL
                  AND (sessions.context_ts IS NULL OR excluded.context_ts >= sessions.context_ts)
                 THEN excluded.context_tokens ELSE sessions.context_tokens END,
    context_ts = max(coalesce(sessions.context_ts, excluded.context_ts),
                     coalesce(excluded.context_ts, sessions.context_ts)),
    compact_tokens = CASE WHEN excluded.compact_ts IS NOT NULL
                  AND (sessions.compact_ts IS NULL OR excluded.compact_ts >= sessions.compact_ts)
                 THEN excluded.compact_tokens ELSE sessions.compact_tokens END,
    compact_ts = max(coalesce(sessions.compact_ts, excluded.compact_ts),
                     coalesce(excluded.compact_ts, sessions.compact_ts)),
    max_context = max(sessions.max_context, excluded.max_context)
"""


def _session_params(mark: SessionMark) -> dict[str, object]:
    return {
        "session": mark.session,
        "project": mark.project,
        "model": mark.model,
        "first_ts": mark.first_ts,
        "last_ts": mark.last_ts,
        "context_tokens": mark.context_tokens,
        "context_ts": mark.context_ts,
        "compact_tokens": mark.compact_tokens,
        "compact_ts": mark.compact_ts,
        "max_context": mark.max_context,
    }
