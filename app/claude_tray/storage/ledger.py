"""The ledger: every counted message, kept in SQLite after Claude Code deletes its transcripts.

One row per deduplicated API response (tokens by kind, model, session, project, time, flags), the
per-session context marks, and each transcript's read position. Costs are not stored: they are
computed from token sums at query time, so a change of prices changes all history at once.

Reports over long periods read `slots`, a rollup of the messages: their token sums, count, and
first and last time per 15-minute slice, session, folder, model, speed and long-context flag.
Triggers keep it exact on every insert, update and delete of a message; a bulk first ingest drops
them and sums the rollup once at the end, and opening a ledger whose triggers are missing (an older
ledger, an interrupted bulk load) rebuilds it too. A year of a heavy user (1 million messages) is
about 70,000 rollup rows.

Writers may be several processes at once (the tray, a CLI run): every write is an idempotent upsert
inside one `BEGIN IMMEDIATE` transaction, so two ingests of the same bytes count them once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from claude_tray.storage.atomic import move_aside

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 60_000

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,        -- insertion order: a first ingest appends, never reshuffles
        key INTEGER NOT NULL UNIQUE,   -- 64-bit hash of message.id:requestId (or of a line without)
        ts REAL NOT NULL,              -- epoch seconds, UTC
        session TEXT,
        project TEXT,
        model TEXT NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        total INTEGER NOT NULL,
        sidechain INTEGER NOT NULL,
        fast INTEGER NOT NULL,
        long INTEGER NOT NULL          -- prompt above 200k tokens (the long-context price rule)
    );

    CREATE TABLE sessions (
        session TEXT PRIMARY KEY,
        project TEXT,
        model TEXT,                    -- model of the latest main-chain response
        first_ts REAL NOT NULL,
        last_ts REAL NOT NULL,
        context_tokens INTEGER,        -- prompt of the latest main-chain response
        context_ts REAL,
        compact_tokens INTEGER,        -- postTokens of the latest compact boundary
        compact_ts REAL,
        max_context INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;

    CREATE TABLE files (
        path TEXT PRIMARY KEY,
        device INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        size INTEGER NOT NULL,
        offset INTEGER NOT NULL,       -- end of the last complete line read
        mtime_ns INTEGER NOT NULL,
        lines INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;

    CREATE TABLE skipped (
        path TEXT NOT NULL,
        reason TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (path, reason)
    ) WITHOUT ROWID;
    """,
    2: """
    CREATE TABLE notes (
        session TEXT PRIMARY KEY,      -- the user's note on a session (`claude-tray note`)
        text TEXT NOT NULL,
        updated REAL NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE tags (
        session TEXT NOT NULL,         -- the user's tags on a session (`claude-tray tag`)
        tag TEXT NOT NULL,
        PRIMARY KEY (session, tag)
    ) WITHOUT ROWID;
    CREATE INDEX tags_tag ON tags (tag);
    """,
}


class FileMark(NamedTuple):
    """How far a transcript has been read, and which file that was (device + inode).

    A named tuple: a warm pass loads one per known transcript, thousands of them."""

    device: int
    inode: int
    size: int
    offset: int
    mtime_ns: int


MessageRow = tuple[
    int, float, str | None, str | None, str, int, int, int, int, int, int, int, int, int
]
"""key, ts, session, project, model, input, output, cache writes 5m and 1h, cache_read, total,
sidechain, fast, long"""


@dataclass(frozen=True, slots=True)
class SessionMark:
    """What one read pass learned of a session; merged into the ledger keeping the newest."""

    session: str
    project: str | None
    model: str | None
    first_ts: float
    last_ts: float
    context_tokens: int | None
    context_ts: float | None
    compact_tokens: int | None
    compact_ts: float | None
    max_context: int


SLOT_SECONDS = 900
"""The rollup's slice of time: every timezone offset in use is a multiple of 15 minutes."""


