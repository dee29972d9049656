"""Repairing a damaged ledger without losing what can be saved.

Only for real corruption (`quick_check` fails, or SQLite reports CORRUPT or NOTADB). In order:
1. `REINDEX` rebuilds every index from its table: when only indexes were damaged, the ledger is
   sound again and nothing else changes. (When the damage is in a table, or in an index's page
   structure, it fails or the check still fails, and:)
2. Otherwise a fresh ledger is made and every row that can still be read is copied into it (each
   table is read forward until a damaged page stops it, then backward from its end, and a rowid
   table is probed past the damage), then the newest sound backup is merged in (the upserts keep the
   better copy of each message; a note keeps its newest text), and the file marks are left empty
   so the transcripts still on disk are read again (the upserts make that count nothing twice).
   The damaged file is kept beside it as `<name>.damaged-<time>` and the report says how many
   messages, notes and tags were recovered, and from where.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

from claude_tray.storage import ledger_backup
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.ledger import Ledger
from claude_tray.storage.ledger_faults import Fault, LedgerError
from claude_tray.storage.ledger_rows import MESSAGE_COLUMNS, UPSERT_SESSION
from claude_tray.storage.ledger_schema import connect, prepare

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

_SESSION_COLUMNS = (
    "session",
    "project",
    "model",
    "first_ts",
    "last_ts",
    "context_tokens",
    "context_ts",
    "compact_tokens",
    "compact_ts",
    "max_context",
)
_NOTE = (
    "INSERT INTO notes (session, text, updated) VALUES (?, ?, ?) ON CONFLICT (session) "
    "DO UPDATE SET text = excluded.text, updated = excluded.updated "
    "WHERE excluded.updated > notes.updated"
)
_TAG = "INSERT OR IGNORE INTO tags (session, tag) VALUES (?, ?)"
_BATCH = 500


class _Table(NamedTuple):
    name: str
    key: str
    """The column the table is ordered by (its rowid or primary key's first column)."""
    columns: tuple[str, ...]
    insert: str
    rowid: bool = False
    named: bool = False
    """`insert` takes named parameters (the columns), not positional ones."""
    defaults: tuple[tuple[str, str], ...] = ()
    """(column, SQL value) for columns a file from an older schema lacks (a backup made before
    an upgrade)."""

    def select_list(self, db: sqlite3.Connection) -> str:
        """The columns to read from `db`'s copy of this table, a default for any it lacks."""
        try:
            present = {str(row[1]) for row in db.execute(f"PRAGMA table_info({self.name})")}
        except sqlite3.Error:
            present = set()
        fallback = dict(self.defaults)
        return ", ".join(
            fallback[c] if present and c not in present and c in fallback else c
            for c in self.columns
        )

    def params(self, row: tuple[object, ...]) -> tuple[object, ...] | dict[str, object]:
        return dict(zip(self.columns, row, strict=True)) if self.named else row


@cache
def _tables() -> tuple[_Table, ...]:
    """The tables a salvage copies (built at the first repair: the import of every command
    that opens the ledger stays light)."""
    from claude_tray.storage.ledger_sync import UPSERT_IMPORTED

    return (
        _Table(
            "messages",
            "id",
            (*MESSAGE_COLUMNS, "machine"),
            UPSERT_IMPORTED,
            rowid=True,
            defaults=(("machine", "''"),),
        ),
        _Table(
            "sessions",
            "session",
            _SESSION_COLUMNS,
            UPSERT_SESSION,
            named=True,
        ),
        _Table("notes", "session", ("session", "text", "updated"), _NOTE),
        _Table("tags", "session", ("session", "tag"), _TAG),
    )


COUNTED = ("messages", "notes", "tags")


class RepairReport:
    """What a repair found and did. (A plain class: a dataclass compiles its methods at import,
    and every CLI run imports this module.)"""

    __slots__ = ("action", "backup", "kept", "path", "problems", "restored", "salvaged")

    def __init__(self, path: Path, problems: list[str] | None = None) -> None:
        self.path = path
        self.problems: list[str] = [] if problems is None else problems
        self.action = "none"
        """"none" (sound), "reindexed" or "salvaged"."""
        self.kept: Path | None = None
        """Where the damaged file was kept."""
        self.salvaged: dict[str, int] = {}
        """Rows read from the damaged file, per table."""
        self.restored: dict[str, int] = {}
        """Rows the backup added that the damaged file no longer held, per table."""
        self.backup: Path | None = None

    def line(self) -> str:
        if self.action == "none":
            return f"the ledger {self.path} is sound"
        if self.action == "reindexed":
            return f"the ledger {self.path} had damaged indexes; rebuilt them (no row was lost)"

        def counts(numbers: dict[str, int]) -> str:
            return ", ".join(f"{numbers.get(name, 0)} {name}" for name in COUNTED)

        source = (
            f"; {counts(self.restored)} more from the backup {self.backup}"
            if self.backup
            else "; no sound backup to add from"
        )
        why = self.problems[0] if self.problems else "corrupt"
        return (
            f"the ledger {self.path} was damaged ({why}); "
            f"recovered {counts(self.salvaged)} from it{source}; the transcripts on disk are read "
            f"again; the damaged file is kept as {self.kept}"
        )


def open_or_repair(path: Path, now: float | None = None) -> tuple[Ledger, RepairReport | None]:
    """Open the ledger; a damaged one is repaired first (the report says what was saved).
    Every other fault raises `LedgerError` as it is (nothing is moved or rebuilt)."""
    try:
        return Ledger(path), None
    except LedgerError as error:
        if error.fault is not Fault.CORRUPT:
            raise
        log.info("%s", error)
    report = repair(path, now)
    return Ledger(path), report


def check(path: Path) -> list[str]:
    """`integrity_check`'s findings on the ledger (with its write-ahead log); [] when sound."""
    return ledger_backup.problems(path, "integrity_check")


def repair(path: Path, now: float | None = None) -> RepairReport:
    """Repair the ledger at `path` (no connection to it may be open in this process)."""
    now = time.time() if now is None else now
    report = RepairReport(path, check(path))
    if not report.problems:
        return report
    log.info("the ledger %s is damaged: %s", path, "; ".join(report.problems[:3]))
    if _reindex(path):  # damage to indexes alone is mended by building them again
        report.action = "reindexed"
        return report
    report.action = "salvaged"
    fresh = path.with_name(path.name + ".salvage")
    for stale in (
        fresh,
        fresh.with_name(fresh.name + "-wal"),
        fresh.with_name(fresh.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    db = connect(fresh)
    try:
        prepare(db)
        db.execute("BEGIN IMMEDIATE")
        report.salvaged = _copy_readable(path, db)
        backup = ledger_backup.newest_sound(path)
        if backup is not None:
            report.backup = backup.path
            before = _counts(db)
            _merge(backup.path, db)
            after = _counts(db)
            report.restored = {name: after[name] - before[name] for name in COUNTED}
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        db.close()
        raise
    db.close()
    fresh.with_name(fresh.name + "-wal").unlink(missing_ok=True)
    fresh.with_name(fresh.name + "-shm").unlink(missing_ok=True)
    os.chmod(fresh, 0o600)
    report.kept = ledger_backup.set_aside(path, "damaged", now)
    os.replace(fresh, path)
    log.info("%s", report.line())
    return report


def _reindex(path: Path) -> bool:
    try:
        db = connect(path)
        try:
            db.execute("REINDEX")
        finally:
            db.close()
    except sqlite3.Error as error:
        log.info("rebuilding the indexes of %s failed: %s", path, error)
        return False
    return not check(path)


def _open_damaged(path: Path) -> sqlite3.Connection | None:
    for mode in ("ro", "immutable"):
        try:
            db = connect(path, read_only=mode)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            continue
        return db
    return None


def _copy_readable(path: Path, into: sqlite3.Connection) -> dict[str, int]:
    """Copy every row of the damaged ledger that can be read into `into`; counts per table."""
    copied = {table.name: 0 for table in _tables()}
    damaged = _open_damaged(path)
    if damaged is None:
        return copied  # not even the header can be read
    try:
        for table in _tables():
            keys: set[object] = set()
            for key, row in _readable_rows(damaged, table):
                if key in keys:
                    continue
                keys.add(key)
                into.execute(table.insert, table.params(row))
            copied[table.name] = len(keys)
    finally:
        damaged.close()
    return copied


def _readable_rows(
    db: sqlite3.Connection, table: _Table
) -> Iterator[tuple[object, tuple[object, ...]]]:
    """(key, row) for each row of `table` that can be read: forward from the start until damage
    stops the scan (a rowid table is probed past it), then backward from the end."""
    columns = f"{table.key}, {table.select_list(db)}"
    last: object = None
    limit = _BATCH
    while True:  # forward
        try:
            rows = _page(db, table, columns, last, ">", limit)
        except sqlite3.Error:
            if limit > 1:
                limit = 1  # row by row up to the damage
                continue
            if not table.rowid:
                break
            found = _read_past(db, table, columns, int(last or 0))  # type: ignore[call-overload]
            if found is None:
                break
            rows = found
        if not rows:
            break
        for key, *row in rows:
            yield key, tuple(row)
        last = rows[-1][0]
        limit = _BATCH
    first: object = None
    while True:  # backward
        try:
            rows = _page(db, table, columns, first, "<")
        except sqlite3.Error:
            break
        if not rows:
            break
        for key, *row in rows:
            yield key, tuple(row)
        first = rows[-1][0]


def _page(
    db: sqlite3.Connection,
    table: _Table,
    columns: str,
    after: object,
    direction: str,
    limit: int = _BATCH,
) -> list[tuple[object, ...]]:
    order = "ASC" if direction == ">" else "DESC"
    where = "" if after is None else f"WHERE {table.key} {direction} ?"
    params = () if after is None else (after,)
    return db.execute(
        f"SELECT {columns} FROM {table.name} {where} ORDER BY {table.key} {order} LIMIT {limit}",
        params,
    ).fetchall()


def _read_past(
    db: sqlite3.Connection, table: _Table, columns: str, last: int
) -> list[tuple[object, ...]] | None:
    """The first row that can be read after the damage that stopped a forward scan at rowid
    `last`, probing ever further ahead (always past `last`); None when none can."""
    step = 1
    while step < 1 << 40:
        try:
            return _page(db, table, columns, last + step, ">", 1) or None
        except sqlite3.Error:
            step *= 2
    return None


def _merge(backup: Path, into: sqlite3.Connection) -> None:
    source = connect(backup, read_only="ro")
    try:
        for table in _tables():
            rows = source.execute(f"SELECT {table.select_list(source)} FROM {table.name}")
            into.executemany(table.insert, (table.params(row) for row in rows))
    finally:
        source.close()


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    return {name: int(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]) for name in COUNTED}
