"""What the tray shows for a snapshot: the icon's look, its title and the menu (pure).

`tray_view` is the one place that turns numbers into the tray's words. The ui layer only draws
what it gets; the app layer maps menu actions (the `action` ids below) to what they do.

Menu actions are `core.names.Action`s (`MenuAction` and an optional argument); the icon's look is
a `core.names.Look`.

Texts are plain: escaping for a platform (Windows' `&&`) is the ui layer's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import tzinfo

from claude_tray.core.context import ContextSource
from claude_tray.core.formats import (
    UNPRICED_MARK,
    budget_money,
    clock_text,
    money,
    reset_text,
    shown_percent,
    tokens,
)
from claude_tray.core.levels import BudgetLevel, Level
from claude_tray.core.names import Action, Look, MenuAction
from claude_tray.core.sanitize import clean
from claude_tray.core.snapshot import CostLine, PlanLimit, SessionState, Snapshot, Spend

TITLE_MAX = 127
"""Windows cuts tooltips at 127 characters; no title is longer on any platform."""
PROJECT_MAX = 32
"""A project name longer than this is shortened in the middle in titles and menu rows."""
MODEL_MAX = 40
"""A model name (from a transcript or the status line) is cut at this length."""
BREAKDOWN_MAX = 8
"""At most this many models or projects in the cost submenu; the rest are summed in one row."""
ICON_TEXT_MAX = 999
ELLIPSIS = "…"
SEP = " · "
"""After a cost that leaves out tokens of models with no known price (as in the CLI)."""

LIMIT_SHORT = {"five_hour": "5h", "seven_day": "7d"}
LIMIT_LONG = {"five_hour": "5-hour", "seven_day": "7-day"}

PAUSE_HOUR = Action(MenuAction.PAUSE_NOTIFICATIONS, "3600")
PAUSE_TOMORROW = Action(MenuAction.PAUSE_NOTIFICATIONS, "tomorrow")
RESUME = Action(MenuAction.RESUME_NOTIFICATIONS)
OPEN_REPORT = Action(MenuAction.OPEN_REPORT)
WELCOME = "Welcome to claude-tray"
PAUSE_LEVEL = "auto-pause level"
"""A session at the pause level that nothing pauses (`SessionState.pause_unheld`)."""
NOT_PAUSED = "Not paused: claude-tray hooks install (and [auto_pause] enforce on) pauses it"


@dataclass(frozen=True, slots=True)
class IconSpec:
    look: Look
    text: str | None
    """The most urgent session's percentage, at most 3 glyphs ("92", "100"); None when off/idle."""
    badge: str | None
    """None | "alert" | "over": the worst budget."""


@dataclass(frozen=True, slots=True)
class MenuEntry:
    text: str
    action: Action | None = None
    """The action run when chosen; None for an informational row."""
    checked: bool | None = None
    """True/False for a check item (Start at login), None for a plain one."""
    enabled: bool = True
    children: tuple[MenuEntry, ...] = ()
    """A submenu when non-empty."""
    separator: bool = False


SEPARATOR = MenuEntry("", separator=True)


@dataclass(frozen=True, slots=True)
class TrayView:
    icon: IconSpec
    title: str
    """Tooltip, at most `TITLE_MAX` characters."""
    menu: tuple[MenuEntry, ...]


@dataclass(frozen=True, slots=True)
class ViewOptions:
    show_percent: bool
    notifications_paused_until: float | None
    autostart_enabled: bool
    now: float
    tz: tzinfo
    data_problem: str | None = None
    """Why Claude Code's data cannot be read (the error look); None with no data is a first
    run, which gets a welcome."""


def tray_view(snapshot: Snapshot, options: ViewOptions) -> TrayView:
    return TrayView(
        icon=icon_spec(snapshot, options),
        title=title(snapshot, options),
        menu=menu(snapshot, options),
    )


def reading_view(percent: int | None) -> TrayView:
    """What the tray shows before the engine's first view: `Reading history…`."""
    text = "Reading history…" if percent is None else f"Reading history… {percent}%"
    return TrayView(
        IconSpec(Look.IDLE, None, None),
        f"claude-tray: {text[0].lower()}{text[1:]}",
        (MenuEntry(text, enabled=False), SEPARATOR, MenuEntry("Quit", Action(MenuAction.QUIT))),
    )


