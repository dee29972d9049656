"""Recording a Claude Code hook event in the session's state file.

Keys written (beside those `storage.state.facts_from` reads): `transcript_path`, `cwd`, `git`
(`root`, `repository`, `branch` / `commit`), `category`, `last_event` {`name`, `at`}, `events`
{name: count}, `started_at` and `source` (SessionStart), `model`, `compactions` [{`at`, `event`,
`trigger`}], `ended_at`, `end_reason` and `duration` (SessionEnd). A compaction lifts the session's
auto-pause mark: the context it was paused for is gone.
"""

from __future__ import annotations

from claude_tray.hooks.category import category_for
from claude_tray.hooks.git_info import git_info
from claude_tray.hooks.payload import table, text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from claude_tray.hooks.hook_settings import HookSettings

MAX_COMPACTIONS = 50
"""Compaction entries kept per session (the oldest are dropped)."""

COMPACTION_EVENTS = ("PreCompact", "PostCompact")


def apply_event(
    data: dict[str, Any], payload: dict[str, Any], settings: HookSettings, now: float
) -> None:
    """Change the session's state `data` for one event (run under the state file's lock)."""
    name = text(payload.get("hook_event_name")) or "unknown"
    _where(data, payload, settings)
    data["last_event"] = {"name": name, "at": now}
    counts = table(data.get("events"))
    counts[name] = int(counts.get(name, 0) or 0) + 1
    data["events"] = counts
    if name == "SessionStart":
        _session_start(data, payload, now)
    elif name in COMPACTION_EVENTS:
        _compaction(data, name, payload, now)
    elif name == "SessionEnd":
        data["ended_at"] = now
        data["end_reason"] = text(payload.get("reason"))
        started = data.get("started_at")
        if isinstance(started, int | float) and not isinstance(started, bool):
            data["duration"] = max(0.0, now - started)


def _where(data: dict[str, Any], payload: dict[str, Any], settings: HookSettings) -> None:
    transcript = text(payload.get("transcript_path"))
    if transcript:
        data["transcript_path"] = transcript
    cwd = text(payload.get("cwd"))
    if not cwd:
        return
    data["cwd"] = cwd
    data["git"] = git_info(cwd)
    category = category_for(cwd, settings.categories)
    if category is None:
        data.pop("category", None)
    else:
        data["category"] = category


def _session_start(data: dict[str, Any], payload: dict[str, Any], now: float) -> None:
    data.setdefault("started_at", now)
    source = text(payload.get("source"))
    data["source"] = source
    for key in ("ended_at", "end_reason", "duration"):  # resumed after an end: active again
        data.pop(key, None)
    model = payload.get("model")
    model_id = text(table(model).get("id")) if isinstance(model, dict) else text(model)
    if model_id:
        data["model"] = model_id
    if source == "compact":
        lift_pause(data, now, "compacted")


def _compaction(data: dict[str, Any], name: str, payload: dict[str, Any], now: float) -> None:
    entries = data.get("compactions")
    entries = entries if isinstance(entries, list) else []
    entries.append({"at": now, "event": name, "trigger": text(payload.get("trigger"))})
    data["compactions"] = entries[-MAX_COMPACTIONS:]
    if name == "PostCompact":
        lift_pause(data, now, "compacted")


def lift_pause(data: dict[str, Any], now: float, why: str) -> None:
    """Clear the auto-pause mark (if set), saying why."""
    if table(data.get("pause")).get("paused") is True:
        data["pause"] = {"paused": False, "at": now, "lifted": why}
