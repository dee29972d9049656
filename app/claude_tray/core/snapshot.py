"""The state of things at one moment, as the tray, the CLI's `status` and the hooks see it.

The engine builds a `Snapshot`; every sink only reads it. Nothing here is computed twice: costs
come from `pricing`, percentages from `context`, levels from `levels`.

The types are named tuples (a changed copy is `_replace(...)`), not frozen dataclasses: every CLI
run loads this module, and making a dataclass compiles its methods at import (~1 ms each here).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any, NamedTuple

from claude_tray.core.context import ContextSource
from claude_tray.core.levels import BudgetLevel, Level
from claude_tray.core.names import PeriodName
from claude_tray.core.periods import Period
from claude_tray.core.tokens import Tokens


def project_name(project: str | None) -> str:
    """The last part of a project directory (`/home/u/app` → `app`), for menus and titles."""
    if not project:
        return "unknown project"
    trimmed = project.rstrip("/\\")
    return posixpath.basename(trimmed.replace("\\", "/")) or trimmed or project


class SessionState(NamedTuple):
    session_id: str
    project: str | None
    model: str | None
    model_name: str | None
    context_tokens: int | None
    context_window: int
    context_percent: float | None
    context_source: ContextSource
    level: Level
    last_activity: float
    cost: float
    """Priced cost of the session's counted messages (unpriced models excluded, see `unpriced`)."""
    unpriced_tokens: int
    cost_since_reset: float
    pause_mark: bool
    """The auto-pause rule marked the session (its state file): its context reached the pause
    level. Whether that stops anything is `paused`."""
    active: bool
    unpriced_since_reset: int = 0
    """Tokens since the last reset that no price covers (left out of `cost_since_reset`)."""
    claude_code_cost: float | None = None
    """Claude Code's own cost figure of the session (status line), None when never seen."""
    claude_code_context_percent: float | None = None
    """Claude Code's own context percentage (status line), None when never seen."""
    gated: bool = False
    """Our hooks report events for this session and `[auto_pause] enforce` is on: the gate hook
    runs where it runs and refuses a prompt while the pause mark is set."""
    cost_complete: bool = True
    """False while the history before today is still being read and the session has lines
    from before then: its cost may still change (older files, copies credited elsewhere)."""
    machine: str = ""
    """The machine of the sync folder it runs on; '' for this one. Another machine's session is
    shown, but its level, alerts and pause belong to the tray where it runs."""

    @property
    def project_name(self) -> str:
        return project_name(self.project)

    @property
    def paused(self) -> bool:
        """A pause really holds the session: the mark is set and the gate obeys it. What the
        icon, tooltip, menu, CLI and `--json` call "paused" (the one definition)."""
        return self.pause_mark and self.gated

    @property
    def pause_unheld(self) -> bool:
        """The session reached the pause level, but nothing stops it (no gate hook runs there,
        or `[auto_pause] enforce` is off): shown as the level, never as "paused"."""
        return self.pause_mark and not self.gated


class CostLine(NamedTuple):
    """One row of a breakdown (a model, a project): `cost` None when the model is unpriced."""

    name: str
    tokens: Tokens
    cost: float | None


class _SpendFields(NamedTuple):
    name: PeriodName
    period: Period
    tokens: Tokens
    cost: float
    unpriced_tokens: int
    budget: float | None
    level: BudgetLevel
    by_model: tuple[CostLine, ...] = ()
    by_project: tuple[CostLine, ...] = ()
    unrecorded_estimate: float = 0.0
    """An ESTIMATE (USD) of the calls no transcript records (`core.unrecorded`); never in `cost`."""
    by_machine: tuple[CostLine, ...] = ()
    """Per machine of the sync folder; empty while only this machine has usage in the period."""


class Spend(_SpendFields):
    """What one period (today, this week, this month) cost so far, against its budget."""

    __slots__ = ()

    def __new__(cls, name: str, *args: Any, **kwargs: Any) -> Spend:
        return super().__new__(cls, PeriodName(name), *args, **kwargs)  # from a plain string too


class PlanLimit(NamedTuple):
    """One of Claude Code's plan usage limits (five-hour, seven-day) as its status line reported
    it (Pro/Max plans, Claude Code 2.1.80+)."""

    used_percent: float
    resets_at: float | None
    reported_at: float | None
    name: str = ""
    """`five_hour` or `seven_day` (`PLAN_LIMIT_NAMES`); set by `plan_limits` (in `LiveFacts` the
    field a limit is in names it)."""


