"""Auto-pause: when a session must be paused, and what a reset acknowledges (pure rules).

A session is paused once its context reaches the pause level. "Reset session" lifts the pause and
acknowledges the level the session is at: it is not paused again at that level, only when it climbs
to a higher one (critical), or after its context fell back below the acknowledged level's start by
the re-arm margin (a /compact) and rose again.
"""

from __future__ import annotations

from claude_tray.core.levels import Level, Thresholds


def should_pause(level: Level, acknowledged: Level | None) -> bool:
    return level >= Level.PAUSE and (acknowledged is None or level > acknowledged)


def acknowledgement_after(
    acknowledged: Level | None, percent: float | None, thresholds: Thresholds, margin: float
) -> Level | None:
    """The acknowledgement still in force once the context is at `percent`: dropped when the
    context fell `margin` points below the start of the acknowledged level."""
    if acknowledged is None or percent is None:
        return acknowledged
    if percent < thresholds.start_of(acknowledged) - margin:
        return None
    return acknowledged
