"""Trends and five-hour blocks from known buckets, by table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from claude_tray.core.blocks import five_hour_blocks
from claude_tray.core.pricing import Rates
from claude_tray.core.tokens import Tokens
from claude_tray.core.trends import (
    Bucket,
    DayTotal,
    cache_savings,
    daily_totals,
    group_stats,
    hour_of_day_costs,
    hours_of_day,
    model_mix,
    month_end_projection,
    peak_hours,
    percent_change,
    rolling_average,
    week_over_week,
    weekday_averages,
)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def bucket(
    start: str,
    cost: float | None,
    model: str = "claude-opus-4-5",
    tokens: int = 1000,
    first: str | None = None,
    last: str | None = None,
) -> Bucket:
    begin = at(start)
    return Bucket(
        begin,
        model,
        Tokens(input=tokens),
        cost,
        0.0,
        at(first) if first else begin,
        at(last) if last else begin,
        1,
    )


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        ([1, 2, 3, 4], 2, [None, 1.5, 2.5, 3.5]),
        ([7, 0, 0, 0, 0, 0, 0, 7], 7, [None] * 6 + [1.0, 1.0]),
        ([5], 1, [5.0]),
        ([], 7, []),
    ],
)
def test_rolling_average(values: list[float], window: int, expected: list[float | None]) -> None:
    assert rolling_average(values, window) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(110.0, 100.0, 10.0), (50.0, 100.0, -50.0), (5.0, 0.0, None), (0.0, 0.0, None)],
)
def test_percent_change(current: float, previous: float, expected: float | None) -> None:
    assert percent_change(current, previous) == (
        None if expected is None else pytest.approx(expected)
    )


def test_daily_totals_follow_the_local_calendar_and_fill_empty_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    buckets = [
        bucket("2026-11-19T23:30:00", 1.0),  # 20 Nov 00:30 in Berlin
        bucket("2026-11-19T22:45:00", 2.0),  # 19 Nov 23:45 in Berlin
        bucket("2026-11-22T10:00:00", None, model="mystery"),
    ]
    days = daily_totals(buckets, date(2026, 11, 19), date(2026, 11, 22), berlin)
    assert [(d.day.day, d.cost, d.unpriced_tokens) for d in days] == [
        (19, 2.0, 0),
        (20, 1.0, 0),
        (21, 0.0, 0),
        (22, 0.0, 1000),
    ]


def test_week_over_week_and_weekday_averages() -> None:
    days = [DayTotal(date(2026, 11, 2 + i), float(i), Tokens(), 0) for i in range(14)]  # Mon..
    change = week_over_week(days)
    assert (change.current, change.previous) == (sum(range(7, 14)), sum(range(7)))
    assert change.percent == pytest.approx((70 - 21) / 21 * 100)
    averages = dict(weekday_averages(days))
    assert averages[0] == 3.5  # Mondays: 0 and 7
    assert averages[6] == 9.5  # Sundays: 6 and 13
    assert [w for w, _ in weekday_averages(days, first_weekday=6)] == [6, 0, 1, 2, 3, 4, 5]


def test_hours_peaks_and_a_dst_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    buckets = [
        bucket("2026-10-25T08:00:00", 3.0),
        bucket("2026-10-25T08:15:00", 1.0),
        bucket("2026-10-25T13:30:00", 2.0),
    ]
    hours = hours_of_day(buckets, date(2026, 10, 25), berlin)
    assert len(hours) == 25  # clocks went back: a 25-hour day
    costs = {datetime.fromtimestamp(h.start, berlin).hour: h.cost for h in hours if h.cost}
    assert costs == {9: 4.0, 14: 2.0}  # UTC+1 after the change
    profile = hour_of_day_costs(buckets, berlin)
    assert peak_hours(profile) == [9, 14]
    assert peak_hours([0.0] * 24) == []
    assert peak_hours([1.0] * 24, count=2) == [0, 1]  # ties: the earlier hour


def test_model_mix_merges_ids_of_one_model_and_keeps_unpriced_apart() -> None:
    mix = model_mix(
        [
            bucket("2026-11-01T10:00:00", 3.0, "claude-opus-4-5-20251101", tokens=300),
            bucket("2026-11-01T10:15:00", 1.0, "claude-opus-4-5", tokens=100),
            bucket("2026-11-01T10:30:00", 1.0, "claude-haiku-4-5", tokens=400),
            bucket("2026-11-01T10:45:00", None, "mystery", tokens=200),
        ]
    )
    assert [(m.name, m.cost, m.tokens, m.unpriced_tokens) for m in mix] == [
        ("Opus 4.5", 4.0, 400, 0),
        ("Haiku 4.5", 1.0, 400, 0),
        ("mystery", 0.0, 200, 200),
    ]
    assert [round(m.cost_share, 3) for m in mix] == [0.8, 0.2, 0.0]
    assert [round(m.token_share, 3) for m in mix] == [0.4, 0.4, 0.2]


def test_cache_savings_is_the_price_gap_on_cache_reads() -> None:
    rates = Rates(5.0, 25.0, 6.25, 10.0, 0.5)
    assert cache_savings(rates, Tokens(input=99, cache_read=2_000_000)) == pytest.approx(9.0)


def test_month_end_projection_continues_at_the_daily_rate() -> None:
    now = at("2026-11-20T12:00:00")
    end = at("2026-12-01T00:00:00")
    assert month_end_projection(100.0, now, end, 10.0) == pytest.approx(100 + 10.5 * 10)
    assert month_end_projection(100.0, end + 5, end, 10.0) == 100.0


def test_group_stats() -> None:
    stats = group_stats("a", [(100, 1.0), (300, 5.0), (200, 3.0)])
    assert (stats.sessions, stats.tokens, stats.cost) == (3, 600, 9.0)
    assert (stats.average_tokens, stats.average_cost, stats.median_cost) == (200.0, 3.0, 3.0)
    assert group_stats("empty", []).average_cost == 0.0


@pytest.mark.parametrize(
    ("buckets", "expected"),
    [
        # one block: start at the hour of the first request, five hours long
        (
            [("10:15", "10:20", "10:25", 1.0), ("14:45", "14:50", "14:59", 2.0)],
            [("10:00", "15:00", 3.0)],
        ),
        # a request at the block's end starts the next one, at its own hour
        (
            [("10:15", "10:15", "10:15", 1.0), ("15:00", "15:10", "15:10", 2.0)],
            [("10:00", "15:00", 1.0), ("15:00", "20:00", 2.0)],
        ),
        # a long gap: the next block starts at the hour of the next request
        (
            [("01:00", "01:05", "01:05", 1.0), ("09:30", "09:40", "09:40", 4.0)],
            [("01:00", "06:00", 1.0), ("09:00", "14:00", 4.0)],
        ),
    ],
)
def test_five_hour_blocks(
    buckets: list[tuple[str, str, str, float]], expected: list[tuple[str, str, float]]
) -> None:
    day = "2026-11-20T"
    items = [bucket(day + s, cost, first=day + f, last=day + last) for s, f, last, cost in buckets]
    blocks = five_hour_blocks(items, now=at("2026-11-21T00:00:00"))
    assert [(b.start, b.end, b.cost) for b in blocks] == [
        (at(day + s), at(day + e), c) for s, e, c in expected
    ]
    assert not any(b.active for b in blocks)


def test_active_block_burn_rate_and_projection() -> None:
    day = "2026-11-20T"
    items = [
        bucket(day + "10:00", 1.0, first=day + "10:10", last=day + "10:10"),
        bucket(day + "11:00", 2.0, first=day + "11:10", last=day + "11:10"),
    ]
    (block,) = five_hour_blocks(items, now=at(day + "12:00"))
    assert block.active
    assert block.burn_rate == pytest.approx(3.0)  # $3 between 10:10 and 11:10
    assert block.projected_cost == pytest.approx(3.0 + 3.0 * 3)  # three hours left
    (short,) = five_hour_blocks(items[:1], now=at(day + "10:11"))
    assert short.burn_rate is None and short.projected_cost == 1.0
