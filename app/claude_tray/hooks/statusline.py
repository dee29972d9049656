"""The status line: recording what Claude Code reports in it, and rendering our one line.

Recorded under `"statusline"` in the session's state, replaced on every call (a field Claude Code
no longer sends is not kept): `at`, `model` {`id`, `display_name`}, `context_window`
{`context_window_size`, `used_percentage`, `remaining_percentage`, `current_usage` {...}},
`cost` {`total_cost_usd`, `total_duration_ms`}, `rate_limits` {`five_hour`, `seven_day`:
{`used_percentage`, `resets_at`}}, `version`, `exceeds_200k_tokens`. Older Claude Code versions
lack some of these; what is absent is simply not recorded.

With the exact percentage the auto-pause rule (`core.pause`) is applied here too, so the gate works
while the tray is not running: the session is marked paused when it must be, a reset's stale
acknowledgement is dropped, and the mark is lifted once the context is back below the pause level.

`core.levels`, `core.pause` and `core.context` define those rules; they are imported only when a
call needs them (they cost ~12 ms). Below the caution level with no mark and no acknowledgement,
the level is `ok` by definition (caution is the lowest start) and nothing can change.
"""

from __future__ import annotations

import os
import re
import time

from claude_tray.hooks.event import lift_pause
from claude_tray.hooks.payload import count, moment, number, one_line, printable, table, text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from claude_tray.core.levels import Level
    from claude_tray.hooks.hook_settings import HookSettings
    from claude_tray.storage.budget_state import BudgetState

USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)
WINDOW_KEYS = (
    "context_window_size",
    "used_percentage",
    "remaining_percentage",
    "total_input_tokens",
    "total_output_tokens",
)
LIMITS = ("five_hour", "seven_day")
LIMIT_HORIZON = 100 * 365 * 86_400.0
"""A plan limit's `resets_at` further ahead than this is refused: every kept date is one the
clock formats (time_t, year 9999) can show."""


def statusline_record(payload: dict[str, Any], now: float) -> dict[str, Any]:
    """What one status-line call reported, in the state file's shape (absent fields left out)."""
    record: dict[str, Any] = {"at": now}
    model = table(payload.get("model"))
    model_fields = {k: text(model.get(k)) for k in ("id", "display_name")}
    if any(model_fields.values()):
        record["model"] = {k: v for k, v in model_fields.items() if v}
    window = _numbers(table(payload.get("context_window")), WINDOW_KEYS)
    usage = table(table(payload.get("context_window")).get("current_usage"))
    if usage:
        window["current_usage"] = {
            k: count(usage.get(k)) for k in USAGE_KEYS if count(usage.get(k)) is not None
        }
    if window:
        record["context_window"] = window
    cost = _numbers(table(payload.get("cost")), ("total_cost_usd", "total_duration_ms"))
    if cost:
        record["cost"] = cost
    limits = {
        name: _numbers(
            table(table(payload.get("rate_limits")).get(name)), ("used_percentage", "resets_at")
        )
        for name in LIMITS
    }
    for values in limits.values():  # a reset time must be a plausible date (`core.bounds`)
        if moment(values.get("resets_at"), now + LIMIT_HORIZON) is None:
            values.pop("resets_at", None)
    limits = {name: values for name, values in limits.items() if values}
    if limits:
        record["rate_limits"] = limits
    version = text(payload.get("version"))
    if version:
        record["version"] = version
    if isinstance(payload.get("exceeds_200k_tokens"), bool):
        record["exceeds_200k_tokens"] = payload["exceeds_200k_tokens"]
    return record


