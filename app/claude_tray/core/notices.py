"""What a notification says: its title, body and urgency (pure; the clock is passed in).

`core.alerts` decides when to notify; this module only words it. Each function takes what fired
(a session's level, a budget's level, a plan limit's threshold) and gives a `Notice`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from claude_tray.core.formats import budget_money, money, reset_text, shown_percent
from claude_tray.core.levels import BudgetLevel, Level, Thresholds
from claude_tray.core.sanitize import clean
from claude_tray.core.snapshot import PlanLimit, SessionState, Spend
from claude_tray.core.view import LIMIT_LONG, context_tokens_text

if TYPE_CHECKING:
    from claude_tray.core.alerts import AlertRules

SEP = " · "

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


def data_notice(problem: str) -> Notice:
    return Notice("data", "claude-tray cannot read Claude Code's data", clean(problem))


def session_notice(session: SessionState, level: Level, rules: AlertRules) -> Notice:
    """E.g. title `app · Opus 4.5: context 91% — auto-paused`, body: what to do."""
    # Names from transcripts: no escape or bidi override may reach the notification's title.
    who = clean(session.project_name + (SEP + session.model_name if session.model_name else ""))
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


LOOK_WORDS = {
    Level.OK: "the green disc",
    Level.CAUTION: "the yellow triangle (caution)",
    Level.WARNING: "the orange diamond (warning)",
    Level.PAUSE: "the red square with the pause mark",
    Level.CRITICAL: "the dark red octagon with ! (critical)",
}


def reset_notice(session: SessionState, thresholds: Thresholds) -> Notice:
    """What "Reset session" did and what the icon shows now (sent at once, as the answer to the
    user's click): the level is acknowledged, a pause lifted, the cost since reset starts anew."""
    who = session.project_name + (SEP + session.model_name if session.model_name else "")
    pct = "?" if session.context_percent is None else f"{shown_percent(session.context_percent)}%"
    done = "Pause lifted. " if session.paused else ""
    shown = Level.WARNING if session.level is Level.PAUSE else session.level
    now = f"The icon now shows this session as {LOOK_WORDS[shown]}"
    if session.level is Level.PAUSE:
        now += f" until the context reaches {thresholds.critical:g}%"
    return Notice(
        f"reset:{session.session_id}",
        f"{who}: session reset at context {pct}",
        f"{done}Cost since reset starts again at $0.00; this level will not notify again. {now}.",
    )


def budget_notice(spend: Spend, level: BudgetLevel) -> Notice:
    """E.g. `Today's cost $8.12 — 81% of the $10 budget`, `… — over the $10 budget`."""
    assert spend.budget is not None
    label = f"{spend.name.label}'s cost"
    cost = money(spend.cost, spend.unpriced_tokens > 0)
    budget = budget_money(spend.budget)
    if level is BudgetLevel.OVER:
        title = f"{label} {cost} — over the {budget} budget"
        body = f"{money(spend.cost - spend.budget)} over {spend.name.within}'s budget."
    else:
        share = math.floor(100 * spend.cost / spend.budget)
        title = f"{label} {cost} — {share}% of the {budget} budget"
        body = f"{money(max(0.0, spend.budget - spend.cost))} left for {spend.name.within}."
    urgency: Urgency = "critical" if level is BudgetLevel.OVER else "normal"
    return Notice(f"budget:{spend.name}:{level.label}", title, body, urgency)


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