def slot_sql(ts: str) -> str:
    """SQL for the slot of the epoch time `ts` (a column or expression): floor(ts / 900), exact
    (a division rounded up to the next whole number is corrected), so slot k holds exactly the
    times in [k * 900, (k + 1) * 900)."""
    whole = f"CAST({ts} / {SLOT_SECONDS} AS INTEGER)"
    return f"({whole} - ({whole} * {SLOT_SECONDS} > {ts}))"


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
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("PRAGMA cache_size = -32768")  # 32 MiB: room for a first ingest of a year
            self._migrate(db)
            for statement in _INDEXES:  # also restores them after an interrupted bulk load
                db.execute(statement)
            _ensure_rollup(db)
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"schema version {version} is newer than this claude-tray understands"
            )
        if version == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the lock: another process may have migrated meanwhile.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

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
                for name in _INDEX_NAMES:
                    self._db.execute(f"DROP INDEX IF EXISTS {name}")
                for name in _TRIGGER_NAMES:
                    self._db.execute(f"DROP TRIGGER IF EXISTS {name}")
            yield
            if bulk:
                for statement in _INDEXES:
                    self._db.execute(statement)
                _rebuild_rollup(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None

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
        """A read-only query for the engine's reports (the only SQL outside this module)."""
        return self._db.execute(sql, params).fetchall()

    @contextmanager
    def temporary_ranges(self, ranges: Sequence[tuple[str, float, float]]) -> Iterator[str]:
        """A temp table `(label, start, end)` for joining messages onto local days or hours."""
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ranges (label TEXT, start REAL, end REAL)"
        )
        self._db.execute("DELETE FROM temp.ranges")
        self._db.executemany("INSERT INTO temp.ranges VALUES (?, ?, ?)", ranges)
        try:
            yield "temp.ranges"
        finally:
            self._db.execute("DELETE FROM temp.ranges")

    @contextmanager
    def temporary_pieces(
        self, pieces: Sequence[tuple[str, int, bool, float, float]]
    ) -> Iterator[str]:
        """A temp table `(label, era, whole, start, end)` of labelled pieces of time: epoch
        seconds [start, end) to join onto messages when `whole` is false, rollup slots
        [start, end) to join onto `slots` when it is true."""
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS pieces "
            "(label TEXT, era INTEGER, whole INTEGER, start REAL, end REAL)"
        )
        self._db.execute("DELETE FROM temp.pieces")
        self._db.executemany("INSERT INTO temp.pieces VALUES (?, ?, ?, ?, ?)", pieces)
        try:
            yield "temp.pieces"
        finally:
            self._db.execute("DELETE FROM temp.pieces")

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
                "messages": _delete_messages_before(db, ts),
                "notes": db.execute(
                    f"DELETE FROM notes WHERE session IN ({old_sessions})", (ts,)
                ).rowcount,
                "tags": db.execute(
                    f"DELETE FROM tags WHERE session IN ({old_sessions})", (ts,)
                ).rowcount,
                "sessions": db.execute("DELETE FROM sessions WHERE last_ts < ?", (ts,)).rowcount,
            }


_INDEXES = (
    "CREATE INDEX IF NOT EXISTS messages_ts ON messages (ts)",
    "CREATE INDEX IF NOT EXISTS messages_session ON messages (session, ts)",
)
_INDEX_NAMES = ("messages_ts", "messages_session")

# -- the rollup --------------------------------------------------------------------------------
# Derived data, like an index: made when missing, rebuilt from `messages` whenever its triggers are
# not all there. Clustered by its key, ordered for sums per slot and model
# (`engine.usage.priced_buckets` reads it in order, with no sorting). A message's session or folder
# may be NULL, which no key may hold: the rollup stores NULL as an empty blob (no text equals it)
# and readers turn it back with `nullif(column, x'')`. Token sums and counts are exact; first_ts and
# last_ts are recomputed from the key's messages only when the message removed was the first or
# last one.

NO_VALUE = "x''"
"""How the rollup stores a NULL session or folder (see above)."""

_ROLLUP_TABLE = """
CREATE TABLE IF NOT EXISTS slots (
    slot INTEGER NOT NULL,             -- floor(ts / 900): the messages' 15-minute slice
    model TEXT NOT NULL,
    fast INTEGER NOT NULL,
    long INTEGER NOT NULL,
    session BLOB NOT NULL,             -- text, or x'' for NULL (BLOB: stored as given)
    project BLOB NOT NULL,
    messages INTEGER NOT NULL,
    first_ts REAL NOT NULL,
    last_ts REAL NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_write_5m INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    PRIMARY KEY (slot, model, fast, long, session, project)
) WITHOUT ROWID"""
_ROLLUP_KEY = "slot, model, fast, long, session, project"
_TOKEN_COLUMNS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


def _key_values(row: str) -> str:
    """The rollup key of message `row` (NEW or OLD, or a bare row), in `_ROLLUP_KEY` order."""
    prefix = f"{row}." if row else ""
    return (
        f"{slot_sql(prefix + 'ts')}, {prefix}model, {prefix}fast, {prefix}long, "
        f"coalesce({prefix}session, {NO_VALUE}), coalesce({prefix}project, {NO_VALUE})"
    )


def _add(row: str) -> str:
    tokens = ", ".join(f"{row}.{c}" for c in _TOKEN_COLUMNS)
    sums = ", ".join(f"{c} = {c} + excluded.{c}" for c in _TOKEN_COLUMNS)
    return f"""
    INSERT INTO slots ({_ROLLUP_KEY}, messages, first_ts, last_ts, {", ".join(_TOKEN_COLUMNS)})
    VALUES ({_key_values(row)}, 1, {row}.ts, {row}.ts, {tokens})
    ON CONFLICT ({_ROLLUP_KEY}) DO UPDATE SET
        messages = messages + 1, first_ts = min(first_ts, excluded.first_ts),
        last_ts = max(last_ts, excluded.last_ts), {sums};"""