def _numbers(source: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The numeric fields among `keys`, as sent (whole numbers stay whole)."""
    return {k: source[k] for k in keys if number(source.get(k)) is not None}


def context_percent(record: dict[str, Any]) -> float | None:
    """The exact percentage: as reported, else from the current usage and the window size."""
    window = table(record.get("context_window"))
    reported = number(window.get("used_percentage"))
    if reported is not None:
        return reported
    usage = table(window.get("current_usage"))
    size = count(window.get("context_window_size"))
    if not usage or not size:
        return None
    from claude_tray.core.context import percent

    tokens = sum(count(usage.get(k)) or 0 for k in USAGE_KEYS if k != "output_tokens")
    return percent(tokens, size)


def apply_statusline(
    data: dict[str, Any],
    payload: dict[str, Any],
    settings: HookSettings,
    now: float,
    pause_rule: bool = True,
) -> None:
    """Change the session's state for one status-line call (run under the state file's lock).

    `pause_rule` False (the config did not load) records without setting or lifting pause marks.
    """
    record = statusline_record(payload, now)
    data["statusline"] = record
    for key in ("cwd", "transcript_path"):
        value = text(payload.get(key))
        if value and not data.get(key):
            data[key] = value
    if pause_rule:
        apply_pause_rule(data, context_percent(record), settings, now)


def apply_pause_rule(
    data: dict[str, Any], percent: float | None, settings: HookSettings, now: float
) -> None:
    pause = table(data.get("pause"))
    paused = pause.get("paused") is True
    if percent is None or (
        surely_ok(percent, settings)
        and not paused
        and table(data.get("reset")).get("level") is None
    ):
        return
    from claude_tray.core.levels import Level, level_for
    from claude_tray.core.pause import acknowledgement_after, should_pause

    thresholds = settings.thresholds
    level = level_for(percent, thresholds)
    acknowledged = acknowledged_level(data)
    still = acknowledgement_after(acknowledged, percent, thresholds, settings.rearm_margin)
    if acknowledged is not None and still is None:
        reset = table(data.get("reset"))
        reset["level"] = None
        data["reset"] = reset
    if should_pause(level, still) or (paused and level >= Level.PAUSE):
        data["pause"] = {
            "paused": True,
            "at": pause.get("at") if paused else now,
            "level": level.label,
            "percent": round(percent, 2),
            "by": "statusline",
        }
    elif paused:
        lift_pause(data, now, "context below the pause level")


def surely_ok(percent: float, settings: HookSettings) -> bool:
    """Below the caution level: `level_for` gives `ok` (caution is the lowest start)."""
    return percent < settings.caution


def acknowledged_level(data: dict[str, Any]) -> Level | None:
    """The level the latest reset acknowledged (as `storage.state.acknowledged_level` reads it)."""
    from claude_tray.core.levels import Level

    label = table(data.get("reset")).get("level")
    if not isinstance(label, str) or label.upper() not in Level.__members__:
        return None
    return Level[label.upper()]


# -- the line -----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LEVEL_COLORS = {"ok": "32", "caution": "33", "warning": "33;1", "pause": "31", "critical": "31;1"}
_BUDGET_COLORS = {"alert": "33;1", "over": "31;1"}


def render_line(
    data: dict[str, Any],
    payload: dict[str, Any],
    settings: HookSettings,
    budget: BudgetState | None,
    now: float,
    color: bool,
) -> str:
    """Our one line: the configured parts with what is known; parts with nothing known left out."""
    values = line_values(data, payload, settings, budget, now)
    parts = []
    for part in settings.line_format.split(settings.separator):
        names = _PLACEHOLDER.findall(part)
        if names and all(values.get(name) is None for name in names):
            continue

        def fill(match: re.Match[str]) -> str:
            found = values.get(match.group(1))
            if found is None:
                return ""
            shown, style = found
            return f"\x1b[{style}m{shown}\x1b[0m" if color and style else shown

        parts.append(_PLACEHOLDER.sub(fill, printable(part)))
    return printable(settings.separator).join(parts).strip() or fallback_line(payload)


def line_values(
    data: dict[str, Any],
    payload: dict[str, Any],
    settings: HookSettings,
    budget: BudgetState | None,
    now: float,
) -> dict[str, tuple[str, str | None]]:
    """Each placeholder's text and colour (an ANSI SGR code, or None), when known."""
    record = table(data.get("statusline"))
    values: dict[str, tuple[str, str | None]] = {}
    model = _model_name(record)
    if model:
        values["model"] = (one_line(model, 40), None)
    pct = context_percent(record)
    if pct is not None:
        values["context"] = (f"{pct:.0f}%", _LEVEL_COLORS[_level_label(pct, settings)])
    tokens = _token_figure(record)
    if tokens:
        values["tokens"] = (tokens, None)
    if table(data.get("pause")).get("paused") is True:
        values["paused"] = ("paused", "31;1")
    if budget is not None and budget.covers(now):
        shown = _money(budget.cost) + (f"/{_budget(budget.budget)}" if budget.budget else "")
        values["today"] = (shown, _BUDGET_COLORS.get(budget.level))
    session_cost = number(table(record.get("cost")).get("total_cost_usd"))
    if session_cost is not None:
        values["cost"] = (_money(session_cost), None)
    values.update(_limit_values(record, settings))
    values.update(_place_values(data, payload, settings))
    version = text(record.get("version"))
    if version:
        values["version"] = (one_line(version, 20), None)
    return values


