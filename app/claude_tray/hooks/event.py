"""Recording a Claude Code hook event in the session's state (`storage.state.SessionRecord`).

What an event records: where the session works (`transcript_path`, `cwd`, its `git` repository and
`category`), the event itself (`last_event`, a count per event name), SessionStart's time, source
and model, compactions, and SessionEnd's time, reason and duration. A compaction lifts the
session's auto-pause mark: the context it was paused for is gone. At Stop, a session no status
line reports (print mode) gets the pause rule applied to its transcript's latest context (at Stop
and at UserPromptSubmit, before the gate decides).
"""

from __future__ import annotations

from claude_tray.hooks.category import category_for
from claude_tray.hooks.git_info import git_info
from claude_tray.hooks.payload import table, text
from claude_tray.storage.state import MAX_NAME, GitRecord, bounded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from claude_tray.hooks.hook_settings import HookSettings
    from claude_tray.storage.state import SessionRecord

COMPACTION_EVENTS = ("PreCompact", "PostCompact")
TRANSCRIPT_CONTEXT_EVENTS = ("UserPromptSubmit", "Stop")
"""Where a session no status line reports takes its context from the transcript. At Stop the
turn's last lines may not be written yet (seen with the real client); at the next prompt they
are, so the gate decides on them."""


def apply_event(
    record: SessionRecord, payload: dict[str, Any], settings: HookSettings, now: float
) -> None:
    """Change the session's record for one event (run under the state file's lock)."""
    name = text(payload.get("hook_event_name")) or "unknown"
    _where(record, payload, settings)
    record.record_event(name, now)
    if name == "SessionStart":
        _session_start(record, payload, now)
    elif name in COMPACTION_EVENTS:
        record.record_compaction(name, text(payload.get("trigger")), now)
        if name == "PostCompact":
            record.lift_pause(now, "compacted")
    elif name in TRANSCRIPT_CONTEXT_EVENTS and record.statusline is None:
        if name == "Stop" or record.events.get("Stop"):  # a first prompt has no context yet
            _context_from_transcript(record, settings, now)
    elif name == "SessionEnd":
        record.ended_at = now
        record.end_reason = bounded(payload.get("reason"))
        if record.started_at is not None:
            record.duration = max(0.0, now - record.started_at)


def _context_from_transcript(record: SessionRecord, settings: HookSettings, now: float) -> None:
    """No status line reports this session (print mode): at the end of a turn, apply the pause
    rule to the context of the transcript's latest response (`hooks.transcript_tail`)."""
    if not record.transcript_path:
        return
    from claude_tray.core.context import percent, window_size
    from claude_tray.hooks.transcript_tail import tail_context

    tokens = tail_context(record.transcript_path, now)
    if tokens is not None:
        window = window_size(tokens, None)
        record.follow_pause_rule(percent(tokens, window), settings, now, "transcript")


def _where(record: SessionRecord, payload: dict[str, Any], settings: HookSettings) -> None:
    transcript = bounded(payload.get("transcript_path"))
    if transcript:
        record.transcript_path = transcript
    cwd = bounded(payload.get("cwd"))
    if not cwd:
        return
    record.cwd = cwd
    record.git = GitRecord.from_json(git_info(cwd))
    record.category = bounded(category_for(cwd, settings.categories))


def _session_start(record: SessionRecord, payload: dict[str, Any], now: float) -> None:
    if record.started_at is None:
        record.started_at = now
    record.source = bounded(payload.get("source"), MAX_NAME)
    record.ended_at = record.end_reason = record.duration = None  # resumed after an end
    model = payload.get("model")
    model_id = text(table(model).get("id")) if isinstance(model, dict) else text(model)
    if bounded(model_id, MAX_NAME):
        record.model = model_id
    if record.source == "compact":
        record.lift_pause(now, "compacted")
