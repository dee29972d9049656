"""The numbers of the usage report, gathered from the ledger in two aggregate queries.

One query sums tokens per 15-minute bucket and model (`engine.usage.priced_buckets`): days, hours,
habits, models, budgets and cache savings are all sums of those buckets. The other sums them per
session (`report.groups.session_totals`, through `engine.usage.priced_sums`): projects, categories
and the costliest sessions. Runs on the caller's thread (the tray's engine thread, or the CLI's).

A year holds tens of thousands of buckets: they are summed per local day and model once, and the
views that need no finer time (days, models, totals, budgets) add up those few hundred instead.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from claude_tray.core.levels import BudgetLevel, budget_level
from claude_tray.core.periods import (
    Period,
    day_period,
    day_start,
    local_date,
    month_period,
    week_period,
)
from claude_tray.core.tokens import Tokens
from claude_tray.core.trends import (
    ROLLING_DAYS,
    Bucket,
    Change,
    DayTotal,
    HourTotal,
    Share,
    Sum,
    daily_totals,
    hour_of_day_costs,
    hours_of_day,
    model_mix,
    month_end_projection,
    peak_hours,
    rolling_average,
    shares,
    total,
    week_over_week,
    weekday_averages,
)
from claude_tray.engine.agreement import AgreementReport, compare
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.unrecorded import unrecorded_estimate
from claude_tray.engine.usage import has_usage, priced_buckets, priced_sums, totals_by_group
from claude_tray.engine.workspace import Workspace
from claude_tray.report.groups import SessionTotal, group_sessions, session_totals
from claude_tray.storage.state import read_all

TOP_SESSIONS = 10
AGREEMENT_SESSIONS = 10
"""The latest sessions the status line reported, compared with Claude Code's own figures."""
COMPARED_DAYS = 14
"""Week over week: the last 7 days against the 7 before."""


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    name: str
    period: Period
    spent: float
    budget: float | None
    level: BudgetLevel
    projection: float | None = None
    """The month's: its cost at the end if the last 7 full days' pace holds."""
    unpriced_tokens: int = 0
    """Tokens in the period that no price covers (left out of `spent`)."""


@dataclass(frozen=True, slots=True)
class ReportData:
    generated_at: float
    tz: tzinfo
    first: date
    last: date
    has_history: bool
    """False on an empty ledger: the report says there is no data yet."""
    days: list[DayTotal]
    rolling: list[float | None]
    """The 7-day average cost ending at each of `days`."""
    daily_budget: float | None
    today_hours: list[HourTotal]
    by_model: list[Share]
    by_project: list[Share]
    by_category: list[Share]
    """Empty when no session has a category."""
    by_machine: list[Share]
    """Per machine of the sync folder; empty while only this machine has usage."""
    budgets: list[BudgetStatus]
    weekdays: list[tuple[int, float]]
    """(weekday, mean cost) over the period's full days."""
    hour_profile: list[float]
    """Mean cost per day at each local hour, over the period."""
    peak_hours: list[int]
    top_sessions: list[SessionTotal]
    session_count: int
    totals: Sum
    daily_rate: float
    """The mean cost of the last 7 full days."""
    week_over_week: Change
    prices_as_of: str
    agreement: AgreementReport | None = None
    """Our figures beside Claude Code's own, for the sessions its status line reported lately."""
    unrecorded_estimate: float = 0.0
    """An ESTIMATE (USD) of the period's calls no transcript records (`core.unrecorded`); never
    in `totals`."""


def _machine_shares(workspace: Workspace, start: float, end: float) -> list[Share]:
    sums = priced_sums(workspace.ledger, workspace.prices, [("period", start, end)], ("machine",))
    totals = totals_by_group(sums)
    if set(totals) <= {""}:
        return []
    return shares(
        (workspace.machine_label(machine), _as_sum(t.cost, t.tokens, t.unpriced_tokens))
        for machine, t in totals.items()
    )


