"""Usage over time: daily totals, rolling averages, weekday and hour habits, model mix, projections.

Pure functions over `Bucket`s: priced token sums of one model in one short, aligned slice of time
(15 minutes by default, so every local midnight and hour of every timezone falls on a boundary).
The engine makes the buckets with one SQL aggregate; everything here is arithmetic on them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from claude_tray.core.periods import day_start, days, local_date
from claude_tray.core.pricing import PER_MILLION, Rates, display_name
from claude_tray.core.tokens import Tokens

BUCKET_SECONDS = 900
"""Every timezone offset in use is a multiple of 15 minutes."""

ROLLING_DAYS = 7


@dataclass(frozen=True, slots=True)
class Bucket:
    """Requests of one model in [start, start + length), priced."""

    start: float
    model: str
    tokens: Tokens
    cost: float | None
    """None when the model is unpriced."""
    cache_savings: float
    """What the cache reads would have cost more at the full input price (0 when unpriced)."""
    first: float
    last: float
    """Times of the first and last request in the bucket."""
    messages: int


def cache_savings(rates: Rates, tokens: Tokens) -> float:
    """What `tokens.cache_read` saved against paying the full input price for them."""
    return tokens.cache_read * (rates.input - rates.cache_read) / PER_MILLION


@dataclass(slots=True)
class Sum:
    """A running sum of buckets: priced cost, tokens, and the tokens no price covers."""

    tokens: Tokens = field(default_factory=Tokens)
    cost: float = 0.0
    unpriced_tokens: int = 0
    cache_savings: float = 0.0
    messages: int = 0

    def add(self, bucket: Bucket) -> None:
        self.tokens = self.tokens + bucket.tokens
        if bucket.cost is None:
            self.unpriced_tokens += bucket.tokens.total
        else:
            self.cost += bucket.cost
        self.cache_savings += bucket.cache_savings
        self.messages += bucket.messages


def total(buckets: Iterable[Bucket], start: float = -math.inf, end: float = math.inf) -> Sum:
    """The sum of the buckets that start in [start, end)."""
    out = Sum()
    for bucket in buckets:
        if start <= bucket.start < end:
            out.add(bucket)
    return out


# -- days ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayTotal:
    day: date
    cost: float
    tokens: Tokens
    unpriced_tokens: int


def daily_totals(buckets: Iterable[Bucket], first: date, last: date, tz: tzinfo) -> list[DayTotal]:
    """One total per local day from `first` to `last`, days without usage included as zero."""
    sums = {day: Sum() for day in days(first, last)}
    for bucket in buckets:
        into = sums.get(local_date(bucket.start, tz))
        if into is not None:
            into.add(bucket)
    return [DayTotal(day, s.cost, s.tokens, s.unpriced_tokens) for day, s in sums.items()]


def rolling_average(values: Sequence[float], window: int = ROLLING_DAYS) -> list[float | None]:
    """The mean of each value and the `window - 1` before it; None where fewer are known."""
    out: list[float | None] = []
    running = 0.0
    for i, value in enumerate(values):
        running += value
        if i >= window:
            running -= values[i - window]
        out.append(running / window if i >= window - 1 else None)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    current: float
    previous: float

    @property
    def percent(self) -> float | None:
        """The change in percent of `previous`; None when there is nothing to compare with."""
        return percent_change(self.current, self.previous)


def percent_change(current: float, previous: float) -> float | None:
    if previous <= 0:
        return None
    return (current - previous) / previous * 100.0


def week_over_week(daily: Sequence[DayTotal]) -> Change:
    """The cost of the last 7 days against the 7 days before them."""
    return Change(sum(d.cost for d in daily[-7:]), sum(d.cost for d in daily[-14:-7]))


def weekday_averages(daily: Sequence[DayTotal], first_weekday: int = 0) -> list[tuple[int, float]]:
    """(weekday, mean cost per such day) for each weekday, starting at `first_weekday` (0 = Monday).
    Days without usage count as zero: this is what a typical Monday costs."""
    costs: dict[int, list[float]] = {w: [] for w in range(7)}
    for day in daily:
        costs[day.day.weekday()].append(day.cost)
    order = [(first_weekday + i) % 7 for i in range(7)]
    from statistics import fmean  # here: `statistics` pulls in `random`, `fractions`, `decimal`

    return [(w, fmean(costs[w]) if costs[w] else 0.0) for w in order]


# -- hours -----------------------------------------------------------------------------------


def hour_of_day_costs(buckets: Iterable[Bucket], tz: tzinfo) -> list[float]:
    """Cost by local hour of the day (0-23), summed over all the buckets given."""
    hours = [0.0] * 24
    for bucket in buckets:
        if bucket.cost:
            hours[datetime.fromtimestamp(bucket.start, tz).hour] += bucket.cost
    return hours


def peak_hours(hours: Sequence[float], count: int = 3) -> list[int]:
    """The hours with the highest cost, highest first (ties: the earlier hour); none at zero."""
    ranked = sorted((h for h in range(len(hours)) if hours[h] > 0), key=lambda h: (-hours[h], h))
    return ranked[:count]


@dataclass(frozen=True, slots=True)
class HourTotal:
    start: float
    """Epoch seconds of the hour's start; its local clock hour is the label."""
    cost: float
    tokens: Tokens