def _level_label(percent: float, settings: HookSettings) -> str:
    if surely_ok(percent, settings):
        return "ok"
    from claude_tray.core.levels import level_for

    return level_for(percent, settings.thresholds).label


def _model_name(record: dict[str, Any]) -> str | None:
    model = table(record.get("model"))
    name = text(model.get("display_name"))
    if name:
        return name
    model_id = text(model.get("id"))
    if not model_id:
        return None
    from claude_tray.core.pricing import display_name  # only when Claude Code sent no name

    return display_name(model_id)


def _token_figure(record: dict[str, Any]) -> str | None:
    window = table(record.get("context_window"))
    usage = table(window.get("current_usage"))
    size = count(window.get("context_window_size"))
    if not usage or not size:
        return None
    tokens = sum(count(usage.get(k)) or 0 for k in USAGE_KEYS if k != "output_tokens")
    return f"{_short(tokens)}/{_short(size)}"


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 1000:
        return f"{n / 1000:.0f}k"
    return str(n)


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


def _budget(amount: float) -> str:
    """A budget as set: `$10`, `$12.50`."""
    return f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"


def _limit_values(
    record: dict[str, Any], settings: HookSettings
) -> dict[str, tuple[str, str | None]]:
    values: dict[str, tuple[str, str | None]] = {}
    limits = table(record.get("rate_limits"))
    marks = sorted(settings.limit_notify)
    for name, clock_format in (("five_hour", "%H:%M"), ("seven_day", "%a %H:%M")):
        limit = table(limits.get(name))
        used = number(limit.get("used_percentage"))
        if used is not None:
            style = None
            if marks and used >= marks[-1]:
                style = "31;1"
            elif marks and used >= marks[0]:
                style = "33;1"
            values[name] = (f"{used:.0f}%", style)
        resets = number(limit.get("resets_at"))
        if resets is not None:
            values[f"{name}_reset"] = (_local_time(resets, clock_format, settings.timezone), None)
    return values


def _local_time(moment: float, clock_format: str, timezone: str) -> str:
    if timezone:
        try:
            from datetime import datetime
            from zoneinfo import ZoneInfo

            return datetime.fromtimestamp(moment, ZoneInfo(timezone)).strftime(clock_format)
        except (ValueError, OSError, KeyError):
            pass
    return time.strftime(clock_format, time.localtime(moment))


def _place_values(
    data: dict[str, Any], payload: dict[str, Any], settings: HookSettings
) -> dict[str, tuple[str, str | None]]:
    values: dict[str, tuple[str, str | None]] = {}
    workspace = table(payload.get("workspace"))
    cwd = text(workspace.get("current_dir")) or text(payload.get("cwd")) or text(data.get("cwd"))
    project = text(workspace.get("project_dir")) or cwd
    if project:
        values["project"] = (one_line(os.path.basename(project.rstrip("/\\")) or project, 40), None)
    wanted = settings.line_format
    git = table(data.get("git"))
    if "{branch}" in wanted and not git and cwd:
        from claude_tray.hooks.git_info import git_info

        git = git_info(cwd) or {}
    branch = text(git.get("branch")) or (text(git.get("commit")) or "")[:7]
    if branch:
        values["branch"] = (one_line(branch, 40), None)
    category = text(data.get("category"))
    if category is None and "{category}" in wanted and cwd:
        from claude_tray.hooks.category import category_for

        category = category_for(cwd, settings.categories)
    if category:
        values["category"] = (one_line(category, 40), None)
    return values


def fallback_line(payload: object) -> str:
    """The plain line printed when anything goes wrong: the model's name, or our own."""
    model = table(table(payload).get("model"))
    name = text(model.get("display_name")) or text(model.get("id"))
    return one_line(name, 40) if name else "claude-tray"
