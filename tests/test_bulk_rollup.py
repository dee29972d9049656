"""A bulk load's rollup, summed group by group while the load goes on (`Ledger.record_files`
with `alone`, `ledger_rollup.sum_after`), against the rollup summed afresh from the messages
(`rebuild_rollup`, one GROUP BY): equal after any sequence of groups, whatever they hold (new
messages, copies equal to, better or worse than stored ones, several copies of a message in one
group), with the indexes built at any point and other writes between the groups. Real SQLite,
a real ledger file."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from claude_tray.storage.ledger import GROUP_SUM_ROWS, Ledger
from claude_tray.storage.ledger_rows import FileMark, FileRecord, MessageRow
from claude_tray.storage.ledger_sync import SeenFile
from tests.inputs.test_fuzz import FUZZ
from tests.test_ledger_speed_paths import (
    T0,
    TRIGGERS,
    expected_rollup,
    message,
    rollup,
    slots,
    summed_afresh,
    trigger_names,
)

COPY = st.sampled_from(["new", "equal", "better", "worse", "better twice", "tie elsewhere"])
GROUP = st.tuples(st.just("group"), st.lists(st.tuples(COPY, st.integers(0, 40)), max_size=12))
OTHER = st.sampled_from([("index", []), ("record", []), ("machine", []), ("prune", [])])
STEPS = st.lists(st.one_of(GROUP, GROUP, GROUP, OTHER), min_size=1, max_size=8)


def mark(name: str) -> FileMark:
    return FileMark(1, hash(name), 1, 1, 1)


class Copies:
    """The messages a test stores and the copies it makes of them (`stored`: the copy the
    ledger keeps of each message, by key, once the copies are stored in order)."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.stored: dict[int, MessageRow] = {}
        self.next_key = 1

    def new(self) -> MessageRow:
        row = message(self.rnd, self.next_key)
        self.next_key += 1
        self.stored[row.key] = row
        return row

    def copy(self, kind: str, pick: int, earlier: bool = False) -> list[MessageRow]:
        """Copies of a stored message (`pick`: which; -1 the one stored last) of the `kind`
        named (a new message when nothing is stored yet); `earlier`: they come from a
        transcript older than every one read before, so a tie replaces too."""
        stored, rnd = self.stored, self.rnd
        if kind == "new" or not stored:
            return [self.new()]
        kept = stored[self.next_key - 1 if pick < 0 else sorted(stored)[pick % len(stored)]]
        if kind == "equal":
            return [kept]
        if kind == "tie elsewhere":  # same rank, another session and slot: wins only if earlier
            row = kept._replace(ts=kept.ts + 7200, session="s8")
            if earlier:
                stored[row.key] = row
            return [row]
        # A better copy (a streamed response's last one, maybe in another session's file and
        # another slot) moves the message between rollup rows; a worse one changes nothing.
        change = {"better": 1000, "worse": -1, "better twice": 1000}[kind]
        row = kept._replace(output=kept.output + change, total=kept.total + change)
        if change > 0:
            row = row._replace(
                ts=row.ts + rnd.choice((0, 1, 3600)), session=rnd.choice(("s1", "s9"))
            )
            stored[row.key] = row
        if kind == "better twice":  # two better copies in one group
            again = row._replace(output=row.output + 1, total=row.total + 1)
            stored[row.key] = again
            return [row, again]
        return [row]


@FUZZ
@given(STEPS, st.integers(0, 2**32))
def test_a_bulk_loads_rollup_is_the_sum_of_its_messages(
    steps: list[tuple[str, list[tuple[str, int]]]], seed: int
) -> None:
    made = Copies(seed)
    rnd, copy = made.rnd, made.copy

    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.sqlite3") as ledger:
        with ledger.batch(bulk=True):
            for number, (what, copies) in enumerate(steps):
                name = f"/f{number}"
                if what == "group":
                    rows = [row for kind, pick in copies for row in copy(kind, pick)]
                    files = [FileRecord(name, mark(name), 1, rows, [], {}, True)]
                    ledger.record_files(files, alone=True)
                elif what == "index":
                    ledger.index_now()
                elif what == "record":  # a write that does not sum what it stores
                    rows = copy("new", 0) + copy("better", rnd.randrange(10**6))
                    ledger.record(name, mark(name), 1, rows, [], {}, restarted=True)
                elif what == "machine":  # another machine's better copy
                    better = copy("better", rnd.randrange(10**6))
                    ledger.sync.import_file(better, [], SeenFile(name, "m2", 1, 1, 1, None, 0.0))
                else:
                    ledger.prune_before(T0 + rnd.uniform(0, 5 * 86400))
        assert trigger_names(ledger) == set(TRIGGERS)
        assert slots(ledger) == summed_afresh(ledger)
        if not any(what in ("machine",) for what, _ in steps):
            assert rollup(ledger) == expected_rollup(ledger)


# A copy of the message stored last (-1) or of any stored one.
LARGE = st.lists(
    st.tuples(
        st.lists(st.tuples(COPY, st.one_of(st.just(-1), st.integers(0, 400))), max_size=12),
        st.booleans(),  # from a transcript older than every one read before (ties replace)
        st.booleans(),  # padded with new messages up to a large group
    ),
    min_size=1,
    max_size=3,
)


@FUZZ
@given(LARGE, st.integers(0, 2**32))
def test_a_group_into_a_ledger_that_holds_rows_keeps_the_rollup_the_sum_of_its_messages(
    groups: list[tuple[list[tuple[str, int]], bool, bool]], seed: int
) -> None:
    """Not a bulk load (a history read after today's files): a large group sums itself as a
    whole (`ledger_rollup.begin_group`), a small one through the triggers."""
    made = Copies(seed)
    new, copy = made.new, made.copy

    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.sqlite3") as ledger:
        ledger.record("/today", mark("/today"), 1, [new() for _ in range(300)], [], {}, True)
        with ledger.batch():
            for number, (copies, earlier, large) in enumerate(groups):
                name = f"/f{number}"
                rows = [row for kind, pick in copies for row in copy(kind, pick, earlier)]
                if large:
                    rows += [new() for _ in range(GROUP_SUM_ROWS)]
                files = [FileRecord(name, mark(name), 1, rows, [], {}, True, earlier)]
                ledger.record_files(files, alone=True)
        assert trigger_names(ledger) == set(TRIGGERS)
        assert slots(ledger) == summed_afresh(ledger)
        assert rollup(ledger) == expected_rollup(ledger)
