"""Token sums from the ledger, priced: the reports every view is made of.

SQL sums tokens per (range, grouping columns, model, speed, long-context flag, price era); each such
group shares one price, so pricing a sum is exact. The price itself comes from `core.pricing`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from claude_tray.core.periods import Period, day_start, days, local_date
from claude_tray.core.pricing import PriceTable
from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens
from claude_tray.core.trends import BUCKET_SECONDS, Bucket, cache_savings
from claude_tray.storage.ledger import Ledger

GROUP_COLUMNS = ("session", "project")
"""Columns a report may group by, besides the range label and the model (always grouped)."""


@dataclass(frozen=True, slots=True)
class PricedSum:
    """Tokens of requests sharing a range label, grouping values and model, with their cost."""

    label: str
    group: tuple[str | None, ...]
    model: str
    tokens: Tokens
    cost: float | None
    """None when the model is unpriced."""


@dataclass(slots=True)
class Total:
    """A running total of priced sums: priced cost, and the tokens no price covers."""

    tokens: Tokens = field(default_factory=Tokens)
    cost: float = 0.0
    unpriced_tokens: int = 0
    models: dict[str, Total] = field(default_factory=dict)

    def add(self, item: PricedSum, by_model: bool = True) -> None:
        self.tokens = self.tokens + item.tokens
        if item.cost is None:
            self.unpriced_tokens += item.tokens.total
        else:
            self.cost += item.cost
        if by_model:
            self.models.setdefault(item.model, Total()).add(item, by_model=False)

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
    for column in group_by:
        if column not in GROUP_COLUMNS:
            raise ValueError(f"cannot group by {column!r}")
    breakpoints = prices.breakpoints()
    era = " + ".join(f"(m.ts >= {point!r})" for point in breakpoints) or "0"
    columns = "".join(f"m.{c}, " for c in group_by)
    where = ""
    params: list[object] = []
    if session_ids is not None:
        where = f"WHERE m.session IN ({','.join('?' * len(session_ids))})"
        params.extend(session_ids)
    sql = f"""
        SELECT r.label, {columns} m.model, m.fast, m.long, {era} AS era, min(m.ts),
               sum(m.input), sum(m.output), sum(m.cache_write_5m), sum(m.cache_write_1h),
               sum(m.cache_read)
        FROM temp.ranges r JOIN messages m ON m.ts >= r.start AND m.ts < r.end
        {where}
        GROUP BY r.label, {columns} m.model, m.fast, m.long, era
    """
    width = len(group_by)
    result: list[PricedSum] = []
    with ledger.temporary_ranges(ranges):
        rows = ledger.query(sql, params)
    for row in rows:
        label = str(row[0])
        group = tuple(None if v is None else str(v) for v in row[1 : 1 + width])
        model, fast, long, _era, at = row[1 + width : 6 + width]
        tokens = Tokens(*(int(v) for v in row[6 + width :]))  # type: ignore[call-overload]
        price = prices.lookup(str(model))
        cost = (
            None
            if price is None
            else price.cost(
                tokens,
                speed=Speed.FAST if fast else Speed.STANDARD,
                long_request=bool(long),
                at=float(at),  # type: ignore[arg-type]
            )
        )
        result.append(PricedSum(label, group, str(model), tokens, cost))
    return result


def day_ranges(first: date, last: date, tz: tzinfo) -> list[tuple[str, float, float]]:
    """One labelled range per local day, `YYYY-MM-DD` (23 or 25 hours long on DST days)."""
    return [
        (d.isoformat(), day_start(d, tz), day_start(d + timedelta(days=1), tz))
        for d in days(first, last)
    ]


def period_range(name: str, period: Period) -> tuple[str, float, float]:
    return (name, period.start, period.end)


def history_dates(ledger: Ledger, tz: tzinfo) -> tuple[date, date] | None:
    """The first and last local dates with any counted message."""
    # Two queries: SQLite answers each of min() and max() from the index, but not both at once.
    (first,) = ledger.query("SELECT min(ts) FROM messages")[0]
    (last,) = ledger.query("SELECT max(ts) FROM messages")[0]
    if first is None or last is None:
        return None
    return local_date(float(first), tz), local_date(float(last), tz)  # type: ignore[arg-type]


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
    bucket_seconds: int = BUCKET_SECONDS,
) -> list[Bucket]:
    """Token sums per aligned time bucket and model in [start, end), priced (with cache savings).

    One GROUP BY over the ts index: a report's days, hours, habits and blocks are all sums of these.
    """
    era = " + ".join(f"(ts >= {point!r})" for point in prices.breakpoints()) or "0"
    sql = f"""
        SELECT CAST(ts / ? AS INTEGER) AS bucket, model, fast, long, {era} AS era,
               min(ts), max(ts), count(*), sum(input), sum(output), sum(cache_write_5m),
               sum(cache_write_1h), sum(cache_read)
        FROM messages WHERE ts >= ? AND ts < ?
        GROUP BY bucket, model, fast, long, era
    """
    lookup = functools.lru_cache(maxsize=None)(prices.lookup)
    out: list[Bucket] = []
    for row in ledger.query(sql, (bucket_seconds, start, end)):
        bucket = int(_number(row[0]))
        first, last, messages, *sums = map(_number, row[5:])
        tokens = Tokens(*(int(v) for v in sums))
        model, speed, long = str(row[1]), Speed.FAST if row[2] else Speed.STANDARD, bool(row[3])
        price = lookup(model)
        cost, savings = None, 0.0
        if price is not None:
            rates = price.rates_for(speed=speed, long_request=long, at=first)
            cost = price.cost(tokens, speed=speed, long_request=long, at=first)
            savings = cache_savings(rates, tokens)
        out.append(
            Bucket(
                float(bucket * bucket_seconds),
                model,
                tokens,
                cost,
                savings,
                first,
                last,
                int(messages),
            )
        )
    return out


def _number(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def has_usage(ledger: Ledger) -> bool:
    """Whether the ledger holds any counted message at all."""
    return bool(ledger.query("SELECT EXISTS (SELECT 1 FROM messages)")[0][0])
