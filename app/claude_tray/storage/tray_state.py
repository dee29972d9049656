"""The tray's own memory (`state/tray.json`): alerts already sent, and the notification pause.

The file format of `core.alerts.AlertMemory` is here: `memory_to_json` and `memory_from_json`
(which validates: a file this version cannot read is refused whole, never half-trusted).

Only the tray's engine thread writes it (one tray per user, held by the instance lock), always
atomically. A file that cannot be read as a memory is moved aside with a warning and the tray starts
from an empty memory; that can repeat notifications once, but it never stops the tray.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from claude_tray.core.alerts import (
    BUDGET_LEVELS,
    SESSION_LEVELS,
    AlertMemory,
    BudgetAlerts,
    LimitAlerts,
    SessionAlerts,
)
from claude_tray.storage.atomic import move_aside, write_atomic
from claude_tray.storage.paths import AppPaths
from claude_tray.storage.regular import read_regular

log = logging.getLogger(__name__)

MEMORY_VERSION = 1


def load_tray_state(paths: AppPaths) -> AlertMemory:
    """The stored memory; an empty one when there is none or it is corrupt (moved aside)."""
    path = paths.tray_state
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        return AlertMemory()
    except OSError as error:
        log.warning("cannot read %s (%s): starting with an empty alert memory", path, error)
        return AlertMemory()
    try:
        return memory_from_json(json.loads(raw))
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError too
        try:
            move_aside(path, str(error))
        except OSError as move_error:
            log.warning("cannot move %s aside: %s", path, move_error)
        return AlertMemory()


def save_tray_state(paths: AppPaths, memory: AlertMemory) -> None:
    """Write the memory atomically (a crash leaves the old file or the new one, never half)."""
    data = json.dumps(memory_to_json(memory), indent=1, sort_keys=True, allow_nan=False).encode()
    write_atomic(paths.tray_state, data + b"\n")


def memory_to_json(memory: AlertMemory) -> dict[str, Any]:
    return {
        "version": MEMORY_VERSION,
        "sessions": {
            sid: {"fired": list(s.fired), "seen_at": s.seen_at, "reset_at": s.reset_at}
            for sid, s in memory.sessions.items()
        },
        "budgets": {
            name: {"period": b.period, "budget": b.budget, "fired": list(b.fired)}
            for name, b in memory.budgets.items()
        },
        "data_problem_notified": memory.data_problem_notified,
        "quiet_until": memory.quiet_until,
        "limits": {
            name: {"resets_at": lim.resets_at, "fired": list(lim.fired)}
            for name, lim in memory.limits.items()
        },
    }


def memory_from_json(data: object) -> AlertMemory:
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
        for sid, item in _items(top, "sessions", "session")
    }
    budgets = {
        str(name): BudgetAlerts(
            period=_text(item.get("period"), "period"),
            budget=_number(item.get("budget"), "budget"),
            fired=_labels(item.get("fired"), {lv.label for lv in BUDGET_LEVELS}),
        )
        for name, item in _items(top, "budgets", "budget")
    }
    limits = {
        str(name): LimitAlerts(
            resets_at=_optional_number(item.get("resets_at"), "resets_at"),
            fired=_thresholds(item.get("fired")),
        )
        for name, item in _items(top, "limits", "limit")
    }
    notified = top.get("data_problem_notified", False)
    if not isinstance(notified, bool):
        raise ValueError("data_problem_notified must be true or false")
    quiet_until = _optional_number(top.get("quiet_until"), "quiet_until")
    return AlertMemory(sessions, budgets, notified, quiet_until, limits)


def _items(top: dict[str, Any], key: str, what: str) -> list[tuple[str, dict[str, Any]]]:
    return [(k, _table(v, what)) for k, v in _table(top.get(key, {}), key).items()]


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