def hours_of_day(buckets: Iterable[Bucket], day: date, tz: tzinfo) -> list[HourTotal]:
    """Each hour of one local day (23 or 25 on DST days), with its cost."""
    start = day_start(day, tz)
    end = day_start(day + timedelta(days=1), tz)
    count = round((end - start) / 3600)
    sums = [Sum() for _ in range(count)]
    for bucket in buckets:
        if start <= bucket.start < end:
            sums[min(int((bucket.start - start) // 3600), count - 1)].add(bucket)
    return [HourTotal(start + i * 3600, s.cost, s.tokens) for i, s in enumerate(sums)]


# -- models, projections, comparisons -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Share:
    """One line of a breakdown with its share of the whole."""

    name: str
    cost: float
    tokens: int
    unpriced_tokens: int
    cost_share: float
    """Fraction (0-1) of the priced cost."""
    token_share: float


def shares(totals: Iterable[tuple[str, Sum]]) -> list[Share]:
    """Lines with their shares of cost and tokens, largest cost first (then most tokens)."""
    items = list(totals)
    cost = sum(s.cost for _, s in items)
    tokens = sum(s.tokens.total for _, s in items)
    lines = [
        Share(
            name,
            s.cost,
            s.tokens.total,
            s.unpriced_tokens,
            s.cost / cost if cost else 0.0,
            s.tokens.total / tokens if tokens else 0.0,
        )
        for name, s in items
    ]
    return sorted(lines, key=lambda line: (-line.cost, -line.tokens, line.name))


def model_mix(buckets: Iterable[Bucket]) -> list[Share]:
    """Cost and tokens by model (dated ids and aliases of one model merged under its name)."""
    sums: dict[str, Sum] = {}
    names: dict[str, str] = {}
    for bucket in buckets:
        name = names.get(bucket.model)
        if name is None:
            name = names[bucket.model] = display_name(bucket.model)
        sums.setdefault(name, Sum()).add(bucket)
    return shares(sums.items())


def month_end_projection(spent: float, now: float, month_end: float, daily_rate: float) -> float:
    """The month's cost if the rest of it goes at `daily_rate` (e.g. the last 7 days' average)."""
    return spent + max(0.0, month_end - now) / 86400.0 * daily_rate


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Sessions of one group in a comparison (before/after a date, one tag)."""

    name: str
    sessions: int
    tokens: int
    cost: float
    average_tokens: float
    average_cost: float
    median_cost: float


def group_stats(name: str, sessions: Sequence[tuple[int, float]]) -> GroupStats:
    """`sessions`: (total tokens, cost) of each session of the group."""
    tokens = sum(t for t, _ in sessions)
    cost = sum(c for _, c in sessions)
    n = len(sessions)
    from statistics import median

    return GroupStats(
        name,
        n,
        tokens,
        cost,
        tokens / n if n else 0.0,
        cost / n if n else 0.0,
        median(c for _, c in sessions) if n else 0.0,
    )