# --- the icon ---------------------------------------------------------------------------------


def icon_spec(snapshot: Snapshot, options: ViewOptions) -> IconSpec:
    badge = None if snapshot.budget_level is BudgetLevel.OK else snapshot.budget_level.label
    if options.data_problem is not None:
        return IconSpec(Look.ERROR, None, badge)
    if not snapshot.data_found:
        return IconSpec(Look.IDLE, None, badge)
    urgent = snapshot.most_urgent
    if urgent is None:
        return IconSpec(Look.IDLE, None, badge)
    text = None
    if options.show_percent and urgent.context_percent is not None:
        text = str(min(ICON_TEXT_MAX, shown_percent(urgent.context_percent)))
    return IconSpec(Look(icon_level(snapshot).label), text, badge)


def icon_level(snapshot: Snapshot) -> Level:
    """The icon's level: the snapshot's, except that the pause look (with its pause mark) means a
    session really is paused; one reset at that level shows as a warning until it climbs on."""
    level = snapshot.level
    if level is Level.PAUSE and not any(
        s.paused for s in snapshot.sessions if s.level is Level.PAUSE
    ):
        return Level.WARNING
    return level


# --- words and numbers ------------------------------------------------------------------------


def short_project(name: str, limit: int = PROJECT_MAX) -> str:
    """A name made safe to show (`core.sanitize`), a long one shortened in the middle, keeping
    its start and its (telling) end."""
    name = clean(name)
    if len(name) <= limit:
        return name
    keep = limit - 1
    head = (keep + 1) // 2
    return name[:head] + ELLIPSIS + name[len(name) - (keep - head) :]


def context_text(session: SessionState) -> str:
    """`72%`, `~72%` when estimated from the transcript, `?%` when unknown."""
    if session.context_percent is None:
        return "?%"
    mark = "~" if session.context_source is ContextSource.TRANSCRIPT else ""
    return f"{mark}{shown_percent(session.context_percent)}%"


def spend_text(spend: Spend) -> str:
    """`Today $3.42 of $10`, `Today $12.10 of $10 (over)`, `This week $3.00`."""
    text = f"{spend.name.label} {money(spend.cost, spend.unpriced_tokens > 0)}"
    if spend.budget is not None and spend.budget > 0:
        text += f" of {budget_money(spend.budget)}"
        if spend.level is not BudgetLevel.OK:
            text += f" ({spend.level.label})"
    return text


def session_text(session: SessionState, project_limit: int = PROJECT_MAX) -> str:
    """`app · Opus 4.5 · context 72%` (model left out when unknown)."""
    parts = [short_project(session.project_name, project_limit)]
    if session.machine:
        parts.insert(0, session.machine)
    if session.model_name:
        parts.append(clean(session.model_name, MODEL_MAX))
    parts.append(f"context {context_text(session)}")
    if session.paused:
        parts.append("paused")
    elif session.pause_unheld:
        parts.append(PAUSE_LEVEL)
    return SEP.join(parts)


def limit_text(limit: PlanLimit, now: float, tz: tzinfo, resets: bool = True) -> str:
    """`5h 40% · resets 14:30` (`5h 40%` without the reset time, or when it is unknown)."""
    label = LIMIT_SHORT.get(limit.name, limit.name)
    text = f"{label} {shown_percent(limit.used_percent)}%"
    if resets and limit.resets_at is not None:
        text += f"{SEP}resets {reset_text(limit.resets_at, now, tz)}"
    return text


def notifications_paused(options: ViewOptions) -> bool:
    until = options.notifications_paused_until
    return until is not None and until > options.now


# --- the title --------------------------------------------------------------------------------


