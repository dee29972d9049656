"""Writing a session state file as our hooks would have left it (its JSON, as on disk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_tray.storage.paths import AppDirs, AppPaths
from claude_tray.storage.state import state_file


def write_state(paths: AppDirs | AppPaths, session_id: str, **fields: Any) -> Path:
    """Merge `fields` into the session's state file (created if missing)."""
    path = Path(state_file(paths, session_id))
    data = json.loads(path.read_bytes()) if path.exists() else {"version": 1}
    data.update(fields, session_id=session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def read_state(paths: AppDirs | AppPaths, session_id: str) -> dict[str, Any] | None:
    """The session's state file as it is on disk, or None when there is none."""
    path = Path(state_file(paths, session_id))
    return json.loads(path.read_bytes()) if path.exists() else None


def hooks_ran(paths: AppDirs | AppPaths, session_id: str, at: float = 1.0) -> None:
    """Record one hook event in the session's state, as our hook does where it is installed:
    the gate runs in that session, so a pause mark there holds it."""
    from claude_tray.storage.state import change_session

    change_session(paths, session_id, lambda record: record.record_event("SessionStart", at))
