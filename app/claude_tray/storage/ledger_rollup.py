"""The ledger's rollup: `slots`, the messages summed per 15-minute slice.

Reports over long periods read `slots`: token sums, count, and first and last time per slot,
session, folder, machine, model, speed and long-context flag. Triggers keep it exact on every
insert, update and delete of a message; a bulk first ingest drops them and sums each group of
messages it stores (all of them once at its end instead when a message stored before changed),
and opening a ledger whose triggers are missing (an older ledger, an interrupted bulk load)
rebuilds it. A large group stored into a ledger that holds rows (the rest of a history read after
today's files) sets the insert and update triggers aside inside its own transaction and sums the
group as a whole (`begin_group`, `end_group`): no other connection ever sees them missing.
A year of a heavy user (1 million messages) is about 70,000 rollup rows.

Derived data, like an index: made when missing, rebuilt from `messages` whenever its triggers
are not all there. Clustered by its key, ordered for sums per slot and model (the slot sums read
it in order, with no sorting). A message's session or folder may be NULL, which no key may hold:
the rollup stores NULL as an empty blob (no text equals it) and readers turn it back with
`nullif(column, x'')`. Token sums and counts are exact; first_ts and last_ts are recomputed from
the key's messages only when the message removed was the first or last one."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

SLOT_SECONDS = 900
"""The rollup's slice of time: every timezone offset in use is a multiple of 15 minutes."""

NO_VALUE = "x''"
"""How the rollup stores a NULL session or folder (see above)."""

TOKEN_COLUMNS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


def slot_sql(ts: str) -> str:
    """SQL for the slot of the epoch time `ts` (a column or expression): floor(ts / 900), exact
    (a division rounded up to the next whole number is corrected), so slot k holds exactly the
    times in [k * 900, (k + 1) * 900)."""
    whole = f"CAST({ts} / {SLOT_SECONDS} AS INTEGER)"
    return f"({whole} - ({whole} * {SLOT_SECONDS} > {ts}))"


ROLLUP_TABLE = """
CREATE TABLE IF NOT EXISTS slots (
    slot INTEGER NOT NULL,             -- floor(ts / 900): the messages' 15-minute slice
    model TEXT NOT NULL,
    fast INTEGER NOT NULL,
    long INTEGER NOT NULL,
    session BLOB NOT NULL,             -- text, or x'' for NULL (BLOB: stored as given)
    project BLOB NOT NULL,
    machine TEXT NOT NULL,             -- '' for this machine (see ledger_sync)
    messages INTEGER NOT NULL,
    first_ts REAL NOT NULL,
    last_ts REAL NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_write_5m INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    PRIMARY KEY (slot, model, fast, long, session, project, machine)
) WITHOUT ROWID"""
_ROLLUP_KEY = "slot, model, fast, long, session, project, machine"


def _key_values(row: str) -> str:
    """The rollup key of message `row` (NEW or OLD, or a bare row), in `_ROLLUP_KEY` order."""
    prefix = f"{row}." if row else ""
    return (
        f"{slot_sql(prefix + 'ts')}, {prefix}model, {prefix}fast, {prefix}long, "
        f"coalesce({prefix}session, {NO_VALUE}), coalesce({prefix}project, {NO_VALUE}), "
        f"{prefix}machine"
    )


_INTO_SLOTS = (
    f"INSERT INTO slots ({_ROLLUP_KEY}, messages, first_ts, last_ts, {', '.join(TOKEN_COLUMNS)})"
)
"""The head of every statement that inserts rollup rows, its columns in their one order."""
_MERGE = f"""ON CONFLICT ({_ROLLUP_KEY}) DO UPDATE SET
        messages = messages + 1, first_ts = min(first_ts, excluded.first_ts),
        last_ts = max(last_ts, excluded.last_ts),
        {", ".join(f"{c} = {c} + excluded.{c}" for c in TOKEN_COLUMNS)}"""
"""How one message joins the rollup row of its key, which may hold others (a message's trigger,
and a bulk load's `sum_after`)."""


def _add(row: str) -> str:
    tokens = ", ".join(f"{row}.{c}" for c in TOKEN_COLUMNS)
    return f"""
    {_INTO_SLOTS} VALUES ({_key_values(row)}, 1, {row}.ts, {row}.ts, {tokens})
    {_MERGE};"""


