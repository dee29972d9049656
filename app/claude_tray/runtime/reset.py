"""Reset session: shared by the tray's engine thread and `claude-tray reset`.

A reset lifts the session's pause and acknowledges the level it is at now (see `core.pause`); the
tray's alerts re-arm the levels above it when the engine next sees the reset in the state file.
Runs on whichever thread owns `workspace` (its SQLite connection is per-thread).
"""

from __future__ import annotations

from collections.abc import Mapping

from claude_tray.core.snapshot import LiveFacts, SessionState
from claude_tray.engine.snapshot import Clock, hooked_only, session_states
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.state import reset_session


class AmbiguousSession(Exception):
    """A session id prefix that matches more than one session."""


def find_session(
    workspace: Workspace, clock: Clock, facts: Mapping[str, LiveFacts], session_id: str | None
) -> SessionState | None:
    """The session `session_id` (or a unique prefix of it), active or not; with None, the most
    urgent active session. None when there is no such session."""
    if session_id is None:
        return workspace.snapshot(clock, facts).most_urgent
    only = session_id_for(workspace, facts, session_id)
    if only is None:
        return None
    rows = workspace.ledger.sessions([only])
    if not rows:
        if only not in facts:
            return None
        rows = [hooked_only(only, facts[only])]
    states = session_states(
        workspace.ledger, workspace.config, workspace.prices, clock, rows, facts
    )
    return states[0] if states else None


def session_id_for(workspace: Workspace, facts: Mapping[str, LiveFacts], wanted: str) -> str | None:
    """The one rule for a session id on the command line: the session `wanted` names exactly,
    else the one it is a prefix of, among the ledger's sessions and those in `facts` (the state
    files). None when there is none; `AmbiguousSession` when it is a prefix of several."""
    ids = workspace.ledger.sessions_starting(wanted) | {
        sid for sid in facts if sid.startswith(wanted)
    }
    if wanted in ids:
        return wanted
    if len(ids) > 1:
        raise AmbiguousSession(
            f"{wanted!r} matches {len(ids)} sessions: " + ", ".join(sorted(ids)[:5])
        )
    return next(iter(ids), None)


def apply_reset(workspace: Workspace, session: SessionState, now: float) -> None:
    """Write the reset into the session's state file (the gate reads it at once)."""
    reset_session(workspace.paths, session.session_id, session.level.label, now)
