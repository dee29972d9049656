"""The status line: recording what Claude Code reports in it, and rendering our one line.

Each call is recorded as the session's `StatusRecord` (`storage.state`, replacing the one before),
and the auto-pause rule is applied with its exact percentage
(`SessionRecord.follow_pause_rule`), so the gate works while the tray is not running: the session
is marked paused when it must be, a reset's stale acknowledgement is dropped, and the mark is lifted
once the context is back below the pause level. Below the pause level with no mark and no
acknowledgement nothing can change, and the rule's modules are not even imported (the context's
colour comes from `core.scale`, which needs no `enum`).
"""

from __future__ import annotations

import os
import time

from claude_tray.core.formats import SGR, budget_money, money, percent, tokens
from claude_tray.hooks.payload import one_line, printable, table, text
from claude_tray.storage.state import GitRecord, StatusRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from claude_tray.hooks.hook_settings import HookSettings
    from claude_tray.storage.budget_state import BudgetState
    from claude_tray.storage.state import SessionRecord


def apply_statusline(
    record: SessionRecord,
    payload: dict[str, Any],
    settings: HookSettings,
    now: float,
    pause_rule: bool = True,
) -> None:
    """Change the session's record for one status-line call (run under the state file's lock).

    `pause_rule` False (the config did not load) records without setting or lifting pause marks.
    """
    status = StatusRecord.from_json(payload, at=now)
    assert status is not None  # `at` is given
    record.record_statusline(status, text(payload.get("cwd")), text(payload.get("transcript_path")))
    transcript = text(payload.get("transcript_path")) or record.transcript_path
    percent = status.context_percent
    if pause_rule and not _stale_after_compaction(record, percent, transcript, settings, now):
        record.follow_pause_rule(percent, settings, now, "statusline")


def _stale_after_compaction(
    record: SessionRecord,
    percent: float | None,
    transcript: str | None,
    settings: HookSettings,
    now: float,
) -> bool:
    """A figure at the pause level after a compaction lifted the pause, while the transcript
    holds no answer written since then, is the usage of the last call before the compaction:
    seen with the real client (2.1.90 and 2.1.197), a status-line call 136 ms after PostCompact
    still carried the pre-compaction 92% (and the compact boundary was not yet on disk). It must
    not pause the session again; the first answer after the compaction decides."""
    mark = record.pause
    if mark is None or mark.paused or mark.lifted != "compacted" or mark.at is None:
        return False
    if percent is None or percent < settings.thresholds.pause or not transcript:
        return False
    from claude_tray.hooks.transcript_tail import latest_answer

    answered = latest_answer(transcript, now)
    return answered is not None and answered < mark.at


# -- the line -----------------------------------------------------------------------------------


def render_line(
    record: SessionRecord,
    payload: dict[str, Any],
    settings: HookSettings,
    budget: BudgetState | None,
    now: float,
    color: bool,
) -> str:
    """Our one line: the configured parts with what is known; parts with nothing known left out."""
    values = line_values(record, payload, settings, budget, now)
    parts = []
    for part in settings.line_format.split(settings.separator):
        names = [name for _, _, name in placeholders(part)]
        if names and all(values.get(name) is None for name in names):
            continue

        def fill(name: str) -> str:
            found = values.get(name)
            if found is None:
                return ""
            shown, style = found
            return f"\x1b[{style}m{shown}\x1b[0m" if color and style else shown

        text = printable(part)
        pieces, at = [], 0
        for start, end, name in placeholders(text):
            pieces += [text[at:start], fill(name)]
            at = end
        parts.append("".join([*pieces, text[at:]]))
    return printable(settings.separator).join(parts).strip() or fallback_line(payload)


def placeholders(text: str) -> Iterator[tuple[int, int, str]]:
    """Each `{name}` of `text` (a name of letters, digits and `_`), as (start, end, name), left
    to right: what the regex `\\{(\\w+)\\}` finds, without loading `re` on every call."""
    at = text.find("{")
    while at >= 0:
        end = at + 1
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        if end > at + 1 and text[end : end + 1] == "}":
            yield at, end + 1, text[at + 1 : end]
            at = text.find("{", end + 1)
        else:
            at = text.find("{", at + 1)