def _remove(row: str) -> str:
    key = f"({_ROLLUP_KEY}) = ({_key_values(row)})"
    start = f"{slot_sql(f'{row}.ts')} * {SLOT_SECONDS}"
    same = (  # the key's other messages, found through messages_session (session, ts)
        f"session IS {row}.session AND ts >= {start} AND ts < {start} + {SLOT_SECONDS}"
        f" AND project IS {row}.project AND model = {row}.model AND fast = {row}.fast"
        f" AND long = {row}.long AND machine = {row}.machine"
    )
    sums = ", ".join(f"{c} = {c} - {row}.{c}" for c in TOKEN_COLUMNS)
    return f"""
    UPDATE slots SET messages = messages - 1, {sums},
        first_ts = CASE WHEN first_ts < {row}.ts THEN first_ts
                        ELSE coalesce((SELECT min(ts) FROM messages WHERE {same}), first_ts) END,
        last_ts = CASE WHEN last_ts > {row}.ts THEN last_ts
                       ELSE coalesce((SELECT max(ts) FROM messages WHERE {same}), last_ts) END
    WHERE {key};
    DELETE FROM slots WHERE {key} AND messages <= 0;"""


TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS slots_insert AFTER INSERT ON messages BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER IF NOT EXISTS slots_update AFTER UPDATE ON messages BEGIN {_remove('OLD')}"
    f" {_add('NEW')} END",
    f"CREATE TRIGGER IF NOT EXISTS slots_delete AFTER DELETE ON messages BEGIN {_remove('OLD')}"
    " END",
)
TRIGGER_NAMES = ("slots_insert", "slots_update", "slots_delete")


def drop_triggers(db: sqlite3.Connection) -> None:
    for name in TRIGGER_NAMES:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def triggers_present(db: sqlite3.Connection) -> int:
    """How many of the rollup's triggers the ledger holds."""
    names = ", ".join(f"'{name}'" for name in TRIGGER_NAMES)
    found: int = db.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
    ).fetchone()[0]
    return found


def add_triggers(db: sqlite3.Connection) -> None:
    for statement in TRIGGERS:
        db.execute(statement)


def rebuild_rollup(db: sqlite3.Connection) -> None:
    """Sum the rollup afresh from every message and (re)make its triggers; inside a transaction."""
    db.execute("DELETE FROM slots")
    _sum_into_slots(db, "", ())
    add_triggers(db)


def sum_after(db: sqlite3.Connection, last_id: int) -> None:
    """Add the messages inserted after the one with id `last_id` to the rollup: a bulk load
    (without the triggers) sums each group it stores, so that its end has only the indexes left
    to build. Exact only while no message summed before has changed since (the caller's to
    know); inside a transaction.

    Each message is merged into the rollup row of its key in turn, not grouped first: a group's
    messages come file by file, so most have the key of the message before (its rollup row in
    hand), and the sort a GROUP BY makes cost more (165,597 messages of a 1.4 GB history summed
    in 10 groups: 1.94 vs 2.12 billion instructions, 0.27 vs 0.32 s)."""
    db.execute(
        f"{_INTO_SLOTS} SELECT {_key_values('')}, 1, ts, ts, {', '.join(TOKEN_COLUMNS)} "
        f"FROM messages WHERE id > ? {_MERGE}",
        (last_id,),
    )


GROUP_TRIGGERS = ("slots_insert", "slots_update")
"""The triggers a large write into a ledger that holds rows sets aside while it stores a group
(`begin_group`): the rollup is summed for the group as a whole at its end (`end_group`)."""

_REGROUP_TABLE = f"CREATE TEMP TABLE IF NOT EXISTS regroup ({_ROLLUP_KEY})"
"""The rollup keys a large write must sum afresh (a key may be noted more than once)."""

_AT_ONCE = 5_000
"""Message keys or ids looked up by one statement, at most: SQLite binds up to 32,766 values a
statement since 3.32, 999 before (Ubuntu 20.04's 3.31): see `_at_once`."""


