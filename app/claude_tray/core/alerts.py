"""Which notifications to send for a snapshot, and what they say (pure; the clock is passed in).

Rules (never a flood):

- Sessions: each of caution, warning, pause and critical fires once per session when first
  reached. A level re-arms only after the context fell below its start by `rearm_margin` points
  (a /compact). A climb seen step by step (72%, then 87%, then 92%) sends one notification per
  level; a jump seen in one snapshot (50% → 92%) sends one, for the highest level reached, and
  counts the levels it jumped over as notified (a late "caution" after "auto-paused" is noise).
- A reset ("Reset session") re-arms the session's levels above the one it was reset at.
- Budgets (today, this week, this month): `alert` at the alert fraction and `over` when exceeded,
  each once per period; a change of the budget amount starts afresh. A jump straight past the
  budget sends only `over`.
- Plan limits (Claude Code's five-hour and seven-day usage, when its status line reports them):
  each configured threshold (`[limits] notify`, 80% and 95% by default) once per limit window; a
  window is the limit's name and its reset time, so the next window re-arms them all. A jump past
  several thresholds sends one notification, for the highest. Absent limits notify nothing.
- Unreadable data: once, when a full pass first finds it; re-armed by a readable full pass.
- Paused notifications ("Pause notifications" in the menu, or `[tray] notifications = false`):
  decisions go on as usual, alerts are recorded as notified but not sent. They are dropped, not
  queued: when the pause ends nothing is sent for what happened meanwhile, and a level reached
  during the pause does not fire later (the icon and the menu showed it all along).

Every rule is the same latch (`fire_once`): the steps reached and not yet fired fire together, as
one notification for the highest; a step re-arms only as its rule says (`rearm`; for budgets and
limits, a new period or window starts afresh). `AlertMemory` is everything remembered between
snapshots and across restarts (its file format is `storage.tray_state`'s); `core.notices` words
the notifications.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import TypeVar

from claude_tray.core.levels import BudgetLevel, Level, Thresholds
from claude_tray.core.notices import (
    Notice,
    budget_notice,
    data_notice,
    limit_notice,
    session_notice,
)
from claude_tray.core.snapshot import PlanLimit, SessionState, Snapshot, Spend

SESSION_LEVELS = (Level.CAUTION, Level.WARNING, Level.PAUSE, Level.CRITICAL)
BUDGET_LEVELS = (BudgetLevel.ALERT, BudgetLevel.OVER)
SESSION_LABELS = tuple(lv.label for lv in SESSION_LEVELS)
BUDGET_LABELS = tuple(lv.label for lv in BUDGET_LEVELS)
FORGET_AFTER = 14 * 86400.0
"""A session not seen active for this long is forgotten (memory stays flat)."""
LIMIT_WINDOW_SLACK = 60.0
"""Reset times of one limit this close together are the same window (a report may round)."""
SEEN_STEP = 3600.0
"""`seen_at` moves on in steps this long, so the memory (and its file) changes only when needed."""


# --- memory -----------------------------------------------------------------------------------


@dataclass
class SessionAlerts:
    fired: list[str] = field(default_factory=list)
    """Labels of the levels notified (or suppressed) and not re-armed since."""
    seen_at: float = 0.0
    """When the session was last in a snapshot (for forgetting old ones)."""
    reset_at: float | None = None
    """The latest reset whose re-arming was applied."""


@dataclass
class BudgetAlerts:
    period: str
    """The period's first day (ISO date): a new period starts afresh."""
    budget: float
    fired: list[str] = field(default_factory=list)


@dataclass
class LimitAlerts:
    resets_at: float | None
    """The window's reset time as reported (None when Claude Code did not say)."""
    fired: list[float] = field(default_factory=list)
    """The thresholds (percent) notified (or suppressed) in this window."""


@dataclass
class AlertMemory:
    sessions: dict[str, SessionAlerts] = field(default_factory=dict)
    budgets: dict[str, BudgetAlerts] = field(default_factory=dict)
    """By spend name: "today", "week", "month"."""
    data_problem_notified: bool = False
    quiet_until: float | None = None
    """Notifications paused until this moment (epoch seconds); None when not paused."""
    limits: dict[str, LimitAlerts] = field(default_factory=dict)
    """By plan limit name: "five_hour", "seven_day"."""

    def quiet(self, now: float) -> bool:
        return self.quiet_until is not None and now < self.quiet_until


# --- the latch --------------------------------------------------------------------------------

Step = TypeVar("Step", str, float)


def fire_once(
    fired: Sequence[Step], reached: Iterable[Step], order: Sequence[Step]
) -> tuple[list[Step], Step | None]:
    """The one fire-once latch: of the steps `reached`, those not `fired` yet fire now, together,
    as one notice for the highest (in `order`). Returns the steps fired after it (in `order`)
    and the one to notify (None: nothing new)."""
    new = [step for step in reached if step not in fired]
    if not new:
        return list(fired), None
    now_fired = set(fired) | set(new)
    return [step for step in order if step in now_fired], max(new, key=order.index)


def rearm(fired: Sequence[Step], still_fired: Callable[[Step], bool]) -> list[Step]:
    """The fired steps that stay fired (the others may fire again)."""
    return [step for step in fired if still_fired(step)]


# --- decisions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertRules:
    thresholds: Thresholds
    rearm_margin: float
    enabled: bool = True
    """`[tray] notifications`: False records alerts without sending them."""
    pause_enforced: bool = True
    """`[auto_pause] enforce`: only changes the words of the pause notification."""
    limit_thresholds: tuple[float, ...] = (80.0, 95.0)
    """`[limits] notify`: the plan-limit percentages that notify."""
    tz: tzinfo = UTC
    """The timezone the notification texts give times in (a limit's reset)."""