PLAN_LIMIT_NAMES = ("five_hour", "seven_day")


class Snapshot(NamedTuple):
    taken_at: float
    today: Spend
    week: Spend
    month: Spend
    sessions: tuple[SessionState, ...]
    """Active sessions, most urgent first (level, then percentage, then latest activity)."""
    data_found: bool
    """False when no Claude data root exists: the tray shows its error look."""
    limits: tuple[PlanLimit, ...] = ()
    """Claude Code's plan usage limits as its status line last reported them (`plan_limits`);
    empty when it reports none (no Pro/Max plan, an older Claude Code, no status line)."""
    complete_since: float | None = None
    """While the history is still being read (today first, then the rest): the ledger holds
    every line from this moment on. Today and the live sessions are exact; a period that starts
    earlier (the week, the month) is not yet complete (`is_complete`). None when all is read."""
    history_read: float | None = None
    """How much of the history is read, 0..1, while the rest is being read; None when all is."""

    def is_complete(self, spend: Spend) -> bool:
        """Whether the ledger already holds every line of `spend`'s period."""
        return self.complete_since is None or spend.period.start >= self.complete_since

    @property
    def level(self) -> Level:
        """The worst of the active sessions' levels and the budgets' levels on the one scale."""
        levels = [s.level for s in self.sessions if not s.machine]
        levels += [spend.level.on_scale for spend in (self.today, self.week, self.month)]
        return max(levels, default=Level.OK)

    @property
    def most_urgent(self) -> SessionState | None:
        return self.sessions[0] if self.sessions else None

    @property
    def budget_level(self) -> BudgetLevel:
        return max(spend.level for spend in (self.today, self.week, self.month))


def urgency_order(session: SessionState) -> tuple[bool, int, float, float]:
    """Sort key: most urgent first; this machine's sessions before other machines'."""
    return (
        bool(session.machine),
        -session.level,
        -(session.context_percent or 0.0),
        -session.last_activity,
    )


def plan_limits(facts: Iterable[LiveFacts], now: float) -> tuple[PlanLimit, ...]:
    """The newest report of each plan limit across sessions, named and in `PLAN_LIMIT_NAMES`
    order; a limit whose window has reset since it was reported is left out (its use is
    unknown: nothing is guessed)."""
    newest: dict[str, PlanLimit] = {}
    for fact in facts:
        for name, limit in zip(PLAN_LIMIT_NAMES, (fact.five_hour, fact.seven_day), strict=True):
            if limit is None or (limit.resets_at is not None and limit.resets_at <= now):
                continue
            known = newest.get(name)
            if known is None or (limit.reported_at or 0.0) > (known.reported_at or 0.0):
                newest[name] = limit
    return tuple(newest[name]._replace(name=name) for name in PLAN_LIMIT_NAMES if name in newest)


class LiveFacts(NamedTuple):
    """What our hooks, status line and tray recorded of a session in the app's state (all optional).

    The engine lays these over what the transcript says: an exact window and percentage from the
    status line, the session's start and end, and the pause and reset marks.
    """

    context_window: int | None = None
    context_tokens: int | None = None
    context_percent: float | None = None
    context_at: float | None = None
    """When the status line reported the figures above."""
    model: str | None = None
    project: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    last_event_at: float | None = None
    paused: bool = False
    reset_at: float | None = None
    five_hour: PlanLimit | None = None
    seven_day: PlanLimit | None = None
    claude_code_cost: float | None = None
    """Claude Code's own running cost estimate of the session (`cost.total_cost_usd`), as the
    status line last reported it (at `context_at`)."""
    claude_code_version: str | None = None


HOOKED_SESSION_MAX_IDLE = 12 * 3600.0
"""A session our hooks saw start but never end (Claude Code killed) stops counting as active
after this long without any sign of life."""


def last_seen(facts: LiveFacts) -> float:
    """When our hooks or status line last saw the session (0.0: never)."""
    return max(
        (t for t in (facts.started_at, facts.last_event_at, facts.context_at) if t is not None),
        default=0.0,
    )


def is_active(last_activity: float, facts: LiveFacts | None, now: float, window: float) -> bool:
    """Active: between SessionStart and SessionEnd when the hooks say so, else recent activity."""
    latest = max(last_activity, (facts.last_event_at or 0.0) if facts else 0.0)
    if facts is not None and facts.ended_at is not None and facts.ended_at >= latest - 1.0:
        return False
    if facts is not None and facts.started_at is not None:
        return now - latest <= max(window, HOOKED_SESSION_MAX_IDLE)
    return now - latest <= window