def _at_once(db: sqlite3.Connection) -> int:
    """How many values one lookup binds on this connection's SQLite."""
    return min(_AT_ONCE, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


def begin_group(db: sqlite3.Connection, keys: Sequence[int]) -> tuple[int, list[int]]:
    """Set the rollup's insert and update triggers aside for one large write into a ledger that
    holds rows (a history read after today's files), inside the write's transaction: SQLite's
    schema changes are transactional and one writer holds the ledger, so no other connection
    ever sees the triggers missing (a crash undoes the whole write). `keys`: the message keys
    the write stores; the rollup keys of the messages stored before under those keys (those
    the write may replace) are noted in a table of this connection's own (TEMP, in memory), and
    `end_group` sums them afresh. Returns the id of the last message stored before the write
    and the ids of those messages. (No trigger notes the replaced messages: any trigger on the
    messages' updates makes every row of the write cost about half as much again.)"""
    last: int = db.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
    db.execute(_REGROUP_TABLE)
    db.execute("DELETE FROM temp.regroup")
    stored: list[int] = []
    step = _at_once(db)
    for start in range(0, len(keys), step):
        part = keys[start : start + step]
        marks = ",".join("?" * len(part))
        rows = db.execute(
            f"SELECT id, {_key_values('')} FROM messages WHERE key IN ({marks})", part
        ).fetchall()
        stored.extend(row[0] for row in rows)
        db.executemany(
            "INSERT INTO temp.regroup VALUES (?, ?, ?, ?, ?, ?, ?)", [row[1:] for row in rows]
        )
    for name in GROUP_TRIGGERS:
        db.execute(f"DROP TRIGGER {name}")
    return last, stored


def end_group(db: sqlite3.Connection, begun: tuple[int, list[int]]) -> None:
    """The rollup brought up to date after a write `begin_group` began (`begun`: what it
    returned), and its triggers back as they were. The messages inserted by the write are added
    to the rollup rows of their keys (`sum_after`); every key that a message stored before
    under one of the write's keys was in, or is in now, is summed afresh from its messages
    (found through messages_session (session, ts)). Exact: the other rollup rows gained
    messages and lost none, which is what `sum_after` adds."""
    last, stored = begun
    step = _at_once(db)
    for start in range(0, len(stored), step):
        part = stored[start : start + step]
        db.execute(
            f"INSERT INTO temp.regroup SELECT {_key_values('')} FROM messages "
            f"WHERE id IN ({','.join('?' * len(part))})",
            part,
        )
    sum_after(db, last)
    db.execute(f"DELETE FROM slots WHERE ({_ROLLUP_KEY}) IN (SELECT * FROM temp.regroup)")
    begins = f"g.slot * {SLOT_SECONDS}"
    _sum_into_slots(
        db,
        "WHERE id IN (SELECT m.id FROM (SELECT DISTINCT * FROM temp.regroup) AS g "
        "JOIN messages AS m "
        f"ON m.session IS nullif(g.session, {NO_VALUE}) AND m.ts >= {begins} "
        f"AND m.ts < {begins} + {SLOT_SECONDS} AND {slot_sql('m.ts')} = g.slot "
        f"AND coalesce(m.project, {NO_VALUE}) = g.project AND m.model = g.model "
        "AND m.fast = g.fast AND m.long = g.long AND m.machine = g.machine)",
        (),
    )
    db.execute("DELETE FROM temp.regroup")
    add_triggers(db)


def _sum_into_slots(db: sqlite3.Connection, where: str, params: tuple[object, ...]) -> None:
    """Sum the messages `where` selects into rollup rows of keys it holds none of."""
    sums = ", ".join(f"sum({c})" for c in TOKEN_COLUMNS)
    db.execute(
        f"{_INTO_SLOTS} SELECT {_key_values('')}, count(*), min(ts), max(ts), {sums} "
        f"FROM messages {where} GROUP BY 1, 2, 3, 4, 5, 6, 7",
        params,
    )


def delete_messages_before(db: sqlite3.Connection, ts: float) -> int:
    """Delete the messages older than `ts`, and their part of the rollup in a few statements rather
    than row by row through the triggers: the slots wholly before `ts` go, and the slot holding
    `ts` is summed again from the messages left in it. Inside a transaction."""
    drop_triggers(db)
    deleted: int = db.execute("DELETE FROM messages WHERE ts < ?", (ts,)).rowcount
    (cut,) = db.execute(f"SELECT {slot_sql('?1')}", (ts,)).fetchone()
    db.execute("DELETE FROM slots WHERE slot <= ?", (cut,))
    _sum_into_slots(db, "WHERE ts >= ? AND ts < ?", (cut * SLOT_SECONDS, (cut + 1) * SLOT_SECONDS))
    add_triggers(db)
    return deleted


def ensure_rollup(db: sqlite3.Connection) -> None:
    """Make the rollup when it is missing, and rebuild it when any trigger is (a ledger from before
    the rollup, or a bulk load that did not finish); a no-op otherwise."""

    def complete() -> bool:
        return triggers_present(db) == len(TRIGGER_NAMES)

    if complete():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if not complete():  # another process may have made it meanwhile
            db.execute(ROLLUP_TABLE)
            rebuild_rollup(db)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def rollup_agrees(db: sqlite3.Connection) -> bool:
    """Whether the table, its time index and the rollup count the same messages (true in every
    committed state): a test that the pages read belong together."""
    counts = {
        db.execute(sql).fetchone()[0]
        for sql in (
            "SELECT count(*) FROM messages NOT INDEXED",  # through the table's own pages
            "SELECT count(*) FROM messages INDEXED BY messages_ts WHERE ts > -1e300",
            "SELECT coalesce(sum(messages), 0) FROM slots",
        )
    }
    return len(counts) == 1
