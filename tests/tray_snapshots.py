"""Snapshots and view options for tray tests, built with the real core types (no engine needed)."""

from __future__ import annotations

from datetime import UTC

from claude_tray.core.context import ContextSource
from claude_tray.core.levels import BudgetLevel, Level, Thresholds, budget_level, level_for
from claude_tray.core.periods import day_period, month_period, week_period
from claude_tray.core.pricing import display_name
from claude_tray.core.snapshot import CostLine, PlanLimit, SessionState, Snapshot, Spend
from claude_tray.core.tokens import Tokens
from claude_tray.core.view import ViewOptions

NOW = 1_767_268_800.0
"""2026-01-01 12:00 UTC."""
ALERT_FRACTION = 0.8


def spend(
    name: str = "today",
    cost: float = 0.0,
    budget: float | None = None,
    by_model: tuple[CostLine, ...] = (),
    by_project: tuple[CostLine, ...] = (),
    unpriced_tokens: int = 0,
) -> Spend:
    period = {"today": day_period, "week": week_period, "month": month_period}[name](NOW, UTC)
    return Spend(
        name=name,
        period=period,
        tokens=Tokens(input=1000, output=100),
        cost=cost,
        unpriced_tokens=unpriced_tokens,
        budget=budget,
        level=budget_level(cost, budget, ALERT_FRACTION),
        by_model=by_model,
        by_project=by_project,
    )


def line(name: str, cost: float | None) -> CostLine:
    return CostLine(name, Tokens(input=10), cost)


def session(
    session_id: str = "11111111-aaaa-bbbb-cccc-000000000001",
    project: str | None = "/home/u/app",
    model: str | None = "claude-opus-4-5",
    percent: float | None = 72.0,
    source: ContextSource = ContextSource.STATUSLINE,
    cost: float = 2.5,
    since_reset: float = 1.2,
    paused: bool = False,
    window: int = 200_000,
    level: Level | None = None,
    gated: bool = True,
) -> SessionState:
    """A session; `paused` sets the pause mark, which holds it while `gated` (its gate runs)."""
    tokens = None if percent is None else round(percent * window / 100)
    return SessionState(
        session_id=session_id,
        project=project,
        model=model,
        model_name=display_name(model) if model else None,
        context_tokens=tokens,
        context_window=window,
        context_percent=percent,
        context_source=source,
        level=level_for(percent, Thresholds()) if level is None else level,
        last_activity=NOW - 60,
        cost=cost,
        unpriced_tokens=0,
        cost_since_reset=since_reset,
        pause_mark=paused,
        active=True,
        gated=gated,
    )


def limit(name: str, used: float, resets_in: float | None) -> PlanLimit:
    """A plan limit as the status line reported it a minute ago; `resets_in` seconds from NOW."""
    resets_at = None if resets_in is None else NOW + resets_in
    return PlanLimit(used, resets_at, NOW - 60, name)


def snapshot(
    *sessions: SessionState,
    today: Spend | None = None,
    week: Spend | None = None,
    month: Spend | None = None,
    data_found: bool = True,
    limits: tuple[PlanLimit, ...] = (),
) -> Snapshot:
    return Snapshot(
        taken_at=NOW,
        today=today or spend("today", 3.42, 10.0),
        week=week or spend("week", 20.0, 50.0),
        month=month or spend("month", 80.0, None),
        sessions=sessions,
        data_found=data_found,
        limits=limits,
    )


def options(
    show_percent: bool = True,
    paused_until: float | None = None,
    autostart: bool = False,
) -> ViewOptions:
    return ViewOptions(
        show_percent=show_percent,
        notifications_paused_until=paused_until,
        autostart_enabled=autostart,
        now=NOW,
        tz=UTC,
    )


__all__ = [
    "NOW",
    "BudgetLevel",
    "Level",
    "limit",
    "line",
    "options",
    "session",
    "snapshot",
    "spend",
]