def title(snapshot: Snapshot, options: ViewOptions) -> str:
    """`Context 72% · app · Today $3.42 of $10`, never longer than `TITLE_MAX`."""
    today = spend_text(snapshot.today)
    paused = SEP.join(
        part
        for part in (
            reading_text(snapshot).lower(),
            "notifications paused" if notifications_paused(options) else "",
        )
        if part
    )
    if options.data_problem is not None:
        return fit(f"claude-tray: {options.data_problem}")
    if not snapshot.data_found:
        return fit(WELCOME, "your Claude Code sessions show here once you start one")
    urgent = snapshot.most_urgent
    if urgent is None:
        return with_limits(snapshot, options, ("No active session", today), paused)
    head = f"Context {context_text(urgent)}" + (
        " paused" if urgent.paused else f" ({PAUSE_LEVEL})" if urgent.pause_unheld else ""
    )
    for limit in (PROJECT_MAX, 16, 8):
        parts = (head, short_project(urgent.project_name, limit), today)
        if fits(*parts, paused):
            return with_limits(snapshot, options, parts, paused)
    return fit(head, today, paused)


def with_limits(
    snapshot: Snapshot, options: ViewOptions, parts: tuple[str, ...], paused: str
) -> str:
    """`parts` with the plan limits after them when there is room: with their reset times, else
    without, else none."""
    for resets in (True, False):
        limits = [limit_text(lim, options.now, options.tz, resets) for lim in snapshot.limits]
        if limits and fits(*parts, *limits, paused):
            return fit(*parts, *limits, paused)
    return fit(*parts, paused)


def fit(*parts: str) -> str:
    """Parts joined by " · " (empty ones dropped), cut with "…" at `TITLE_MAX`."""
    text = SEP.join(part for part in parts if part)
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + ELLIPSIS


def fits(*parts: str) -> bool:
    """Whether `parts` joined are within `TITLE_MAX` (no cut)."""
    return len(SEP.join(part for part in parts if part)) <= TITLE_MAX


# --- the menu ---------------------------------------------------------------------------------


def menu(snapshot: Snapshot, options: ViewOptions) -> tuple[MenuEntry, ...]:
    urgent = snapshot.most_urgent
    return (
        *header(snapshot, options),
        *reading_entries(snapshot),
        *limit_entries(snapshot, options),
        SEPARATOR,
        MenuEntry("Today's cost", children=cost_entries(snapshot)),
        MenuEntry("Sessions", children=session_entries(snapshot, options)),
        MenuEntry("Reset session", Action(MenuAction.RESET_CURRENT), enabled=urgent is not None),
        pause_entry(options),
        SEPARATOR,
        MenuEntry("Open usage report", OPEN_REPORT),
        MenuEntry("Open config", Action(MenuAction.OPEN_CONFIG)),
        MenuEntry(
            "Start at login",
            Action(MenuAction.TOGGLE_AUTOSTART),
            checked=options.autostart_enabled,
        ),
        MenuEntry("Refresh now", Action(MenuAction.REFRESH)),
        SEPARATOR,
        MenuEntry("About claude-tray", Action(MenuAction.ABOUT)),
        MenuEntry("Quit", Action(MenuAction.QUIT)),
    )


def header(snapshot: Snapshot, options: ViewOptions) -> tuple[MenuEntry, ...]:
    """The summary rows. Each one either acts or is shown as information (greyed): the urgent
    session opens its own submenu (details, Reset), today's cost opens the usage report."""
    urgent = snapshot.most_urgent
    if options.data_problem is not None:
        first = MenuEntry(f"Cannot read Claude Code's data: {options.data_problem}", enabled=False)
    elif not snapshot.data_found:
        first = MenuEntry(f"{WELCOME}: no Claude Code session yet", enabled=False)
    elif urgent is None:
        first = MenuEntry("No active session", enabled=False)
    else:
        first = MenuEntry(session_text(urgent), children=session_entry(urgent, options).children)
    today = spend_text(snapshot.today)
    return (first, MenuEntry(today, OPEN_REPORT))


def reading_text(snapshot: Snapshot) -> str:
    """`Reading history… 43%` while the rest of the history is read; "" once all is."""
    if snapshot.history_read is None:
        return ""
    return f"Reading history… {min(99, math.floor(100 * snapshot.history_read))}%"


def reading_entries(snapshot: Snapshot) -> tuple[MenuEntry, ...]:
    text = reading_text(snapshot)
    return (MenuEntry(text, enabled=False),) if text else ()


def limit_entries(snapshot: Snapshot, options: ViewOptions) -> tuple[MenuEntry, ...]:
    """A row per plan limit Claude Code reported (`5h 40% · resets 14:30`), shown as
    information; none when absent."""
    return tuple(
        MenuEntry(limit_text(lim, options.now, options.tz), enabled=False)
        for lim in snapshot.limits
    )