def line_values(
    record: SessionRecord,
    payload: dict[str, Any],
    settings: HookSettings,
    budget: BudgetState | None,
    now: float,
) -> dict[str, tuple[str, str | None]]:
    """Each placeholder's text and colour (an ANSI SGR code, or None), when known."""
    status = record.statusline
    values: dict[str, tuple[str, str | None]] = {}
    model = _model_name(status)
    if model:
        values["model"] = (one_line(model, 40), None)
    pct = status.context_percent if status is not None else None
    if pct is not None:
        values["context"] = (percent(pct), SGR[_level_label(pct, settings)])
    tokens = _token_figure(status)
    if tokens:
        values["tokens"] = (tokens, None)
    if record.paused:
        from claude_tray.core.pause import gate_holds  # only for a marked session

        if gate_holds(record.last_event_at is not None, settings.enforce):
            values["paused"] = ("paused", SGR["critical"])
    if budget is not None and budget.covers(now):
        shown = money(budget.cost) + (f"/{budget_money(budget.budget)}" if budget.budget else "")
        values["today"] = (shown, SGR.get(budget.level) if budget.level != "ok" else None)
    session_cost = status.cost_usd if status is not None else None
    if session_cost is not None:
        values["cost"] = (money(session_cost), None)
    if status is not None:
        values.update(_limit_values(status, settings))
    values.update(_place_values(record, payload, settings))
    version = status.version if status is not None else None
    if version:
        values["version"] = (one_line(version, 20), None)
    return values


def _level_label(percent: float, settings: HookSettings) -> str:
    # `core.levels.level_for`'s scale without its enum (see `core.scale`)
    from claude_tray.core.scale import LABELS, rung

    starts = (settings.caution, settings.warning, settings.pause, settings.critical)
    return LABELS[rung(percent, starts)]


def _model_name(status: StatusRecord | None) -> str | None:
    if status is None:
        return None
    if status.model_name:
        return status.model_name
    model_id = status.model_id
    if not model_id:
        return None
    from claude_tray.core.pricing import display_name  # only when Claude Code sent no name

    return display_name(model_id)


def _token_figure(status: StatusRecord | None) -> str | None:
    window = status.window if status is not None else None
    if window is None or not window.usage or not window.size:
        return None
    return f"{tokens(window.context_tokens or 0)}/{tokens(window.size)}"


def _limit_values(
    status: StatusRecord, settings: HookSettings
) -> dict[str, tuple[str, str | None]]:
    values: dict[str, tuple[str, str | None]] = {}
    marks = sorted(settings.limit_notify)
    for name, clock_format in (("five_hour", "%H:%M"), ("seven_day", "%a %H:%M")):
        limit = status.limits.get(name)
        if limit is None:
            continue
        used = limit.used_percentage
        if used is not None:
            style = None
            if marks and used >= marks[-1]:
                style = SGR["critical"]
            elif marks and used >= marks[0]:
                style = SGR["warning"]
            values[name] = (percent(used), style)
        resets = limit.resets_at
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
    record: SessionRecord, payload: dict[str, Any], settings: HookSettings
) -> dict[str, tuple[str, str | None]]:
    values: dict[str, tuple[str, str | None]] = {}
    workspace = table(payload.get("workspace"))
    cwd = text(workspace.get("current_dir")) or text(payload.get("cwd")) or record.cwd
    project = text(workspace.get("project_dir")) or cwd
    if project:
        values["project"] = (one_line(os.path.basename(project.rstrip("/\\")) or project, 40), None)
    wanted = settings.line_format
    git = record.git
    if "{branch}" in wanted and git is None and cwd:
        from claude_tray.hooks.git_info import git_info

        git = GitRecord.from_json(git_info(cwd))
    branch = (git.branch or (git.commit or "")[:7]) if git is not None else None
    if branch:
        values["branch"] = (one_line(branch, 40), None)
    category = record.category
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
