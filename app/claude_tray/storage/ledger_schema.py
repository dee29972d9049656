"""The ledger's tables, their migrations, and how a connection to it is set up.

`PRAGMA user_version` holds the schema version; each migration moves it up by one inside one
transaction, so a ledger is always at a version this table describes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from claude_tray import __version__
from claude_tray.storage.ledger_rollup import TRIGGER_NAMES, ensure_rollup

SCHEMA_VERSION = 6
BUSY_TIMEOUT_MS = 60_000
PAGE_SIZE = 16_384
"""Bytes per page of a ledger made by this claude-tray (SQLite's default is 4 KiB; an existing
ledger keeps its own). A first read of a history writes each page about three times (its
write-ahead log, the ledger, and the log again for the pages every group touches): in pages of
16 KiB a 40 MB ledger took 11,000 writes and 3,900 reads of the log instead of 41,800 and 14,000."""
CHECKPOINT_BYTES = 4_096_000
"""The write-ahead log is copied into the ledger once it holds about this much: SQLite's default
of 1,000 pages, in pages of 4 KiB. What is left is copied when a process's last connection
closes, at the end of every CLI run: 1,000 pages of 16 KiB made a cold `daily` end 20-150 ms
later."""

MIGRATIONS: dict[int, str] = {
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
    3: """
    ALTER TABLE files ADD COLUMN head_len INTEGER NOT NULL DEFAULT 0;   -- fingerprint: bytes
    ALTER TABLE files ADD COLUMN head_hash INTEGER NOT NULL DEFAULT 0;  -- and their hash

    CREATE TABLE meta (
        key TEXT PRIMARY KEY,          -- `schema_by`: the claude-tray that made this schema
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
}

MIGRATIONS[5] = """
    DROP TRIGGER IF EXISTS slots_insert;
    DROP TRIGGER IF EXISTS slots_update;
    DROP TRIGGER IF EXISTS slots_delete;
    DROP TABLE IF EXISTS slots;
"""
"""The rollup gains the machine in its key: dropped here, summed again from the messages when the
ledger is opened (`ensure_rollup`)."""
MIGRATIONS[6] = """
CREATE TABLE unrecorded (
    key INTEGER PRIMARY KEY,           -- hash of the boundary line, or of "title:" + session
    session TEXT NOT NULL,
    kind TEXT NOT NULL,                -- core.unrecorded.Unrecorded: "title" | "compaction"
    ts REAL,                           -- NULL: at the session's first activity (a title line)
    pre_tokens INTEGER,                -- a compaction's preTokens and postTokens
    post_tokens INTEGER
);
"""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS messages_ts ON messages (ts)",
    "CREATE INDEX IF NOT EXISTS messages_session ON messages (session, ts)",
)
INDEX_NAMES = ("messages_ts", "messages_session")


class NewerSchema(Exception):
    """The ledger's schema is newer than this claude-tray knows."""

    def __init__(self, version: int, written_by: str | None) -> None:
        super().__init__(f"schema version {version} is newer than this claude-tray understands")
        self.version = version
        self.written_by = written_by


def connect(path: Path, read_only: str = "") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), waiting on other writers.

    `read_only`: "ro" opens the file read-only; "immutable" also reads it without the shared
    memory file (for a ledger in a folder that cannot be written, with no other writer)."""
    if read_only:
        mode = "mode=ro" if read_only == "ro" else "mode=ro&immutable=1"
        uri = f"{path.resolve().as_uri()}?{mode}"
        db = sqlite3.connect(uri, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, uri=True)
    else:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


def check_readable(db: sqlite3.Connection) -> None:
    """For a read-only connection: the schema is this version's and the tables can be read."""
    version = _version(db)
    if version != SCHEMA_VERSION:
        raise sqlite3.OperationalError(
            f"schema version {version} cannot be read without being migrated"
        )
    db.execute("SELECT 1 FROM messages LIMIT 1").fetchall()


def prepare(db: sqlite3.Connection) -> None:
    """Set the connection up for the app and bring the schema to this version: WAL, migrations,
    indexes (also restored after an interrupted bulk load) and the rollup."""
    _version(db)  # a newer ledger is left exactly as it is: not even its journal mode changes
    if db.execute("PRAGMA page_count").fetchone()[0] == 0:  # a new ledger: nothing written yet
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    db.execute("PRAGMA journal_mode = WAL")
    (page,) = db.execute("PRAGMA page_size").fetchone()
    db.execute(f"PRAGMA wal_autocheckpoint = {max(1, CHECKPOINT_BYTES // page)}")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("PRAGMA cache_size = -32768")  # 32 MiB: room for a first ingest of a year
    migrate(db)
    restore_bulk_parts(db)


def restore_bulk_parts(db: sqlite3.Connection) -> None:
    """The indexes and the rollup's triggers back, where a bulk load dropped them and did not
    finish (see `Ledger.batch`): at every open, and before every write of a connection that was
    open while another process loaded in bulk. One query when all of them are there."""
    names = (*INDEX_NAMES, *TRIGGER_NAMES, "slots")
    marks = ", ".join("?" for _ in names)
    (present,) = db.execute(
        f"SELECT count(*) FROM sqlite_master WHERE name IN ({marks})", names
    ).fetchone()
    if present == len(names):
        return
    for statement in INDEXES:
        db.execute(statement)
    ensure_rollup(db)


def _version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_by'").fetchone()
        except sqlite3.Error:
            row = None
        raise NewerSchema(version, None if row is None else str(row[0]))
    return version


def migration(target: int) -> str:
    """The statements that bring a ledger from version `target - 1` to `target`. Version 4 (the
    sync folder's tables) is `ledger_sync`'s own, loaded only for a ledger that old."""
    if target == 4:
        from claude_tray.storage import ledger_sync

        return ledger_sync.MIGRATION
    return MIGRATIONS[target]


def migrate(db: sqlite3.Connection) -> None:
    version = _version(db)
    if version == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the lock: another process may have migrated meanwhile.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in migration(target).split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {target}")
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_by', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (__version__,),
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
