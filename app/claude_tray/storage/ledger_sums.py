"""The ledger's sums: token totals over ranges of time, read by the engine's priced reports.

Every row these return is grouped finely enough that one price applies to all of it (model, speed,
long-context flag, price era); pricing is the engine's job. Whole 15-minute slots are summed from
the rollup (`slots`), part-slots from the messages themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from claude_tray.storage.ledger_rollup import NO_VALUE, TOKEN_COLUMNS, slot_sql

GROUP_COLUMNS = ("session", "project", "machine")
"""Columns a report may group by, besides the range label and the model (always grouped)."""

Row = tuple[object, ...]

_SLOT_COLUMNS = "slot, model, fast, long"
_SLOT_SUMS = (
    "min(first_ts), max(last_ts), sum(messages), "
    "sum(input), sum(output), sum(cache_write_5m), sum(cache_write_1h), sum(cache_read)"
)
_MESSAGE_SUMS = (
    "min(ts), max(ts), count(*), "
    "sum(input), sum(output), sum(cache_write_5m), sum(cache_write_1h), sum(cache_read)"
)


Machines = Sequence[str] | None
"""The machines a sum is restricted to ('' is this one); None: all of them."""


def _scope(alias: str, machines: Machines) -> tuple[str, list[object]]:
    """`AND <alias>.machine IN (...)` and its parameters; nothing when `machines` is None."""
    if machines is None:
        return "", []
    prefix = f"{alias}." if alias else ""
    return f" AND {prefix}machine IN ({','.join('?' * len(machines))})", list(machines)


def _check_groups(group_by: Sequence[str]) -> None:
    for column in group_by:
        if column not in GROUP_COLUMNS:
            raise ValueError(f"cannot group by {column!r}")


def _era_sql(column: str, breakpoints: Sequence[float]) -> str:
    """The price era of time `column`: how many breakpoints lie at or before it."""
    return " + ".join(f"({column} >= {point!r})" for point in breakpoints) or "0"


def piece_sums(
    db: sqlite3.Connection,
    pieces: Sequence[tuple[str, int, bool, float, float]],
    group_by: Sequence[str],
    machines: Machines = None,
) -> list[Row]:
    """Rows of (label, *group, model, fast, long, era, first ts, *token sums) over labelled
    `(label, era, whole, start, end)` pieces: rollup slots [start, end) when `whole`, else epoch
    seconds [start, end) of messages."""
    _check_groups(group_by)
    keys = "".join(f"{c}, " for c in group_by)
    in_slots, slot_params = _scope("s", machines)
    in_messages, message_params = _scope("m", machines)
    restored = "".join(f"nullif(s.{c}, {NO_VALUE}) AS {c}, " for c in group_by)
    sql = f"""
        SELECT label, {keys} model, fast, long, era, min(first),
               {", ".join(f"sum({c})" for c in TOKEN_COLUMNS)}
        FROM (
            SELECT r.label AS label, {restored}
                   s.model AS model, s.fast AS fast, s.long AS long, r.era AS era,
                   s.first_ts AS first, {", ".join(f"s.{c} AS {c}" for c in TOKEN_COLUMNS)}
            FROM temp.pieces r JOIN slots s ON s.slot >= r.start AND s.slot < r.end
            WHERE r.whole{in_slots}
            UNION ALL
            SELECT r.label, {"".join(f"m.{c}, " for c in group_by)} m.model, m.fast, m.long,
                   r.era, m.ts, {", ".join(f"m.{c}" for c in TOKEN_COLUMNS)}
            FROM temp.pieces r JOIN messages m ON m.ts >= r.start AND m.ts < r.end
            WHERE NOT r.whole{in_messages}
        )
        GROUP BY label, {keys} model, fast, long, era
    """
    columns = "label TEXT, era INTEGER, whole INTEGER, start REAL, end REAL"
    with _temporary(db, "pieces", columns, pieces):
        return db.execute(sql, [*slot_params, *message_params]).fetchall()


def session_sums(
    db: sqlite3.Connection,
    breakpoints: Sequence[float],
    ranges: Sequence[tuple[str, float, float]],
    group_by: Sequence[str],
    session_ids: Sequence[str],
    machines: Machines = None,
) -> list[Row]:
    """The same rows as `piece_sums` for a few sessions over labelled epoch ranges, from their
    messages (through messages_session)."""
    _check_groups(group_by)
    scope, scope_params = _scope("m", machines)
    columns = "".join(f"m.{c}, " for c in group_by)
    sql = f"""
        SELECT r.label, {columns} m.model, m.fast, m.long, {_era_sql("m.ts", breakpoints)} AS era,
               min(m.ts), sum(m.input), sum(m.output), sum(m.cache_write_5m),
               sum(m.cache_write_1h), sum(m.cache_read)
        FROM temp.ranges r JOIN messages m ON m.ts >= r.start AND m.ts < r.end
        WHERE m.session IN ({",".join("?" * len(session_ids))}){scope}
        GROUP BY r.label, {columns} m.model, m.fast, m.long, era
    """
    with _temporary(db, "ranges", "label TEXT, start REAL, end REAL", ranges):
        return db.execute(sql, [*session_ids, *scope_params]).fetchall()


def slot_sums(
    db: sqlite3.Connection, era: int, first: int, end: int, machines: Machines = None
) -> list[Row]:
    """Rows of (slot, model, fast, long, era, first, last, count, *token sums) of the whole slots
    [first, end), from the rollup in its own order (no sorting)."""
    scope, params = _scope("", machines)
    return db.execute(
        f"SELECT {_SLOT_COLUMNS}, {int(era)}, {_SLOT_SUMS} FROM slots "
        f"WHERE slot >= ? AND slot < ?{scope} GROUP BY {_SLOT_COLUMNS} ORDER BY {_SLOT_COLUMNS}",
        (first, end, *params),
    ).fetchall()


def part_slot_sums(
    db: sqlite3.Connection, era: int, start: float, end: float, machines: Machines = None
) -> list[Row]:
    """The same rows for the messages in epoch seconds [start, end), per slot."""
    scope, params = _scope("", machines)
    return db.execute(
        f"SELECT {slot_sql('ts')} AS bucket, model, fast, long, {int(era)}, {_MESSAGE_SUMS} "
        f"FROM messages WHERE ts >= ? AND ts < ?{scope} "
        "GROUP BY bucket, model, fast, long ORDER BY bucket, model, fast, long",
        (start, end, *params),
    ).fetchall()


def bucket_sums(
    db: sqlite3.Connection,
    breakpoints: Sequence[float],
    start: float,
    end: float,
    seconds: int,
    machines: Machines = None,
) -> list[Row]:
    """The same rows for buckets of `seconds` (not the rollup's), straight from the messages."""
    scope, params = _scope("", machines)
    sql = f"""
        SELECT CAST(ts / ? AS INTEGER) AS bucket, model, fast, long,
               {_era_sql("ts", breakpoints)} AS era, {_MESSAGE_SUMS}
        FROM messages WHERE ts >= ? AND ts < ?{scope}
        GROUP BY bucket, model, fast, long, era
    """
    return db.execute(sql, (seconds, start, end, *params)).fetchall()


def time_bounds(
    db: sqlite3.Connection, earliest: float, latest: float, machines: Machines = None
) -> tuple[float, float] | None:
    """The times of the first and last counted message in [earliest, latest]; None when there
    is none."""
    # Two queries: SQLite answers each of min() and max() from the index, but not both at once.
    scope, params = _scope("", machines)
    (first,) = db.execute(
        f"SELECT min(ts) FROM messages WHERE ts >= ?{scope}", (earliest, *params)
    ).fetchone()
    (last,) = db.execute(
        f"SELECT max(ts) FROM messages WHERE ts <= ?{scope}", (latest, *params)
    ).fetchone()
    if first is None or last is None:
        return None
    return float(first), float(last)


def has_messages(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is not None


def sessions_starting(db: sqlite3.Connection, prefix: str) -> set[str]:
    """The ids of the sessions in the ledger that start with `prefix`."""
    rows = db.execute(
        "SELECT session FROM sessions WHERE substr(session, 1, ?) = ?", (len(prefix), prefix)
    )
    return {str(row[0]) for row in rows}


@contextmanager
def _temporary(
    db: sqlite3.Connection, name: str, columns: str, rows: Sequence[tuple[object, ...]]
) -> Iterator[None]:
    """The temp table `name` (`columns` as in CREATE TABLE) holding `rows`, for one query."""
    width = columns.count(",") + 1
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
    db.execute(f"DELETE FROM temp.{name}")
    db.executemany(f"INSERT INTO temp.{name} VALUES ({', '.join('?' * width)})", rows)
    try:
        yield
    finally:
        db.execute(f"DELETE FROM temp.{name}")