def gather(workspace: Workspace, clock: Clock, days: int) -> ReportData:
    """The report's numbers for the `days` local days ending today."""
    tz, config = clock.tz, workspace.config
    today = local_date(clock.now, tz)
    first = today - timedelta(days=days - 1)
    week = week_period(clock.now, tz, config.first_weekday)
    month = month_period(clock.now, tz)
    # read enough days before the period for a 7-day average on its first day, and for 14 days
    lookback = first - timedelta(days=max(ROLLING_DAYS - 1, COMPARED_DAYS - days))
    start = min(day_start(lookback, tz), week.start, month.start)
    period_start, end = day_start(first, tz), day_start(today + timedelta(days=1), tz)
    buckets = priced_buckets(workspace.ledger, workspace.prices, start, end)
    in_period = [b for b in buckets if period_start <= b.start < end]
    per_day = _per_day(buckets, tz)
    days_in_period = [b for b in per_day if period_start <= b.start < end]
    daily = daily_totals(per_day, lookback, today, tz)
    shown = daily[-days:]
    full_days = shown[:-1]
    rate = sum(d.cost for d in daily[-8:-1]) / 7
    sessions = session_totals(workspace, period_start, end)
    categories = group_sessions(sessions, "category")
    hours = hour_of_day_costs(in_period, tz)
    return ReportData(
        generated_at=clock.now,
        tz=tz,
        first=first,
        last=today,
        has_history=has_usage(workspace.ledger),
        days=shown,
        rolling=rolling_average([d.cost for d in daily])[-days:],
        daily_budget=config.budgets.daily,
        today_hours=hours_of_day(buckets, today, tz),
        by_model=model_mix(days_in_period),
        by_project=shares(
            (g.label, _as_sum(g.cost, g.tokens, g.unpriced_tokens))
            for g in group_sessions(sessions, "project")
        ),
        by_category=[]
        if all(s.category is None for s in sessions)
        else shares((g.label, _as_sum(g.cost, g.tokens, g.unpriced_tokens)) for g in categories),
        by_machine=_machine_shares(workspace, period_start, end),
        budgets=_budgets(workspace, clock, per_day, rate),
        weekdays=weekday_averages(full_days, int(config.first_weekday)) if full_days else [],
        hour_profile=[h / days for h in hours],
        peak_hours=peak_hours(hours),
        top_sessions=sessions[:TOP_SESSIONS],
        session_count=len(sessions),
        totals=total(days_in_period),
        daily_rate=rate,
        week_over_week=week_over_week(daily),
        prices_as_of=workspace.prices.as_of,
        agreement=_agreement(workspace),
        unrecorded_estimate=unrecorded_estimate(
            workspace.ledger, workspace.prices, [("period", period_start, end)]
        ).for_label("period"),
    )


def _agreement(workspace: Workspace) -> AgreementReport:
    records = read_all(workspace.paths)
    return compare(
        workspace.ledger,
        workspace.prices,
        {sid: record.facts() for sid, record in records.items()},
        limit=AGREEMENT_SESSIONS,
        transcripts={sid: record.transcript_path for sid, record in records.items()},
    )


def _per_day(buckets: Sequence[Bucket], tz: tzinfo) -> list[Bucket]:
    """The buckets summed per local day and model: one bucket per (day, model) starting at the
    day's local midnight. A sum over whole days of these is the sum of the buckets it replaces
    (one model is priced for all its buckets, or for none)."""
    if not buckets:
        return []
    first = local_date(min(b.start for b in buckets), tz)
    last = local_date(max(b.start for b in buckets), tz)
    starts = [day_start(first + timedelta(days=i), tz) for i in range((last - first).days + 2)]
    groups: dict[tuple[float, str], list[Bucket]] = {}
    for bucket in buckets:
        key = (starts[bisect_right(starts, bucket.start) - 1], bucket.model)
        group = groups.get(key)
        if group is None:
            groups[key] = [bucket]
        else:
            group.append(bucket)
    out = []
    for (start, model), group in groups.items():
        priced = group[0].cost is not None
        out.append(
            Bucket(
                start,
                model,
                Tokens._make(map(sum, zip(*(b.tokens for b in group), strict=True))),
                sum(b.cost or 0.0 for b in group) if priced else None,
                sum(b.cache_savings for b in group),
                min(b.first for b in group),
                max(b.last for b in group),
                sum(b.messages for b in group),
            )
        )
    return out


def _budgets(
    workspace: Workspace, clock: Clock, buckets: list[Bucket], rate: float
) -> list[BudgetStatus]:
    config = workspace.config
    periods = (
        ("Today", day_period(clock.now, clock.tz), config.budgets.daily),
        (
            "This week",
            week_period(clock.now, clock.tz, config.first_weekday),
            config.budgets.weekly,
        ),
        ("This month", month_period(clock.now, clock.tz), config.budgets.monthly),
    )
    out = []
    for name, period, budget in periods:
        summed = total(buckets, period.start, period.end)
        spent = summed.cost
        projection = None
        if name == "This month":
            projection = month_end_projection(spent, clock.now, period.end, rate)
        out.append(
            BudgetStatus(
                name,
                period,
                spent,
                budget,
                budget_level(spent, budget, config.budgets.alert_fraction),
                projection,
                summed.unpriced_tokens,
            )
        )
    return out


def _as_sum(cost: float, tokens: Tokens, unpriced: int) -> Sum:
    return Sum(tokens=tokens, cost=cost, unpriced_tokens=unpriced)
