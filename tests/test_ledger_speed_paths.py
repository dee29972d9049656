"""The ledger's fast paths for long reports: the rollup (`slots`) and the queries that read it.

The rollup must stay exactly the sums of the messages through every kind of write (inserts, a
better copy replacing a row, pruning, a bulk load, an interrupted one, a ledger from before the
rollup), and the report's grouped queries must give what plain GROUP BYs over the messages give,
read the rollup in order and touch the messages only by time range (EXPLAIN QUERY PLAN: structure,
never timing).
"""

from __future__ import annotations

import math
import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from claude_tray.core.pricing import PriceTable, price_table_from_mapping
from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens
from claude_tray.core.trends import Bucket, cache_savings
from claude_tray.engine.usage import PricedSum, priced_buckets, priced_sums
from claude_tray.storage.config import builtin_prices
from claude_tray.storage.ledger import GROUP_SUM_ROWS, Ledger, RowsRejected
from claude_tray.storage.ledger_rollup import rebuild_rollup
from claude_tray.storage.ledger_rows import FileMark, FileRecord, MessageRow
from claude_tray.storage.ledger_sync import SeenFile

T0 = 1_771_200_000.0  # a slot boundary (a multiple of 900) in February 2026
DAY = 86400.0
MID_SLOT = T0 + 10 * DAY + 123.25
"""A price breakpoint inside a 15-minute slot."""
MODELS = (
    "claude-opus-4-6",
    "claude-sonnet-4-6-20260101",
    "claude-haiku-4-5-20251001",
    "no-such-model",  # unpriced
)
TRIGGERS = ("slots_insert", "slots_update", "slots_delete")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


def prices() -> PriceTable:
    """The built-in prices, with two breakpoints: the long-context premium ends inside a slot
    for the models that have one, and on a slot boundary for a made-up premium on Haiku."""
    base = price_table_from_mapping(builtin_prices())
    models = {}
    for key, price in base.models.items():
        price = price._replace(earlier=None, earlier_until=None)  # only these two
        if price.long_context is not None:
            price = price._replace(long_context_until=MID_SLOT)
        elif "haiku" in key:
            premium = price.standard._replace(input=price.standard.input * 3)
            price = price._replace(long_context=premium, long_context_until=T0 + 20 * DAY)
        models[key] = price
    table = PriceTable(models, {}, base.as_of, base.source)
    assert len(table.breakpoints()) == 2
    return table


def moment(rnd: random.Random) -> float:
    """Times on slot boundaries, a millisecond either side, and anywhere in 30 days."""
    k = rnd.randrange(30 * 96)
    pick = rnd.random()
    if pick < 0.15:
        return T0 + k * 900
    if pick < 0.25:
        return T0 + k * 900 - 0.001
    if pick < 0.35:
        return T0 + k * 900 + 0.001
    if pick < 0.45:
        return MID_SLOT + rnd.uniform(-900, 900)
    return T0 + rnd.uniform(0, 30 * DAY)


def message(rnd: random.Random, key: int, extra: int = 0) -> MessageRow:
    i, o, w5, w1, cr = (rnd.randint(0, 5000) for _ in range(5))
    return MessageRow(
        key,
        moment(rnd),
        rnd.choice(("s1", "s2", "s3", None)),
        rnd.choice(("/a", "/b", "", None)),  # no folder, and an empty one: not the same
        rnd.choice(MODELS),
        i,
        o,
        w5,
        w1,
        cr,
        i + o + w5 + w1 + cr + extra,
        rnd.randint(0, 1),
        int(rnd.random() < 0.1),
        int(rnd.random() < 0.3),
    )


def record(ledger: Ledger, name: str, rows: Sequence[MessageRow]) -> None:
    ledger.record(name, FileMark(1, hash(name), 1, 1, 1), 1, rows, [], {}, restarted=True)


class Message(NamedTuple):
    ts: float
    session: str | None
    project: str | None
    model: str
    fast: int
    long: int
    tokens: Tokens