def _remove(row: str) -> str:
    key = f"({_ROLLUP_KEY}) = ({_key_values(row)})"
    start = f"{slot_sql(f'{row}.ts')} * {SLOT_SECONDS}"
    same = (  # the key's other messages, found through messages_session (session, ts)
        f"session IS {row}.session AND ts >= {start} AND ts < {start} + {SLOT_SECONDS}"
        f" AND project IS {row}.project AND model = {row}.model AND fast = {row}.fast"
        f" AND long = {row}.long"
    )
    sums = ", ".join(f"{c} = {c} - {row}.{c}" for c in _TOKEN_COLUMNS)
    return f"""
    UPDATE slots SET messages = messages - 1, {sums},
        first_ts = CASE WHEN first_ts < {row}.ts THEN first_ts
                        ELSE coalesce((SELECT min(ts) FROM messages WHERE {same}), first_ts) END,
        last_ts = CASE WHEN last_ts > {row}.ts THEN last_ts
                       ELSE coalesce((SELECT max(ts) FROM messages WHERE {same}), last_ts) END
    WHERE {key};
    DELETE FROM slots WHERE {key} AND messages <= 0;"""


_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS slots_insert AFTER INSERT ON messages BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER IF NOT EXISTS slots_update AFTER UPDATE ON messages BEGIN {_remove('OLD')}"
    f" {_add('NEW')} END",
    f"CREATE TRIGGER IF NOT EXISTS slots_delete AFTER DELETE ON messages BEGIN {_remove('OLD')}"
    " END",
)
_TRIGGER_NAMES = ("slots_insert", "slots_update", "slots_delete")


def _rebuild_rollup(db: sqlite3.Connection) -> None:
    """Sum the rollup afresh from every message and (re)make its triggers; inside a transaction."""
    sums = ", ".join(f"sum({c})" for c in _TOKEN_COLUMNS)
    db.execute("DELETE FROM slots")
    db.execute(
        f"INSERT INTO slots ({_ROLLUP_KEY}, messages, first_ts, last_ts, "
        f"{', '.join(_TOKEN_COLUMNS)}) "
        f"SELECT {_key_values('')}, count(*), min(ts), max(ts), {sums} "
        "FROM messages GROUP BY 1, 2, 3, 4, 5, 6"
    )
    for statement in _TRIGGERS:
        db.execute(statement)


def _delete_messages_before(db: sqlite3.Connection, ts: float) -> int:
    """Delete the messages older than `ts`, and their part of the rollup in a few statements rather
    than row by row through the triggers: the slots wholly before `ts` go, and the slot holding
    `ts` is summed again from the messages left in it. Inside a transaction."""
    for name in _TRIGGER_NAMES:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    deleted: int = db.execute("DELETE FROM messages WHERE ts < ?", (ts,)).rowcount
    (cut,) = db.execute(f"SELECT {slot_sql('?1')}", (ts,)).fetchone()
    db.execute("DELETE FROM slots WHERE slot <= ?", (cut,))
    sums = ", ".join(f"sum({c})" for c in _TOKEN_COLUMNS)
    db.execute(
        f"INSERT INTO slots ({_ROLLUP_KEY}, messages, first_ts, last_ts, "
        f"{', '.join(_TOKEN_COLUMNS)}) "
        f"SELECT {_key_values('')}, count(*), min(ts), max(ts), {sums} "
        "FROM messages WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3, 4, 5, 6",
        (cut * SLOT_SECONDS, (cut + 1) * SLOT_SECONDS),
    )
    for statement in _TRIGGERS:
        db.execute(statement)
    return deleted


def _ensure_rollup(db: sqlite3.Connection) -> None:
    """Make the rollup when it is missing, and rebuild it when any trigger is (a ledger from before
    the rollup, or a bulk load that did not finish); a no-op otherwise."""

    def complete() -> bool:
        names = ", ".join(f"'{name}'" for name in _TRIGGER_NAMES)
        found = db.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
        ).fetchone()[0]
        return bool(found == len(_TRIGGER_NAMES))

    if complete():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if not complete():  # another process may have made it meanwhile
            db.execute(_ROLLUP_TABLE)
            _rebuild_rollup(db)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


_UPSERT_MESSAGE = """
INSERT INTO messages (key, ts, session, project, model, input, output, cache_write_5m,
                      cache_write_1h, cache_read, total, sidechain, fast, long)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    ts = excluded.ts, session = excluded.session, project = excluded.project,
    model = excluded.model, input = excluded.input, output = excluded.output,
    cache_write_5m = excluded.cache_write_5m, cache_write_1h = excluded.cache_write_1h,
    cache_read = excluded.cache_read, total = excluded.total, sidechain = excluded.sidechain,
    fast = excluded.fast, long = excluded.long
WHERE excluded.total > messages.total
   OR (excluded.total = messages.total AND excluded.sidechain < messages.sidechain)
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