@dataclass(frozen=True, slots=True)
class Decision:
    memory: AlertMemory
    send: tuple[Notice, ...]
    suppressed: tuple[Notice, ...]
    """Recorded as notified but not sent (notifications paused or off)."""


def decide(
    memory: AlertMemory,
    snapshot: Snapshot,
    rules: AlertRules,
    now: float,
    data_problem: str | None = None,
    full_pass: bool = True,
) -> Decision:
    """The notifications `snapshot` calls for, and the memory after them (`memory` is not changed).

    `data_problem` says why Claude Code's data cannot be read (None: readable); it is only judged
    on a `full_pass`, as a partial pass looks at a few files only.
    """
    memory = copy.deepcopy(memory)
    if memory.quiet_until is not None and now >= memory.quiet_until:
        memory.quiet_until = None
    notices: list[Notice] = []
    for session in snapshot.sessions:
        if not session.machine:  # another machine's tray speaks for its sessions
            notices += _session_notices(memory, session, rules, now)
    _forget_old_sessions(memory, now)
    for spend in (snapshot.today, snapshot.week, snapshot.month):
        notices += _budget_notices(memory, spend)
    for limit in snapshot.limits:
        notices += _limit_notices(memory, limit, rules, now)
    _forget_old_limits(memory, now)
    if full_pass:
        notices += _data_notices(memory, data_problem)
    if rules.enabled and not memory.quiet(now):
        return Decision(memory, tuple(notices), ())
    return Decision(memory, (), tuple(notices))


def acknowledge_reset(
    memory: AlertMemory, session_id: str, level: Level, reset_at: float
) -> AlertMemory:
    """After a reset at `level`: the session's levels above it are armed again."""
    memory = copy.deepcopy(memory)
    alerts = memory.sessions.setdefault(session_id, SessionAlerts(seen_at=reset_at))
    if alerts.reset_at is not None and alerts.reset_at >= reset_at:
        return memory
    above = {lv.label for lv in SESSION_LEVELS if lv > level}
    alerts.fired = [label for label in alerts.fired if label not in above]
    alerts.reset_at = reset_at
    return memory


def pause_notifications(memory: AlertMemory, until: float | None) -> AlertMemory:
    memory = copy.deepcopy(memory)
    memory.quiet_until = until
    return memory


def _session_notices(
    memory: AlertMemory, session: SessionState, rules: AlertRules, now: float
) -> list[Notice]:
    alerts = memory.sessions.setdefault(session.session_id, SessionAlerts())
    if now - alerts.seen_at >= SEEN_STEP:
        alerts.seen_at = now
    pct = session.context_percent
    if pct is not None:
        alerts.fired = rearm(
            alerts.fired,
            lambda label: (
                pct >= rules.thresholds.start_of(Level[label.upper()]) - rules.rearm_margin
            ),
        )
    reached = [lv.label for lv in SESSION_LEVELS if lv <= session.level]
    alerts.fired, top = fire_once(alerts.fired, reached, SESSION_LABELS)
    return [] if top is None else [session_notice(session, Level[top.upper()], rules)]


def _forget_old_sessions(memory: AlertMemory, now: float) -> None:
    for sid in [sid for sid, a in memory.sessions.items() if a.seen_at < now - FORGET_AFTER]:
        del memory.sessions[sid]


def _budget_notices(memory: AlertMemory, spend: Spend) -> list[Notice]:
    if spend.budget is None:
        memory.budgets.pop(spend.name, None)
        return []
    period = spend.period.first.isoformat()
    alerts = memory.budgets.get(spend.name)
    if alerts is None or alerts.period != period or alerts.budget != spend.budget:
        alerts = memory.budgets[spend.name] = BudgetAlerts(period, spend.budget)
    reached = [lv.label for lv in BUDGET_LEVELS if lv <= spend.level]
    alerts.fired, top = fire_once(alerts.fired, reached, BUDGET_LABELS)
    return [] if top is None else [budget_notice(spend, BudgetLevel[top.upper()])]


def _limit_notices(
    memory: AlertMemory, limit: PlanLimit, rules: AlertRules, now: float
) -> list[Notice]:
    alerts = memory.limits.get(limit.name)
    if alerts is None or not _same_window(alerts.resets_at, limit.resets_at):
        alerts = memory.limits[limit.name] = LimitAlerts(limit.resets_at)
    order = sorted(set(rules.limit_thresholds) | set(alerts.fired))
    reached = [t for t in order if limit.used_percent >= t and t in rules.limit_thresholds]
    alerts.fired, top = fire_once(alerts.fired, reached, order)
    return [] if top is None else [limit_notice(limit, top, rules, now)]


def _same_window(known: float | None, reported: float | None) -> bool:
    if known is None or reported is None:
        return known is reported
    return abs(known - reported) <= LIMIT_WINDOW_SLACK


def _forget_old_limits(memory: AlertMemory, now: float) -> None:
    """A window that has reset is over; a limit with no reset time is kept (two names at most)."""
    for name in [
        name
        for name, alerts in memory.limits.items()
        if alerts.resets_at is not None and alerts.resets_at + LIMIT_WINDOW_SLACK < now
    ]:
        del memory.limits[name]


def _data_notices(memory: AlertMemory, problem: str | None) -> list[Notice]:
    if problem is None:
        memory.data_problem_notified = False
        return []
    if memory.data_problem_notified:
        return []
    memory.data_problem_notified = True
    return [data_notice(problem)]
