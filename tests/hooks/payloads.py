"""What Claude Code sends our hook and status line on stdin, in the shapes of its versions.

Hook events (every one carries session_id, transcript_path, cwd and hook_event_name) and the status
line input in three generations: old (1.0.x: no context_window), middle (2.0.x: context_window
without used_percentage) and new (2.1.x: used_percentage, current_usage, rate_limits).
"""

from __future__ import annotations

from typing import Any

SESSION = "5f2d9c1e-0b7a-4c1e-9d7e-1a2b3c4d5e6f"


def _common(event: str, session: str, cwd: str, transcript: str | None) -> dict[str, Any]:
    return {
        "session_id": session,
        "transcript_path": transcript or f"/home/u/.claude/projects/-home-u-app/{session}.jsonl",
        "cwd": cwd,
        "hook_event_name": event,
    }


def session_start(
    session: str = SESSION,
    cwd: str = "/home/u/app",
    source: str = "startup",
    model: Any = "claude-opus-4-5-20251101",
    transcript: str | None = None,
) -> dict[str, Any]:
    payload = _common("SessionStart", session, cwd, transcript)
    payload["source"] = source
    if model is not None:
        payload["model"] = model
    return payload


def user_prompt_submit(
    session: str = SESSION,
    cwd: str = "/home/u/app",
    prompt: str = "Refactor the parser",
    transcript: str | None = None,
) -> dict[str, Any]:
    payload = _common("UserPromptSubmit", session, cwd, transcript)
    payload.update(prompt=prompt, permission_mode="default")
    return payload


def stop(session: str = SESSION, cwd: str = "/home/u/app") -> dict[str, Any]:
    payload = _common("Stop", session, cwd, None)
    payload.update(stop_hook_active=False, last_assistant_message="Done: the parser is split.")
    return payload


def pre_compact(
    session: str = SESSION, cwd: str = "/home/u/app", trigger: str = "auto"
) -> dict[str, Any]:
    payload = _common("PreCompact", session, cwd, None)
    payload.update(trigger=trigger, custom_instructions="")
    return payload


def post_compact(
    session: str = SESSION, cwd: str = "/home/u/app", trigger: str = "auto"
) -> dict[str, Any]:
    payload = _common("PostCompact", session, cwd, None)
    payload["trigger"] = trigger
    return payload


def session_end(
    session: str = SESSION, cwd: str = "/home/u/app", reason: str = "prompt_input_exit"
) -> dict[str, Any]:
    payload = _common("SessionEnd", session, cwd, None)
    payload["reason"] = reason
    return payload


EVENTS = {
    "SessionStart": session_start,
    "UserPromptSubmit": user_prompt_submit,
    "Stop": stop,
    "PreCompact": pre_compact,
    "PostCompact": post_compact,
    "SessionEnd": session_end,
}


def _status_common(
    session: str, cwd: str, version: str, model_id: str, name: str
) -> dict[str, Any]:
    return {
        "hook_event_name": "Status",
        "session_id": session,
        "transcript_path": f"/home/u/.claude/projects/-home-u-app/{session}.jsonl",
        "cwd": cwd,
        "model": {"id": model_id, "display_name": name},
        "workspace": {"current_dir": cwd, "project_dir": cwd},
        "version": version,
        "output_style": {"name": "default"},
    }


def status_old(session: str = SESSION, cwd: str = "/home/u/app") -> dict[str, Any]:
    """1.0.x: model, workspace, cost; no context window at all."""
    payload = _status_common(session, cwd, "1.0.88", "claude-sonnet-4-20250514", "Sonnet 4")
    payload["cost"] = {
        "total_cost_usd": 0.42,
        "total_duration_ms": 120000,
        "total_api_duration_ms": 30000,
        "total_lines_added": 10,
        "total_lines_removed": 2,
    }
    return payload


def status_middle(
    session: str = SESSION, cwd: str = "/home/u/app", tokens: int = 150_000, size: int = 200_000
) -> dict[str, Any]:
    """2.0.x: a context window with its size and current usage, but no used_percentage."""
    payload = _status_common(session, cwd, "2.0.76", "claude-sonnet-4-5-20250929", "Sonnet 4.5")
    payload["cost"] = {"total_cost_usd": 1.25, "total_duration_ms": 600000}
    payload["exceeds_200k_tokens"] = False
    payload["context_window"] = {
        "context_window_size": size,
        "total_input_tokens": 900_000,
        "total_output_tokens": 20_000,
        "current_usage": {
            "input_tokens": 8,
            "output_tokens": 500,
            "cache_creation_input_tokens": 2_000,
            "cache_read_input_tokens": tokens - 2_008,
        },
    }
    return payload


def status_new(
    session: str = SESSION,
    cwd: str = "/home/u/app",
    percent: float = 72,
    size: int = 200_000,
    five_hour: float | None = 40,
    seven_day: float | None = 12,
    resets_at: int = 4_102_444_800,
    model_id: str = "claude-opus-4-5-20251101",
    name: str = "Opus 4.5",
) -> dict[str, Any]:
    """2.1.x: used_percentage and, on Pro/Max plans, rate_limits."""
    payload = _status_common(session, cwd, "2.1.90", model_id, name)
    tokens = int(size * percent / 100)
    payload["cost"] = {"total_cost_usd": 3.42, "total_duration_ms": 1_800_000}
    payload["exceeds_200k_tokens"] = tokens > 200_000
    payload["context_window"] = {
        "context_window_size": size,
        "used_percentage": percent,
        "remaining_percentage": 100 - percent,
        "current_usage": {
            "input_tokens": 12,
            "output_tokens": 640,
            "cache_creation_input_tokens": 2_100,
            "cache_read_input_tokens": tokens - 2_112,
        },
    }
    limits: dict[str, Any] = {}
    if five_hour is not None:
        limits["five_hour"] = {"used_percentage": five_hour, "resets_at": resets_at}
    if seven_day is not None:
        limits["seven_day"] = {"used_percentage": seven_day, "resets_at": resets_at + 86_400}
    if limits:
        payload["rate_limits"] = limits
    return payload
