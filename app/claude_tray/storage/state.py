"""Per-session state that our hooks, status line and the tray share: one small JSON file each.

`state/sessions/<session-id>.json` holds what Claude Code's hooks and status line reported (events,
context window, rate limits) and the tray's marks (paused, reset). Every change is a
read-modify-write under a per-file lock, written atomically, so several writers at once never lose
an update. A corrupt file is moved aside and started afresh; readers skip it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_tray.core.levels import Level
from claude_tray.storage.atomic import move_aside, read_locked, write_atomic
from claude_tray.storage.locking import locked
from claude_tray.storage.paths import AppPaths

if TYPE_CHECKING:  # imported where used: the hooks read and write state without it (speed)
    from claude_tray.core.snapshot import LiveFacts, PlanLimit

log = logging.getLogger(__name__)

STATE_VERSION = 1
_SAFE = re.compile(r"[^A-Za-z0-9._-]")

SessionData = dict[str, Any]
"""The JSON object of one session's state file (the file format; typed views are `LiveFacts`)."""


def state_file(paths: AppPaths, session_id: str) -> Path:
    name = _SAFE.sub("_", session_id)[:200] or "_"
    return paths.sessions_state_dir / f"{name}.json"


def read_session(paths: AppPaths, session_id: str) -> SessionData | None:
    return _read(state_file(paths, session_id))


def update_session(
    paths: AppPaths, session_id: str, change: Callable[[SessionData], None]
) -> SessionData:
    """Apply `change` to the session's state under its lock and write it back atomically."""
    path = state_file(paths, session_id)
    with locked(path.with_suffix(".lock")):
        data = _read(path, repair=True) or {}
        data.setdefault("version", STATE_VERSION)
        data["session_id"] = session_id
        change(data)
        write_atomic(path, json.dumps(data, separators=(",", ":")).encode())
    return data


def all_sessions(paths: AppPaths) -> dict[str, SessionData]:
    folder = paths.sessions_state_dir
    try:
        files = sorted(folder.glob("*.json"))
    except OSError:
        return {}
    out: dict[str, SessionData] = {}
    for path in files:
        data = _read(path)
        if data and isinstance(data.get("session_id"), str):
            out[data["session_id"]] = data
    return out


def read_all_facts(paths: AppPaths) -> dict[str, LiveFacts]:
    return {sid: facts_from(data) for sid, data in all_sessions(paths).items()}


def _read(path: Path, repair: bool = False) -> SessionData | None:
    """`repair` is for callers that hold the file's lock (it moves a corrupt file aside);
    others read under the lock where an open reader would block a writer (Windows)."""
    try:
        raw = path.read_bytes() if repair else read_locked(path, path.with_suffix(".lock"))
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("cannot read %s: %s", path, error)
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        if repair:
            move_aside(path, str(error))
        else:
            log.warning("skipping corrupt state file %s: %s", path, error)
        return None
    return data


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: object) -> int | None:
    number = _num(value)
    return None if number is None or number < 0 else int(number)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def facts_from(data: SessionData) -> LiveFacts:
    """The typed view of a state file; fields of the wrong type are treated as absent."""
    from claude_tray.core.snapshot import LiveFacts

    status = _dict(data.get("statusline"))
    window = _dict(status.get("context_window"))
    usage = _dict(window.get("current_usage"))
    tokens = None
    if usage:
        tokens = sum(
            _int(usage.get(k)) or 0
            for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        )
    pause = _dict(data.get("pause"))
    reset = _dict(data.get("reset"))
    model = _dict(status.get("model")).get("id") or data.get("model")
    return LiveFacts(
        context_window=_int(window.get("context_window_size")),
        context_tokens=tokens,
        context_percent=_num(window.get("used_percentage")),
        context_at=_num(status.get("at")),
        model=model if isinstance(model, str) else None,
        project=data.get("cwd") if isinstance(data.get("cwd"), str) else None,
        started_at=_num(data.get("started_at")),
        ended_at=_num(data.get("ended_at")),
        last_event_at=_num(_dict(data.get("last_event")).get("at")),
        paused=pause.get("paused") is True,
        reset_at=_num(reset.get("at")),
        five_hour=_plan_limit(_dict(status.get("rate_limits")).get("five_hour"), status),
        seven_day=_plan_limit(_dict(status.get("rate_limits")).get("seven_day"), status),
        claude_code_cost=_num(_dict(status.get("cost")).get("total_cost_usd")),
        claude_code_version=status.get("version")
        if isinstance(status.get("version"), str)
        else None,
    )


def _plan_limit(value: object, status: dict[str, Any]) -> PlanLimit | None:
    from claude_tray.core.snapshot import PlanLimit

    limit = _dict(value)
    used = _num(limit.get("used_percentage"))
    if used is None:
        return None
    return PlanLimit(used, _num(limit.get("resets_at")), _num(status.get("at")))


# --- the tray's marks (auto-pause and Reset session) ------------------------------------------


def mark_paused(
    paths: AppPaths,
    session_id: str,
    paused: bool,
    level_label: str,
    percent: float | None,
    now: float,
) -> SessionData:
    """Set (or lift) the auto-pause mark the hook gate obeys; the level and % say why."""

    def change(data: SessionData) -> None:
        data["pause"] = {"paused": paused, "at": now, "level": level_label, "percent": percent}

    return update_session(paths, session_id, change)


def reset_session(paths: AppPaths, session_id: str, level_label: str, now: float) -> SessionData:
    """Reset session (tray, CLI): lift the pause, acknowledge the level the session is at now."""

    def change(data: SessionData) -> None:
        data["pause"] = {"paused": False, "at": now}
        data["reset"] = {"at": now, "level": level_label}

    return update_session(paths, session_id, change)


def clear_acknowledgement(paths: AppPaths, session_id: str) -> SessionData:
    """Forget the level a reset acknowledged (the context fell well below it); keep the reset's
    time, from which "cost since reset" counts."""

    def change(data: SessionData) -> None:
        reset = _dict(data.get("reset"))
        reset["level"] = None
        data["reset"] = reset

    return update_session(paths, session_id, change)


def acknowledged_level(data: SessionData) -> Level | None:
    """The level the latest reset acknowledged, if still in force (None if none or unreadable)."""
    label = _dict(data.get("reset")).get("level")
    if not isinstance(label, str) or label.upper() not in Level.__members__:
        return None
    return Level[label.upper()]
