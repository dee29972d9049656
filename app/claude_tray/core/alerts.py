"""Which notifications to send for a snapshot, and what they say (pure; the clock is passed in).

Rules (the issue's "never a flood"):

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

`AlertMemory` is everything remembered between snapshots and across restarts; it is a plain
dataclass with `to_json()` / `from_json()` (stored by `storage.tray_state`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, Literal

from claude_tray.core.levels import BudgetLevel, Level, Thresholds
from claude_tray.core.snapshot import PlanLimit, SessionState, Snapshot, Spend
from claude_tray.core.view import (
    LIMIT_LONG,
    budget_money,
    context_tokens_text,
    money,
    reset_text,
    shown_percent,
)

MEMORY_VERSION = 1
SESSION_LEVELS = (Level.CAUTION, Level.WARNING, Level.PAUSE, Level.CRITICAL)
BUDGET_LEVELS = (BudgetLevel.ALERT, BudgetLevel.OVER)
FORGET_AFTER = 14 * 86400.0
"""A session not seen active for this long is forgotten (memory stays flat)."""
LIMIT_WINDOW_SLACK = 60.0
"""Reset times of one limit this close together are the same window (a report may round)."""
SEEN_STEP = 3600.0
"""`seen_at` moves on in steps this long, so the memory (and its file) changes only when needed."""
SEP = " · "


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

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MEMORY_VERSION,
            "sessions": {
                sid: {"fired": list(s.fired), "seen_at": s.seen_at, "reset_at": s.reset_at}
                for sid, s in self.sessions.items()
            },
            "budgets": {
                name: {"period": b.period, "budget": b.budget, "fired": list(b.fired)}
                for name, b in self.budgets.items()
            },
            "data_problem_notified": self.data_problem_notified,
            "quiet_until": self.quiet_until,
            "limits": {
                name: {"resets_at": lim.resets_at, "fired": list(lim.fired)}
                for name, lim in self.limits.items()
            },
        }

    @classmethod
    def from_json(cls, data: object) -> AlertMemory:
        """Raises ValueError when `data` is not a memory this version can read."""
        top = _table(data, "memory")
        if top.get("version") != MEMORY_VERSION:
            raise ValueError(f"unknown version {top.get('version')!r}")
        sessions = {
            str(sid): SessionAlerts(
                fired=_labels(item.get("fired"), {lv.label for lv in SESSION_LEVELS}),
                seen_at=_number(item.get("seen_at"), "seen_at"),
                reset_at=_optional_number(item.get("reset_at"), "reset_at"),
            )
            for sid, item in (
                (k, _table(v, "session"))
                for k, v in _table(top.get("sessions", {}), "sessions").items()
            )
        }
        budgets = {
            str(name): BudgetAlerts(
                period=_text(item.get("period"), "period"),
                budget=_number(item.get("budget"), "budget"),
                fired=_labels(item.get("fired"), {lv.label for lv in BUDGET_LEVELS}),
            )
            for name, item in (
                (k, _table(v, "budget"))
                for k, v in _table(top.get("budgets", {}), "budgets").items()
            )
        }
        limits = {
            str(name): LimitAlerts(
                resets_at=_optional_number(item.get("resets_at"), "resets_at"),
                fired=_thresholds(item.get("fired")),
            )
            for name, item in (
                (k, _table(v, "limit")) for k, v in _table(top.get("limits", {}), "limits").items()
            )
        }
        notified = top.get("data_problem_notified", False)
        if not isinstance(notified, bool):
            raise ValueError("data_problem_notified must be true or false")
        quiet_until = _optional_number(top.get("quiet_until"), "quiet_until")
        return cls(sessions, budgets, notified, quiet_until, limits)


def _table(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be an object")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a number")
    return float(value)


def _optional_number(value: object, what: str) -> float | None:
    return None if value is None else _number(value, what)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string")
    return value


def _labels(value: object, known: set[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("fired must be a list of level names")
    return [v for v in value if v in known]  # a label from a newer version is dropped


def _thresholds(value: object) -> list[float]:
    if not isinstance(value, list):
        raise ValueError("fired must be a list of percentages")
    return [_number(v, "a threshold") for v in value]


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


Urgency = Literal["low", "normal", "critical"]
"""How insistent a notification is (freedesktop's urgency levels; each notifier maps them)."""


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    """What fired: `session:<id>:<level>`, `budget:<name>:<level>`, `limit:<name>:<percent>`,
    `data`."""
    title: str
    body: str
    urgency: Urgency = "normal"
    """`critical` for a session at the auto-pause or critical level and a budget gone over (they
    stay until dismissed where the daemon honours it); `normal` for the rest."""


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
        alerts.fired = [
            label
            for label in alerts.fired
            if pct >= rules.thresholds.start_of(Level[label.upper()]) - rules.rearm_margin
        ]
    reached = [lv for lv in SESSION_LEVELS if lv <= session.level and lv.label not in alerts.fired]
    if not reached:
        return []
    alerts.fired = _in_order(set(alerts.fired) | {lv.label for lv in reached}, SESSION_LEVELS)
    top = max(reached)
    return [session_notice(session, top, rules)]


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
    reached = [lv for lv in BUDGET_LEVELS if lv <= spend.level and lv.label not in alerts.fired]
    if not reached:
        return []
    alerts.fired = _in_order(set(alerts.fired) | {lv.label for lv in reached}, BUDGET_LEVELS)
    return [budget_notice(spend, max(reached))]


def _limit_notices(
    memory: AlertMemory, limit: PlanLimit, rules: AlertRules, now: float
) -> list[Notice]:
    alerts = memory.limits.get(limit.name)
    if alerts is None or not _same_window(alerts.resets_at, limit.resets_at):
        alerts = memory.limits[limit.name] = LimitAlerts(limit.resets_at)
    reached = [
        t
        for t in sorted(set(rules.limit_thresholds))
        if limit.used_percent >= t and t not in alerts.fired
    ]
    if not reached:
        return []
    alerts.fired = sorted(set(alerts.fired) | set(reached))
    return [limit_notice(limit, max(reached), rules, now)]


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
    return [Notice("data", "claude-tray cannot read Claude Code's data", problem)]


def _in_order(labels: set[str], levels: Iterable[Level | BudgetLevel]) -> list[str]:
    return [lv.label for lv in levels if lv.label in labels]


# --- words ------------------------------------------------------------------------------------


def session_notice(session: SessionState, level: Level, rules: AlertRules) -> Notice:
    """E.g. title `app · Opus 4.5: context 91% — auto-paused`, body: what to do."""
    who = session.project_name + (SEP + session.model_name if session.model_name else "")
    pct = "?" if session.context_percent is None else str(shown_percent(session.context_percent))
    pause_at = f"{rules.thresholds.pause:g}%"
    what, body = {
        Level.CAUTION: (
            "caution",
            f"Context {context_tokens_text(session)}. Auto-pause at {pause_at}.",
        ),
        Level.WARNING: (
            "warning",
            f"Context {context_tokens_text(session)}. Auto-pause at {pause_at}: /compact soon.",
        ),
        Level.PAUSE: _pause_words(session, rules),
        Level.CRITICAL: (
            "critical",
            f"Context {context_tokens_text(session)}: nearly full. /compact or /clear now.",
        ),
    }[level]
    return Notice(
        f"session:{session.session_id}:{level.label}",
        f"{who}: context {pct}% — {what}",
        body,
        "critical" if level >= Level.PAUSE else "normal",
    )


def _pause_words(session: SessionState, rules: AlertRules) -> tuple[str, str]:
    """ "Paused" only when the gate is on in the config AND our hooks run in that session;
    otherwise the session reached the level, nothing stops it, and the body says how to pause."""
    tokens = f"Context {context_tokens_text(session)}."
    if not rules.pause_enforced:
        return (
            "auto-pause level",
            f"{tokens} Auto-pause is off in the config ([auto_pause] enforce): "
            "/compact or /clear soon.",
        )
    if not session.gated:
        return (
            "auto-pause level",
            f"{tokens} Nothing is paused: the gate hook is not installed for this session "
            f"(`claude-tray hooks install` turns it on). /compact or /clear soon.",
        )
    return (
        "auto-paused",
        f"{tokens} Paused: /compact or /clear to go on, or Reset session in the tray.",
    )


_SPEND_LABEL = {"today": "Today's cost", "week": "This week's cost", "month": "This month's cost"}


def budget_notice(spend: Spend, level: BudgetLevel) -> Notice:
    """E.g. `Today's cost $8.12 — 81% of the $10 budget`, `… — over the $10 budget`."""
    assert spend.budget is not None
    label = _SPEND_LABEL.get(spend.name, spend.name)
    cost = money(spend.cost, spend.unpriced_tokens > 0)
    budget = budget_money(spend.budget)
    if level is BudgetLevel.OVER:
        title = f"{label} {cost} — over the {budget} budget"
        body = f"{money(spend.cost - spend.budget)} over {_PERIOD_LEFT[spend.name]}'s budget."
    else:
        share = math.floor(100 * spend.cost / spend.budget)
        title = f"{label} {cost} — {share}% of the {budget} budget"
        body = f"{money(max(0.0, spend.budget - spend.cost))} left for {_PERIOD_LEFT[spend.name]}."
    urgency: Urgency = "critical" if level is BudgetLevel.OVER else "normal"
    return Notice(f"budget:{spend.name}:{level.label}", title, body, urgency)


_PERIOD_LEFT = {"today": "today", "week": "this week", "month": "this month"}


def limit_notice(limit: PlanLimit, threshold: float, rules: AlertRules, now: float) -> Notice:
    """E.g. title `Claude plan: 5-hour limit at 82% — resets 14:30`, body: what it means."""
    name = LIMIT_LONG.get(limit.name, limit.name)
    pct = f"{shown_percent(limit.used_percent)}%"
    title = f"Claude plan: {name} limit at {pct}"
    body = f"{pct} of your Claude plan's {name} usage limit is used (as Claude Code reports it)."
    if limit.resets_at is not None:
        when = reset_text(limit.resets_at, now, rules.tz)
        title += f" — resets {when}"
        body += f" It resets {when}."
    return Notice(f"limit:{limit.name}:{threshold:g}", title, body)