def cost_entries(snapshot: Snapshot) -> tuple[MenuEntry, ...]:
    today = snapshot.today
    entries = [MenuEntry(spend_text(today))]
    if today.unrecorded_estimate > 0:
        entries.append(MenuEntry(unrecorded_text(today.unrecorded_estimate), enabled=False))
    for heading, lines in (
        ("By model", today.by_model),
        ("By project", today.by_project),
        ("By machine", today.by_machine),
    ):
        if lines:
            entries += [SEPARATOR, MenuEntry(heading, enabled=False), *breakdown(lines)]
    entries += [
        SEPARATOR,
        MenuEntry(spend_text(snapshot.week)),
        MenuEntry(spend_text(snapshot.month)),
    ]
    return tuple(entries)


def unrecorded_text(amount: float) -> str:
    """The estimate of the calls no transcript records, labelled as such (not in the total)."""
    return f"Unrecorded calls (title, /compact) ~{money(amount)}, estimate"


def breakdown(lines: tuple[CostLine, ...]) -> list[MenuEntry]:
    """One row per line (`app  $2.10`), the ones past `BREAKDOWN_MAX` summed in one row."""
    shown = list(lines[:BREAKDOWN_MAX])
    rest = lines[BREAKDOWN_MAX:]
    rows = [MenuEntry(f"{short_project(line.name)}  {line_cost(line)}") for line in shown]
    if rest:
        total = sum(line.cost or 0.0 for line in rest)
        unpriced = any(line.cost is None for line in rest)
        rows.append(MenuEntry(f"{len(rest)} more  {money(total, unpriced)}"))
    return rows


def line_cost(line: CostLine) -> str:
    return UNPRICED_MARK + " (no price)" if line.cost is None else money(line.cost)


def session_entries(snapshot: Snapshot, options: ViewOptions) -> tuple[MenuEntry, ...]:
    if not snapshot.sessions:
        return (MenuEntry("No active session", enabled=False),)
    return tuple(session_entry(s, options) for s in snapshot.sessions)


def session_entry(session: SessionState, options: ViewOptions) -> MenuEntry:
    """`app · Opus 4.5 · context 72% · $1.20 since reset`, with details and its own reset."""
    since = money(session.cost_since_reset, session.unpriced_since_reset > 0)
    label = f"{session_text(session)}{SEP}{since} since reset"
    details = [MenuEntry(f"Context {context_tokens_text(session)}", enabled=False)]
    if session.pause_unheld:
        details.append(MenuEntry(NOT_PAUSED, enabled=False))
    if session.context_source is ContextSource.TRANSCRIPT:
        details.append(MenuEntry("(estimated from the transcript)", enabled=False))
    details += [
        MenuEntry(
            f"Cost {money(session.cost, session.unpriced_tokens > 0)}{SEP}since reset {since}",
            enabled=False,
        ),
        MenuEntry(
            f"Last activity {clock_text(session.last_activity, options.now, options.tz)}",
            enabled=False,
        ),
        MenuEntry(f"Session {session.session_id[:8]}", enabled=False),
        SEPARATOR,
        MenuEntry("Reset session", Action(MenuAction.RESET, session.session_id)),
    ]
    return MenuEntry(label, children=tuple(details))


def context_tokens_text(session: SessionState) -> str:
    """`144k of 200k tokens (72%)`."""
    window = tokens(session.context_window)
    if session.context_tokens is None:
        return f"unknown (window {window})"
    return f"{tokens(session.context_tokens)} of {window} tokens ({context_text(session)})"


def pause_entry(options: ViewOptions) -> MenuEntry:
    choices = (
        MenuEntry("For 1 hour", PAUSE_HOUR),
        MenuEntry("Until tomorrow", PAUSE_TOMORROW),
    )
    if not notifications_paused(options):
        return MenuEntry("Pause notifications", children=choices)
    assert options.notifications_paused_until is not None
    until = clock_text(options.notifications_paused_until, options.now, options.tz)
    return MenuEntry(
        f"Notifications paused until {until}",
        children=(MenuEntry("Resume notifications", RESUME), SEPARATOR, *choices),
    )