def messages(ledger: Ledger) -> list[Message]:
    rows: list[tuple[Any, ...]] = ledger.query(
        "SELECT ts, session, project, model, fast, long, input, output, cache_write_5m, "
        "cache_write_1h, cache_read FROM messages"
    )
    return [
        Message(float(ts), session, project, str(model), int(fast), int(long), Tokens._make(rest))
        for ts, session, project, model, fast, long, *rest in rows
    ]


def rollup(ledger: Ledger) -> list[tuple[object, ...]]:
    return ledger.query(
        "SELECT slot, model, fast, long, session, project, messages, first_ts, last_ts, input, "
        "output, cache_write_5m, cache_write_1h, cache_read FROM slots ORDER BY 1, 2, 3, 4, 5, 6"
    )


class Acc:
    """A sum of messages: count, first and last time, tokens."""

    def __init__(self) -> None:
        self.count, self.first, self.last, self.tokens = 0, math.inf, -math.inf, Tokens()

    def add(self, m: Message) -> None:
        self.count += 1
        self.first, self.last = min(self.first, m.ts), max(self.last, m.ts)
        self.tokens = self.tokens + m.tokens


def expected_rollup(ledger: Ledger) -> list[tuple[object, ...]]:
    """The rollup summed in Python from the messages (NULL kept as an empty blob, an empty text
    as text)."""
    sums: dict[tuple[object, ...], Acc] = {}
    for m in messages(ledger):
        session = b"" if m.session is None else m.session
        project = b"" if m.project is None else m.project
        key = (int(m.ts // 900), m.model, m.fast, m.long, session, project)
        sums.setdefault(key, Acc()).add(m)
    rows = [(*key, a.count, a.first, a.last, *a.tokens) for key, a in sums.items()]
    return sorted(rows, key=sqlite_order)


def sqlite_order(row: Sequence[object]) -> tuple[tuple[int, object], ...]:
    """SQLite's order: NULL, then numbers, then text, then blobs."""
    rank = {type(None): 0, int: 1, float: 1, str: 2, bytes: 3}
    return tuple((rank[type(v)], 0 if v is None else v) for v in row)


def era_of(ts: float, breakpoints: Sequence[float]) -> int:
    return sum(1 for point in breakpoints if ts >= point)


def speed(fast: int) -> Speed:
    return Speed.FAST if fast else Speed.STANDARD


def expected_buckets(ledger: Ledger, table: PriceTable, start: float, end: float) -> list[Bucket]:
    """priced_buckets' answer from the messages alone, in its order."""
    groups: dict[tuple[int, str, int, int, int], Acc] = {}
    for m in messages(ledger):
        if start <= m.ts < end:
            key = (int(m.ts // 900), m.model, m.fast, m.long, era_of(m.ts, table.breakpoints()))
            groups.setdefault(key, Acc()).add(m)
    out = []
    for key in sorted(groups):
        slot, model, fast, long, _ = key
        a = groups[key]
        price = table.lookup(model)
        cost, saved = None, 0.0
        if price is not None:
            rates = price.rates_for(speed=speed(fast), long_request=bool(long), at=a.first)
            cost, saved = rates.cost(a.tokens), cache_savings(rates, a.tokens)
        out.append(Bucket(slot * 900.0, model, a.tokens, cost, saved, a.first, a.last, a.count))
    return out


def expected_sums(
    ledger: Ledger,
    table: PriceTable,
    ranges: Sequence[tuple[str, float, float]],
    group_by: Sequence[str],
) -> list[PricedSum]:
    """priced_sums' answer from the messages alone (sorted; compare with a sorted answer)."""
    groups: dict[tuple[str, tuple[str | None, ...], str, int, int, int], Acc] = {}
    for m in messages(ledger):
        for label, start, end in ranges:
            if start <= m.ts < end:
                group = tuple(m.session if c == "session" else m.project for c in group_by)
                era = era_of(m.ts, table.breakpoints())
                groups.setdefault((label, group, m.model, m.fast, m.long, era), Acc()).add(m)
    out = []
    for (label, group, model, fast, long, _), a in groups.items():
        price = table.lookup(model)
        cost = None
        if price is not None:
            cost = price.cost(a.tokens, speed=speed(fast), long_request=bool(long), at=a.first)
        out.append(PricedSum(label, group, model, a.tokens, cost))
    return sorted(out, key=priced_order)


def priced_order(item: PricedSum) -> tuple[object, ...]:
    group = tuple((v is not None, v or "") for v in item.group)
    return (item.label, group, item.model, item.tokens, -1.0 if item.cost is None else item.cost)


RANGES = (
    (T0, T0 + 31 * DAY),  # aligned
    (T0 + 1000.5, T0 + 12 * DAY + 17.25),  # part-slots at both ends
    (T0 + 10 * DAY + 100, T0 + 10 * DAY + 200),  # inside one slot
    (MID_SLOT - 50, MID_SLOT + 50),  # across the breakpoint inside a slot
    (0.0, math.inf),
    (-math.inf, math.inf),
    (T0 + 5, T0 + 5),  # empty
    (T0 + 9, T0 + 3),  # reversed
)


def check_queries(ledger: Ledger) -> None:
    table = prices()
    for start, end in RANGES:
        assert priced_buckets(ledger, table, start, end) == expected_buckets(
            ledger, table, start, end
        ), (start, end)
    days = [(f"d{i}", T0 + i * DAY, T0 + (i + 1) * DAY) for i in range(-1, 32)]
    odd = [(str(i), start, end) for i, (start, end) in enumerate(RANGES)]
    for ranges in (days, odd):
        for group_by in ((), ("session",), ("project",), ("session", "project")):
            got = priced_sums(ledger, table, ranges, group_by)
            assert sorted(got, key=priced_order) == expected_sums(ledger, table, ranges, group_by)


def test_the_rollup_holds_the_sums_of_the_messages_through_every_write(ledger: Ledger) -> None:
    rnd = random.Random(5)
    record(ledger, "/first", [message(rnd, key) for key in range(1, 2001)])
    assert rollup(ledger) == expected_rollup(ledger)
    # better copies of known messages, anywhere (they move between rollup rows) ...
    better = [message(rnd, key, extra=10**7) for key in rnd.sample(range(1, 2001), 500)]
    # ... worse ones (ignored), and copies of the same size off the main chain
    worse = [message(rnd, key, extra=-(10**6)) for key in rnd.sample(range(1, 2001), 200)]
    record(ledger, "/again", better + worse)
    assert ledger.query("SELECT count(*) FROM messages WHERE total > 1000000")[0][0] == 500
    assert rollup(ledger) == expected_rollup(ledger)
    record(ledger, "/more", [message(rnd, key) for key in range(5000, 5300)])
    pruned = ledger.prune_before(T0 + 2 * DAY + 450.5)  # in the middle of a slot
    assert pruned["messages"] > 0
    assert rollup(ledger) == expected_rollup(ledger)
    check_queries(ledger)


def test_a_bulk_load_sums_each_group_as_it_is_stored(ledger: Ledger) -> None:
    """Into an empty ledger, the rollup is summed group by group while the rest is read (no
    triggers meanwhile), so that the end of the load has only the indexes to build."""
    rnd = random.Random(7)
    first = [message(rnd, key) for key in range(1, 1001)]
    with ledger.batch(bulk=True):
        record(ledger, "/a", first)
        assert trigger_names(ledger) == set()
        assert rollup(ledger) == expected_rollup(ledger)
        store_group(ledger, [("/b", [message(rnd, key) for key in range(1001, 2001)])])
        assert rollup(ledger) == expected_rollup(ledger)
        # Copies equal to messages stored (a resumed session's copies) replace nothing.
        store_group(ledger, [("/c", first[::3]), ("/d", [message(rnd, 2001)])])
        assert rollup(ledger) == expected_rollup(ledger)
    assert ledger.stats()["messages"] == 2001
    assert trigger_names(ledger) == set(TRIGGERS)
    assert rollup(ledger) == expected_rollup(ledger)
    check_queries(ledger)


def test_a_bulk_load_told_to_index_before_its_end_indexes_the_rest_as_it_comes(
    ledger: Ledger,
) -> None:
    rnd = random.Random(14)
    with ledger.batch(bulk=True):
        store_group(ledger, [("/a", [message(rnd, key) for key in range(1, 1001)])])
        assert index_names(ledger) == set()
        ledger.index_now()
        assert index_names(ledger) == {"messages_ts", "messages_session"}
        store_group(ledger, [("/b", [message(rnd, key) for key in range(1001, 1501)])])
        assert rollup(ledger) == expected_rollup(ledger)
    assert ledger.query("PRAGMA integrity_check") == [("ok",)]
    assert trigger_names(ledger) == set(TRIGGERS)
    assert rollup(ledger) == expected_rollup(ledger)
    check_queries(ledger)


def index_names(ledger: Ledger) -> set[str]:
    rows = ledger.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        "'messages' AND name NOT LIKE 'sqlite_%'"
    )
    return {str(name) for (name,) in rows}


def test_a_bulk_load_in_which_a_copy_replaces_a_stored_message_sums_the_rollup_at_the_end(
    ledger: Ledger,
) -> None:
    rnd = random.Random(8)
    with ledger.batch(bulk=True):
        record(ledger, "/a", [message(rnd, key) for key in range(1, 1001)])
        store_group(ledger, [("/b", [message(rnd, key, extra=10**7) for key in range(500, 1500)])])
        store_group(ledger, [("/c", [message(rnd, key) for key in range(1500, 1600)])])
    assert ledger.query("SELECT count(*) FROM messages WHERE total > 10000000")[0][0] == 1000
    assert trigger_names(ledger) == set(TRIGGERS)
    assert rollup(ledger) == expected_rollup(ledger)
    check_queries(ledger)


def test_a_bulk_load_with_other_writes_between_its_groups_sums_the_rollup_at_the_end(
    ledger: Ledger,
) -> None:
    """Any write that does not sum what it stores (another machine's better copies, pruning)
    leaves the rollup to be summed whole at the end of the load."""
    rnd = random.Random(10)
    with ledger.batch(bulk=True):
        store_group(ledger, [("/a", [message(rnd, key) for key in range(1, 1001)])])
        better = [message(rnd, key, extra=10**7) for key in range(1, 101)]
        ledger.sync.import_file(better, [], SeenFile("x", "devserver", 1, 1, 100, None, 0.0))
        store_group(ledger, [("/b", [message(rnd, key) for key in range(1001, 2001)])])
    assert ledger.query("SELECT count(*) FROM messages WHERE machine = 'devserver'") == [(100,)]
    assert slots(ledger) == summed_afresh(ledger)  # machines apart: the rollup's own sum
    with ledger.batch(bulk=True):
        store_group(ledger, [("/c", [message(rnd, key) for key in range(2001, 3001)])])
        assert ledger.prune_before(T0 + 5 * DAY + 450.5)["messages"] > 0
        store_group(ledger, [("/d", [message(rnd, key) for key in range(3001, 4001)])])
    assert trigger_names(ledger) == set(TRIGGERS)
    assert slots(ledger) == summed_afresh(ledger)


def slots(ledger: Ledger) -> list[tuple[object, ...]]:
    return ledger.query(
        "SELECT * FROM slots ORDER BY slot, model, fast, long, session, project, machine"
    )


def summed_afresh(ledger: Ledger) -> list[tuple[object, ...]]:
    """The rollup as one sum over every message gives it (in a transaction undone after)."""
    db = sqlite3.connect(ledger.path, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        rebuild_rollup(db)
        rows = db.execute(
            "SELECT * FROM slots ORDER BY slot, model, fast, long, session, project, machine"
        ).fetchall()
        db.execute("ROLLBACK")
        return rows
    finally:
        db.close()


def store_group(ledger: Ledger, files: Sequence[tuple[str, Sequence[MessageRow]]]) -> None:
    """Store files as a first read stores a group of them (a transaction of its own)."""
    ledger.record_files(
        [
            FileRecord(name, FileMark(1, hash(name), 1, 1, 1), 1, rows, [], {}, True)
            for name, rows in files
        ],
        alone=True,
    )


def test_a_bulk_load_killed_after_some_groups_leaves_them_summed_at_the_next_open(
    tmp_path: Path,
) -> None:
    """A process killed in the middle of a bulk load (no exception handler runs, the groups
    committed so far stay, without the indexes and triggers and with a rollup summed so far):
    the next open builds the indexes and sums the rollup again, and a later read goes on."""
    path = tmp_path / "ledger.sqlite3"
    script = f"""
import os, random, signal, sys
sys.path[:0] = {[str(Path(__file__).parent.parent), *sys.path]!r}
from pathlib import Path
from claude_tray.storage.ledger import Ledger, RowsRejected
from tests.test_ledger_speed_paths import message, store_group
rnd = random.Random(12)
ledger = Ledger(Path({str(path)!r}))
with ledger.batch(bulk=True):
    store_group(ledger, [("/a", [message(rnd, key) for key in range(1, 701)])])
    store_group(ledger, [("/b", [message(rnd, key) for key in range(701, 1401)])])
    store_group(ledger, [("/c", [message(rnd, key) for key in range(1401, 2101)])])
    os.kill(os.getpid(), signal.SIGKILL)
"""
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    raw = sqlite3.connect(path)
    try:  # as the kill left it: two groups committed, summed so far, no triggers
        assert raw.execute("SELECT count(*) FROM messages").fetchone()[0] == 1400
        assert raw.execute("SELECT sum(messages) FROM slots").fetchone()[0] == 1400
        assert (
            raw.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'slots_%'"
            ).fetchone()[0]
            == 0
        )
    finally:
        raw.close()
    with Ledger(path) as ledger:
        assert ledger.stats()["messages"] == 1400
        assert trigger_names(ledger) == set(TRIGGERS)
        assert rollup(ledger) == expected_rollup(ledger)
        assert sorted(ledger.file_marks()) == ["/a", "/b"]
        record(ledger, "/c", [message(random.Random(5), key) for key in range(1401, 1501)])
        assert rollup(ledger) == expected_rollup(ledger)
        check_queries(ledger)


def test_an_interrupted_bulk_load_is_summed_again_when_the_ledger_opens(tmp_path: Path) -> None:
    rnd = random.Random(9)
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger, pytest.raises(KeyboardInterrupt), ledger.batch(bulk=True):
        record(ledger, "/a", [message(rnd, key) for key in range(1, 801)])
        ledger.commit_point()  # these stay, loaded without the triggers
        record(ledger, "/b", [message(rnd, key) for key in range(801, 1601)])
        raise KeyboardInterrupt
    with Ledger(path) as ledger:
        assert ledger.stats()["messages"] == 800
        assert trigger_names(ledger) == set(TRIGGERS)
        assert rollup(ledger) == expected_rollup(ledger)
        record(ledger, "/c", [message(rnd, key) for key in range(801, 1201)])
        assert rollup(ledger) == expected_rollup(ledger)


def test_a_bulk_load_interrupted_beside_an_open_ledger_is_mended_by_its_next_write(
    tmp_path: Path,
) -> None:
    """The tray keeps its ledger open for days: when a CLI's bulk load beside it is interrupted
    (its indexes and triggers dropped, some rows committed), the tray's next write puts them back
    and sums the rollup again, so its figures count every message, its own new ones included."""
    rnd = random.Random(13)
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as tray:
        with Ledger(path) as cli, pytest.raises(KeyboardInterrupt), cli.batch(bulk=True):
            record(cli, "/a", [message(rnd, key) for key in range(1, 801)])
            cli.commit_point()  # committed without the triggers and indexes
            raise KeyboardInterrupt
        assert trigger_names(tray) == set()
        record(tray, "/live", [message(rnd, key) for key in range(801, 901)])
        assert trigger_names(tray) == set(TRIGGERS)
        assert tray.stats()["messages"] == 900
        assert rollup(tray) == expected_rollup(tray)
        check_queries(tray)


def test_a_ledger_from_before_the_rollup_gets_one(tmp_path: Path) -> None:
    rnd = random.Random(11)
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        record(ledger, "/a", [message(rnd, key) for key in range(1, 1001)])
    db = sqlite3.connect(path)
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER {name}")
    db.execute("DROP TABLE slots")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert trigger_names(ledger) == set(TRIGGERS)
        assert rollup(ledger) == expected_rollup(ledger)
        check_queries(ledger)


def trigger_names(ledger: Ledger) -> set[str]:
    rows = ledger.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {str(name) for (name,) in rows}


# -- query plans -------------------------------------------------------------------------------


Seen = list[tuple[str, Sequence[object], list[str]]]


class _Recording:
    """A connection that records each SELECT sent through it, with its parameters and EXPLAIN
    QUERY PLAN (taken just before it runs, so its temp tables hold their rows)."""

    def __init__(self, db: sqlite3.Connection, seen: Seen) -> None:
        self._db = db
        self._seen = seen

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith("SELECT"):
            rows = self._db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            self._seen.append((sql, params, [str(row[3]) for row in rows]))
        return self._db.execute(sql, params)

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)


def plans_of(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, run: object) -> Seen:
    """Each query `run` sends to the ledger's connection, with its parameters and query plan;
    the statements run as usual."""
    seen: Seen = []
    monkeypatch.setattr(ledger, "_db", _Recording(ledger._db, seen))
    assert callable(run)
    run()
    return seen


def test_the_report_queries_read_the_rollup_in_order(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(13)
    record(ledger, "/a", [message(rnd, key) for key in range(1, 3001)])
    table = price_table_from_mapping(builtin_prices())
    start, end = T0 + 450.0, T0 + 29 * DAY + 17.0  # part-slots at both ends

    seen = plans_of(ledger, monkeypatch, lambda: priced_buckets(ledger, table, start, end))
    whole = [plan for sql, _, plan in seen if "FROM slots" in sql]
    inside = [p for p in table.breakpoints() if start < p < end]
    assert len(whole) == len(inside) + 1  # one in-order read per price era
    for plan in whole:
        assert plan == ["SEARCH slots USING PRIMARY KEY (slot>? AND slot<?)"]  # no temp B-tree
    parts = [(params, plan) for sql, params, plan in seen if "FROM messages" in sql]
    assert len(parts) == 2  # the part-slots at the ends, from the messages by time range
    for (lo, hi), plan in parts:
        assert plan[0] == "SEARCH messages USING INDEX messages_ts (ts>? AND ts<?)"
        assert 0 < float(hi) - float(lo) < 900  # type: ignore[arg-type]  # less than a slot

    seen = plans_of(
        ledger,
        monkeypatch,
        lambda: priced_sums(ledger, table, [("range", start, end)], ("session", "project")),
    )
    ((_, _, plan),) = seen
    assert "SEARCH s USING PRIMARY KEY (slot>? AND slot<?)" in plan
    assert "SEARCH m USING INDEX messages_ts (ts>? AND ts<?)" in plan
    assert not [step for step in plan if step.startswith("SCAN m")]  # never all the messages


# -- a large group into a ledger that holds rows (the rest of a history read after today) ------


def schema(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT * FROM sqlite_master ORDER BY type, name").fetchall()
    finally:
        db.close()


def summed_within(ledger: Ledger) -> list[tuple[object, ...]]:
    """`summed_afresh` inside a batch of the ledger's own (in a savepoint undone after)."""
    db = ledger._db
    db.execute("SAVEPOINT afresh")
    try:
        rebuild_rollup(db)
        return db.execute(
            "SELECT * FROM slots ORDER BY slot, model, fast, long, session, project, machine"
        ).fetchall()
    finally:
        db.execute("ROLLBACK TO afresh")
        db.execute("RELEASE afresh")


def store_earlier(ledger: Ledger, files: Sequence[tuple[str, Sequence[MessageRow]]]) -> None:
    """Store files as the rest of a history read after today is stored: a group of its own,
    from transcripts older than every one read before (a copy equal to one stored replaces it)."""
    ledger.record_files(
        [
            FileRecord(name, FileMark(1, hash(name), 1, 1, 1), 1, rows, [], {}, True, True)
            for name, rows in files
        ],
        alone=True,
    )


def test_a_large_group_into_a_ledger_that_holds_rows_is_summed_as_a_whole(tmp_path: Path) -> None:
    """The group's transaction sets the rollup's insert and update triggers aside and sums the
    group at its end: messages new to the ledger, better and equal copies of messages stored
    before (which move between rollup rows), another machine's messages replaced by local
    copies, and messages stored and replaced within the group itself. The rollup is exactly a
    sum afresh after each group, and the schema is as it was, byte for byte."""
    rnd = random.Random(21)
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        first = [message(rnd, key) for key in range(1, 1501)]
        record(ledger, "/today", first)
        theirs = [message(rnd, key, extra=10**6) for key in range(1501, 1701)]
        ledger.sync.import_file(theirs, [], SeenFile("x", "devserver", 1, 1, 200, None, 0.0))
        before = schema(path)
        statements: list[str] = []
        ledger._db.set_trace_callback(statements.append)
        with ledger.batch():
            new = [message(rnd, key) for key in range(2001, 4001)]
            better = [message(rnd, key, extra=10**7) for key in range(1, 301)]
            store_earlier(ledger, [("/b", new), ("/c", better), ("/d", first[300:600])])
            assert slots(ledger) == summed_within(ledger)
            assert rollup(ledger) != []
            # Copies of the same messages twice in one group, of messages stored by the group
            # before, and local copies that win over the other machine's.
            again = [message(rnd, key, extra=10**8) for key in range(3001, 3301)]
            local = [message(rnd, key, extra=10**7) for key in range(1501, 1601)]
            more = [message(rnd, key) for key in range(5001, 11001)]  # keys looked up in parts
            store_earlier(ledger, [("/e", more), ("/f", again), ("/g", local), ("/h", more[::2])])
            assert slots(ledger) == summed_within(ledger)
        ledger._db.set_trace_callback(None)
        assert ledger.query("SELECT count(*) FROM messages WHERE machine = 'devserver'") == [(100,)]
        assert ledger.query("SELECT count(*) FROM messages WHERE total > 10000000") == [(700,)]
        assert schema(path) == before
        assert slots(ledger) == summed_afresh(ledger)
        record(ledger, "/live", [message(rnd, key, extra=10**9) for key in range(1, 51)])
        assert slots(ledger) == summed_afresh(ledger)
    dropped = [s for s in statements if s.startswith("DROP TRIGGER slots_")]
    assert dropped == ["DROP TRIGGER slots_insert", "DROP TRIGGER slots_update"] * 2


def test_a_small_group_into_a_ledger_that_holds_rows_goes_through_the_triggers(
    tmp_path: Path,
) -> None:
    """No change of schema for a few rows (another process's statements would be prepared
    again for nothing)."""
    rnd = random.Random(22)
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        record(ledger, "/today", [message(rnd, key) for key in range(1, 501)])
        statements: list[str] = []
        ledger._db.set_trace_callback(statements.append)
        with ledger.batch():
            store_earlier(ledger, [("/b", [message(rnd, key, extra=9) for key in range(1, 400)])])
        ledger._db.set_trace_callback(None)
        assert rollup(ledger) == expected_rollup(ledger)
    assert statements and not [s for s in statements if "TRIGGER" in s]


def test_another_connection_never_sees_the_triggers_of_a_ledger_that_holds_rows_missing(
    tmp_path: Path,
) -> None:
    """While a large group is being stored (its transaction holds the triggers dropped), a
    connection beside it still sees all of them and a rollup that agrees with the messages."""
    rnd = random.Random(23)
    path = tmp_path / "ledger.sqlite3"
    seen: list[tuple[int, bool]] = []
    with Ledger(path) as ledger, Ledger(path) as beside:
        record(ledger, "/today", [message(rnd, key) for key in range(1, 501)])

        def look(statement: str) -> None:
            if statement.lstrip().startswith("INSERT INTO messages"):
                present = len(trigger_names(beside) & set(TRIGGERS))
                agrees = rollup(beside) == expected_rollup(beside)
                seen.append((present, agrees))

        ledger._db.set_trace_callback(look)
        with ledger.batch():
            store_earlier(ledger, [("/b", [message(rnd, key) for key in range(501, 3001)])])
        ledger._db.set_trace_callback(None)
        assert rollup(beside) == expected_rollup(beside)
        assert beside.stats()["messages"] == 3000
    assert seen and set(seen) == {(3, True)}


def test_a_process_killed_while_it_stores_a_large_group_leaves_the_ledger_as_it_was(
    tmp_path: Path,
) -> None:
    """A real SIGKILL in the middle of a group's messages (its triggers dropped in its
    transaction): the ledger holds what was committed before, with all its triggers and a
    rollup that agrees, and a later read goes on."""
    path = tmp_path / "ledger.sqlite3"
    script = f"""
import os, random, signal, sys
sys.path[:0] = {[str(Path(__file__).parent.parent), *sys.path]!r}
from pathlib import Path
from claude_tray.storage.ledger import Ledger, RowsRejected
from tests.test_ledger_speed_paths import message, record, store_earlier
rnd = random.Random(24)
ledger = Ledger(Path({str(path)!r}))
record(ledger, "/today", [message(rnd, key) for key in range(1, 701)])
def kill(statement):
    if statement.lstrip().startswith("INSERT INTO messages"):
        os.kill(os.getpid(), signal.SIGKILL)
with ledger.batch():
    store_earlier(ledger, [("/b", [message(rnd, key) for key in range(701, 3001)])])
    ledger._db.set_trace_callback(kill)
    store_earlier(ledger, [("/c", [message(rnd, key) for key in range(3001, 6001)])])
"""
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    raw = sqlite3.connect(path)
    try:  # as the kill left it, before any open mends anything
        assert raw.execute("SELECT count(*) FROM messages").fetchone()[0] == 3000
        names = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'slots_%'"
        assert {name for (name,) in raw.execute(names)} == set(TRIGGERS)
    finally:
        raw.close()
    with Ledger(path) as ledger:
        assert rollup(ledger) == expected_rollup(ledger)
        assert sorted(ledger.file_marks()) == ["/b", "/today"]
        with ledger.batch():
            store_earlier(
                ledger, [("/c", [message(random.Random(5), k) for k in range(3001, 6001)])]
            )
        assert rollup(ledger) == expected_rollup(ledger)
        check_queries(ledger)


def test_a_large_group_the_ledger_rejects_leaves_its_triggers_and_rollup_as_they_were(
    tmp_path: Path,
) -> None:
    """A value SQLite cannot hold, in the middle of a large group: the group is undone whole,
    its change of schema with it, and the batch goes on with the next group."""
    rnd = random.Random(25)
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        record(ledger, "/today", [message(rnd, key) for key in range(1, 501)])
        before, summed = schema(path), rollup(ledger)
        bad = message(rnd, 2500)._replace(output=2**70)
        rows = [message(rnd, key) for key in range(1, 3001)]
        with ledger.batch():
            with pytest.raises(RowsRejected, match="not stored"):
                store_earlier(ledger, [("/b", [*rows[:2000], bad, *rows[2000:]])])
            # as this connection sees it, inside the batch's transaction
            assert ledger.query("SELECT * FROM sqlite_master ORDER BY type, name") == before
            assert rollup(ledger) == summed
            store_earlier(ledger, [("/b", rows)])
        assert schema(path) == before
        assert ledger.stats()["messages"] == 3000
        assert rollup(ledger) == expected_rollup(ledger)


def test_a_large_group_is_stored_under_sqlite_s_older_limit_of_999_variables(
    tmp_path: Path,
) -> None:
    """SQLite before 3.32 (Ubuntu 20.04's 3.31, which a Python built there links) binds at most
    999 values a statement: a large group into a ledger that holds rows looks its keys up in
    statements that fit (found by the review: 5,000 at once made every large group fail)."""
    rnd = random.Random(3)
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        ledger._db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # as SQLite < 3.32
        first = [message(rnd, key) for key in range(1, 301)]
        ledger.record("/today", FileMark(1, 1, 1, 1, 1), 1, first, [], {}, restarted=True)
        rows = [message(rnd, key) for key in range(1, GROUP_SUM_ROWS + 301)]
        with ledger.batch():
            ledger.record_files(
                [FileRecord("/rest", FileMark(1, 2, 1, 1, 1), 1, rows, [], {}, True)], alone=True
            )
        assert ledger.stats()["messages"] == GROUP_SUM_ROWS + 300
