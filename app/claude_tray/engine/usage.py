"""Token sums from the ledger, priced: the reports every view is made of.

SQL sums tokens per (range, grouping columns, model, speed, long-context flag, price era); each such
group shares one price, so pricing a sum is exact. The price itself comes from `core.pricing`.

Ranges are cut at the price breakpoints (so every piece lies in one era) and then into the whole
15-minute slots they cover, summed from the ledger's rollup (`slots`), and the part-slots at their
ends, summed from the messages themselves: a year of history is tens of thousands of rollup rows
rather than a million messages, and the sums are the same.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from datetime import date, timedelta, tzinfo
from typing import NamedTuple

from claude_tray.core.bounds import EARLIEST, latest_plausible
from claude_tray.core.periods import Period, day_start, days, local_date
from claude_tray.core.pricing import PriceTable, Rates
from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens
from claude_tray.storage.ledger import Ledger
from claude_tray.storage.ledger_rollup import SLOT_SECONDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from claude_tray.core.trends import Bucket


class PricedSum(NamedTuple):
    """Tokens of requests sharing a range label, grouping values and model, with their cost."""

    label: str
    group: tuple[str | None, ...]
    model: str
    tokens: Tokens
    cost: float | None
    """None when the model is unpriced."""


class Total:
    """A running total of priced sums: priced cost, and the tokens no price covers.

    (A plain class, like the other mutable records on a CLI command's path: a dataclass compiles
    its methods when its module is imported, on every run.)"""

    __slots__ = ("cost", "models", "tokens", "unpriced_tokens")

    def __init__(self) -> None:
        self.tokens = Tokens()
        self.cost = 0.0
        self.unpriced_tokens = 0
        self.models: dict[str, Total] = {}

    def __repr__(self) -> str:
        return (
            f"Total(tokens={self.tokens!r}, cost={self.cost!r}, "
            f"unpriced_tokens={self.unpriced_tokens!r}, models={self.models!r})"
        )

    def add(self, item: PricedSum, by_model: bool = True) -> None:
        self.tokens = self.tokens + item.tokens
        if item.cost is None:
            self.unpriced_tokens += item.tokens.total
        else:
            self.cost += item.cost
        if by_model:
            self.models.setdefault(item.model, Total()).add(item, by_model=False)

    def absorb(self, other: Total) -> None:
        """Add another total into this one, model by model."""
        self.tokens = self.tokens + other.tokens
        self.cost += other.cost
        self.unpriced_tokens += other.unpriced_tokens
        for model, part in other.models.items():
            self.models.setdefault(model, Total()).absorb(part)

    @property
    def priced(self) -> bool:
        return self.unpriced_tokens == 0

    def model_cost(self) -> float | None:
        """This total's cost, None when any of it is unpriced (for one model's breakdown row)."""
        return self.cost if self.priced else None


def priced_sums(
    ledger: Ledger,
    prices: PriceTable,
    ranges: Sequence[tuple[str, float, float]],
    group_by: Sequence[str] = (),
    session_ids: Sequence[str] | None = None,
) -> list[PricedSum]:
    """Sum tokens over labelled epoch ranges, grouped by `group_by` and model; price the sums."""
    if session_ids is None:
        rows = _rollup_sums(ledger, prices.breakpoints(), ranges, group_by)
    else:
        rows = ledger.session_sums(prices.breakpoints(), ranges, group_by, session_ids)
    width = len(group_by)
    rates_for = _RatesCache(prices)
    result: list[PricedSum] = []
    for row in rows:
        group = tuple(None if v is None else str(v) for v in row[1 : 1 + width])
        model, fast, long, era, at = row[1 + width : 6 + width]
        tokens = Tokens._make(row[6 + width :])
        rates = rates_for(model, fast, long, era, at)
        cost = None if rates is None else rates.cost(tokens)
        result.append(PricedSum(str(row[0]), group, str(model), tokens, cost))
    return result


class _RatesCache:
    """The rates of requests of one model, speed, long-context flag and price era (all the same,
    so the first request's time stands for all): looked up once per such key."""

    def __init__(self, prices: PriceTable) -> None:
        self._prices = prices
        self._known: dict[tuple[object, ...], Rates | None] = {}

    def __call__(
        self, model: object, fast: object, long: object, era: object, at: object
    ) -> Rates | None:
        key = (model, fast, long, era)
        if key in self._known:
            return self._known[key]
        price = self._prices.lookup(str(model))
        rates = (
            None
            if price is None
            else price.rates_for(
                speed=Speed.FAST if fast else Speed.STANDARD,
                long_request=bool(long),
                at=_number(at),
            )
        )
        self._known[key] = rates
        return rates


def _rollup_sums(
    ledger: Ledger,
    breakpoints: Sequence[float],
    ranges: Sequence[tuple[str, float, float]],
    group_by: Sequence[str],
) -> list[tuple[object, ...]]:
    """Rows of (label, *group, model, fast, long, era, first ts, *token sums): whole slots from
    the rollup, part-slots from the messages, summed together."""
    pieces = [
        (label, era, whole, lo, hi)
        for label, start, end in ranges
        for era, whole, lo, hi in _pieces(start, end, breakpoints)
    ]
    if not pieces:
        return []
    return ledger.piece_sums(pieces, group_by)


_FAR = 2**50
"""A slot number beyond any time (the ends of unbounded ranges); exact as a REAL."""


def _pieces(
    start: float, end: float, breakpoints: Sequence[float]
) -> list[tuple[int, bool, float, float]]:
    """[start, end) cut at the price breakpoints into (era, whole, lo, hi) pieces: whole slots
    [lo, hi) for the rollup, or epoch seconds [lo, hi) of part-slots for the messages."""
    out: list[tuple[int, bool, float, float]] = []
    cuts = [start, *(p for p in breakpoints if start < p < end), end]
    for a, b in itertools.pairwise(cuts):
        if not a < b:
            continue
        era = sum(1 for p in breakpoints if p <= a)
        first, last = _first_slot_from(a), _last_slot_until(b)
        if first >= last:  # no whole slot inside
            out.append((era, False, a, b))
            continue
        if math.isfinite(a) and a < first * SLOT_SECONDS:
            out.append((era, False, a, float(first * SLOT_SECONDS)))
        out.append((era, True, float(first), float(last)))
        if math.isfinite(b) and last * SLOT_SECONDS < b:
            out.append((era, False, float(last * SLOT_SECONDS), b))
    return out


def _first_slot_from(t: float) -> int:
    """The first slot starting at or after `t`."""
    if not math.isfinite(t):
        return -_FAR if t < 0 else _FAR
    k = max(-_FAR, min(_FAR, math.ceil(t / SLOT_SECONDS)))
    while k * SLOT_SECONDS < t and k < _FAR:
        k += 1
    while (k - 1) * SLOT_SECONDS >= t and k > -_FAR:
        k -= 1
    return k


def _last_slot_until(t: float) -> int:
    """The slot after the last whole slot ending at or before `t`."""
    if not math.isfinite(t):
        return -_FAR if t < 0 else _FAR
    k = max(-_FAR, min(_FAR, math.floor(t / SLOT_SECONDS)))
    while k * SLOT_SECONDS > t and k > -_FAR:
        k -= 1
    while (k + 1) * SLOT_SECONDS <= t and k < _FAR:
        k += 1
    return k


def day_ranges(first: date, last: date, tz: tzinfo) -> list[tuple[str, float, float]]:
    """One labelled range per local day, `YYYY-MM-DD` (23 or 25 hours long on DST days)."""
    return [
        (d.isoformat(), day_start(d, tz), day_start(d + timedelta(days=1), tz))
        for d in days(first, last)
    ]


def period_range(name: str, period: Period) -> tuple[str, float, float]:
    return (name, period.start, period.end)


def history_dates(ledger: Ledger, tz: tzinfo) -> tuple[date, date] | None:
    """The first and last local dates with any counted message dated plausibly.

    Range views (daily, weekly, monthly, export) span these dates: a stray row (one a ledger
    recorded before timestamps were checked at ingest) never stretches them over centuries.
    """
    bounds = ledger.time_bounds(EARLIEST, latest_plausible(time.time()))
    if bounds is None:
        return None
    return local_date(bounds[0], tz), local_date(bounds[1], tz)


def totals_by_label(sums: Sequence[PricedSum]) -> dict[str, Total]:
    out: dict[str, Total] = {}
    for item in sums:
        out.setdefault(item.label, Total()).add(item)
    return out


def totals_by_group(sums: Sequence[PricedSum], index: int = 0) -> dict[str | None, Total]:
    out: dict[str | None, Total] = {}
    for item in sums:
        out.setdefault(item.group[index], Total()).add(item)
    return out


def priced_buckets(
    ledger: Ledger,
    prices: PriceTable,
    start: float,
    end: float,
    bucket_seconds: int | None = None,
) -> list[Bucket]:
    """Token sums per aligned time bucket and model in [start, end), priced (with cache savings).

    For 15-minute buckets, the rollup's whole slots read in index order (no sorting), plus the
    messages of the part-slots at the ends: a report's days, hours, habits and blocks are all sums
    of these. `bucket_seconds`: the buckets' length, `core.trends.BUCKET_SECONDS` unless given
    (the trends are imported here: `today` and `status` never need them).
    """
    from claude_tray.core.trends import BUCKET_SECONDS, Bucket, cache_savings

    if bucket_seconds is None:
        bucket_seconds = BUCKET_SECONDS
    if bucket_seconds == SLOT_SECONDS:
        rows = _slot_rows(ledger, prices.breakpoints(), start, end)
    else:
        rows = _bucket_rows(ledger, prices.breakpoints(), start, end, bucket_seconds)
    rates_for = _RatesCache(prices)
    out: list[Bucket] = []
    for row in rows:
        rates = rates_for(*row[1:6])
        tokens = Tokens._make(row[8:13])
        out.append(
            Bucket(
                float(int(_number(row[0])) * bucket_seconds),
                str(row[1]),
                tokens,
                None if rates is None else rates.cost(tokens),
                0.0 if rates is None else cache_savings(rates, tokens),
                _number(row[5]),
                _number(row[6]),
                int(_number(row[7])),
            )
        )
    return out


def _slot_rows(
    ledger: Ledger, breakpoints: Sequence[float], start: float, end: float
) -> list[tuple[object, ...]]:
    """Rows of (slot, model, fast, long, era, first, last, count, *token sums) for [start, end),
    ordered by the first five, as one GROUP BY over all the messages would give them.

    A piece of one era holds each of its slots whole or not at all, and pieces do not overlap, so
    no group spans two pieces: their rows follow each other in time order, except in a slot cut by
    a price breakpoint, which two pieces share (their rows are sorted together then)."""
    rows: list[tuple[object, ...]] = []
    for era, whole, lo, hi in _pieces(start, end, breakpoints):
        if whole:
            rows += ledger.slot_sums(era, int(lo), int(hi))
        else:
            rows += ledger.part_slot_sums(era, lo, hi)
    if any(start < p < end and p % SLOT_SECONDS for p in breakpoints):
        rows.sort(key=lambda row: row[:5])
    return rows


def _bucket_rows(
    ledger: Ledger, breakpoints: Sequence[float], start: float, end: float, seconds: int
) -> list[tuple[object, ...]]:
    """The same rows for buckets of another length, straight from the messages."""
    return ledger.bucket_sums(breakpoints, start, end, seconds)


def _number(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def has_usage(ledger: Ledger) -> bool:
    """Whether the ledger holds any counted message at all."""
    return not ledger.is_empty()
