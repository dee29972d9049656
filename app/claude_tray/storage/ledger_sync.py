"""The ledger's side of the sync folder: which days this machine still has to publish, which
segments of other machines were read, and the upsert that files their responses under their
machine.

`messages.machine` is '' for a response read from this machine's own transcripts and the sync
folder's machine name for one read from another machine's segment. A response known on several
machines (a session resumed elsewhere) has one key and so one row: the dedupe rule picks the copy,
exactly as between two local transcripts.

Publishing is incremental through `sync_dirty`: once sync is turned on, triggers note the UTC day
of every local response inserted or changed, with a change count, so a publish pass with nothing
new reads one empty table. A day is marked clean only if its change count did not move while its
segment was being written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from claude_tray.storage.ledger_rows import (
    MESSAGE_COLUMNS,
    UPSERT_SESSION,
    MessageRow,
    SessionMark,
    replaces_sql,
    session_params,
)

MIGRATION = """
ALTER TABLE messages ADD COLUMN machine TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN machine TEXT NOT NULL DEFAULT '';
CREATE TABLE sync_dirty (
    day INTEGER PRIMARY KEY,           -- UTC day (days since 1970-01-01) with unpublished changes
    changes INTEGER NOT NULL
);
CREATE TABLE sync_published (
    day INTEGER PRIMARY KEY,           -- this machine's segment of that UTC day, as last written
    version INTEGER NOT NULL,
    digest BLOB NOT NULL,
    rows INTEGER NOT NULL,
    published REAL NOT NULL
);
CREATE TABLE sync_files (
    path TEXT PRIMARY KEY,             -- another machine's segment, as last seen
    machine TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    problem TEXT,                      -- why it could not be read (NULL: it was)
    seen REAL NOT NULL
) WITHOUT ROWID
"""

_DAY = "CAST({row}.ts / 86400 AS INTEGER)"
_MARK_DIRTY = (
    "INSERT INTO sync_dirty (day, changes) VALUES ({day}, 1) "
    "ON CONFLICT (day) DO UPDATE SET changes = changes + 1;"
)
TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS sync_insert AFTER INSERT ON messages WHEN NEW.machine = '' "
    f"BEGIN {_MARK_DIRTY.format(day=_DAY.format(row='NEW'))} END",
    "CREATE TRIGGER IF NOT EXISTS sync_update AFTER UPDATE ON messages WHEN NEW.machine = '' "
    f"BEGIN {_MARK_DIRTY.format(day=_DAY.format(row='NEW'))} END",
)
TRIGGER_NAMES = ("sync_insert", "sync_update")

ROW_COLUMNS = ", ".join(MESSAGE_COLUMNS)

_IMPORT_COLUMNS = (*MESSAGE_COLUMNS, "machine")
UPSERT_IMPORTED = f"""
INSERT INTO messages ({", ".join(_IMPORT_COLUMNS)})
VALUES ({", ".join("?" * len(_IMPORT_COLUMNS))})
ON CONFLICT (key) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in _IMPORT_COLUMNS if c != "key")}
WHERE {replaces_sql("excluded", "messages")}
"""


@dataclass(frozen=True, slots=True)
class DirtyDay:
    day: int
    changes: int
    rows: list[MessageRow]


@dataclass(frozen=True, slots=True)
class Published:
    day: int
    version: int
    digest: bytes
    rows: int
    published: float


@dataclass(frozen=True, slots=True)
class SeenFile:
    path: str
    machine: str
    size: int
    mtime_ns: int
    rows: int
    problem: str | None
    seen: float


class SyncTables:
    """The sync tables of one ledger connection (`Ledger.sync`)."""

    def __init__(
        self,
        db: sqlite3.Connection,
        write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    ) -> None:
        self._db = db
        self._write = write

    def start_tracking(self) -> bool:
        """Make the triggers that note local changes; the first time, every day with local
        responses is noted as unpublished. True when this call turned tracking on."""
        if self._tracking():
            return False
        with self._write() as db:
            if self._tracking():  # another process did meanwhile
                return False
            for statement in TRIGGERS:
                db.execute(statement)
            db.execute(
                "INSERT INTO sync_dirty (day, changes) "
                f"SELECT DISTINCT {_DAY.format(row='messages')}, 1 FROM messages "
                "WHERE machine = '' ON CONFLICT (day) DO UPDATE SET changes = changes + 1"
            )
        return True

    def _tracking(self) -> bool:
        names = ", ".join(f"'{name}'" for name in TRIGGER_NAMES)
        (found,) = self._db.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
        ).fetchone()
        return bool(found == len(TRIGGER_NAMES))

    def dirty_days(self) -> Iterator[DirtyDay]:
        """Every day with unpublished local changes, oldest first, with its responses: each day's
        change count and rows are read in one transaction, so they agree."""
        days = [int(d) for (d,) in self._db.execute("SELECT day FROM sync_dirty ORDER BY day")]
        for day in days:
            self._db.execute("BEGIN")
            try:
                found = self._db.execute(
                    "SELECT changes FROM sync_dirty WHERE day = ?", (day,)
                ).fetchone()
                rows = self._db.execute(
                    f"SELECT {ROW_COLUMNS} FROM messages "
                    "WHERE ts >= ? AND ts < ? AND machine = '' ORDER BY ts, key",
                    (day * 86_400, (day + 1) * 86_400),
                ).fetchall()
            finally:
                self._db.execute("COMMIT")
            if found is not None:
                yield DirtyDay(day, int(found[0]), [MessageRow(*row) for row in rows])

    def mark_published(self, day: DirtyDay, version: int, digest: bytes, now: float) -> None:
        """Record that `day`'s segment was written; the day is clean unless it changed since its
        rows were read."""
        with self._write() as db:
            db.execute(
                "INSERT INTO sync_published (day, version, digest, rows, published) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET version = "
                "excluded.version, digest = excluded.digest, rows = excluded.rows, "
                "published = excluded.published",
                (day.day, version, digest, len(day.rows), now),
            )
            db.execute(
                "DELETE FROM sync_dirty WHERE day = ? AND changes = ?", (day.day, day.changes)
            )

    def published(self) -> dict[int, Published]:
        rows = self._db.execute("SELECT day, version, digest, rows, published FROM sync_published")
        return {
            int(day): Published(int(day), int(version), bytes(digest), int(n), float(moment))
            for day, version, digest, n, moment in rows
        }

    def seen_files(
        self, machine: str | None = None, size: int | None = None
    ) -> dict[str, SeenFile]:
        """What was seen of other machines' files: all, or one machine's, or those of one size
        (the engine marks a machine's folder with a size of its own)."""
        sql = "SELECT path, machine, size, mtime_ns, rows, problem, seen FROM sync_files"
        clauses, params = [], []  # type: tuple[list[str], list[object]]
        if machine is not None:
            clauses.append("machine = ?")
            params.append(machine)
        if size is not None:
            clauses.append("size = ?")
            params.append(size)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return {str(row[0]): SeenFile(*row) for row in self._db.execute(sql, params)}

    def seen_machines(self) -> dict[str, bool]:
        """Every machine whose files were seen, and whether any of them could not be read."""
        rows = self._db.execute(
            "SELECT machine, max(problem IS NOT NULL) FROM sync_files GROUP BY machine"
        )
        return {str(machine): bool(troubled) for machine, troubled in rows}

    def forget_machine(self, machine: str) -> None:
        """Forget a machine whose folder is gone (its responses stay in the ledger)."""
        with self._write() as db:
            db.execute("DELETE FROM sync_files WHERE machine = ?", (machine,))

    def import_file(
        self, rows: Sequence[MessageRow], sessions: Sequence[SessionMark], seen: SeenFile
    ) -> None:
        """File another machine's segment: its responses under its machine (the dedupe rule
        decides against copies already here) and its sessions, and remember the file, in one
        transaction."""
        with self._write() as db:
            db.executemany(UPSERT_IMPORTED, [(*row, seen.machine) for row in rows])
            db.executemany(UPSERT_SESSION, [session_params(s) for s in sessions])
            db.executemany(
                "UPDATE sessions SET machine = ? WHERE session = ?",
                [(seen.machine, s.session) for s in sessions],
            )
            self._remember(db, [seen])

    def remember(self, seen: Sequence[SeenFile]) -> None:
        """Remember files (or a machine's folder) as seen, without rows to file."""
        with self._write() as db:
            self._remember(db, seen)

    @staticmethod
    def _remember(db: sqlite3.Connection, seen: Sequence[SeenFile]) -> None:
        db.executemany(
            "INSERT INTO sync_files (path, machine, size, mtime_ns, rows, problem, seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
            "machine = excluded.machine, size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "rows = excluded.rows, problem = excluded.problem, seen = excluded.seen",
            [(s.path, s.machine, s.size, s.mtime_ns, s.rows, s.problem, s.seen) for s in seen],
        )

    def forget_files(self, paths: Sequence[str]) -> None:
        """Forget segments gone from the folder (their responses stay in the ledger)."""
        with self._write() as db:
            db.executemany("DELETE FROM sync_files WHERE path = ?", [(p,) for p in paths])

    def machines(self) -> list[tuple[str, int, float | None]]:
        """(machine, responses, latest response time) of every machine in the ledger; '' is
        this one."""
        rows = self._db.execute(
            "SELECT machine, count(*), max(ts) FROM messages GROUP BY machine ORDER BY machine"
        )
        return [(str(m), int(n), None if t is None else float(t)) for m, n, t in rows]
