"""Auto-pause: when a session must be paused, and what a reset acknowledges (the one rule).

A session is paused once its context reaches the pause level. "Reset session" lifts the pause and
acknowledges the level the session is at: it is not paused again at that level, only when it climbs
to a higher one (critical), or after its context fell back below the acknowledged level's start by
the re-arm margin (a /compact) and rose again. A pause, once set, holds while the context stays at
or above the pause level, and is lifted once it is below.

The tray's engine, the hook and the status line all apply this rule through
`storage.state.SessionRecord.follow_pause_rule`.
"""

from __future__ import annotations

from claude_tray.core.levels import Level, Thresholds, level_for


def gate_holds(hooks_report: bool, enforce: bool) -> bool:
    """Whether the pause mark stops a session: our hooks run in it (the gate among them refuses a
    prompt while the mark is set) and `[auto_pause] enforce` is on. A marked session where this is
    false is shown at its level, never as "paused" (the tray's views and the status line)."""
    return hooks_report and enforce


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


class PauseDecision:
    """What the rule says for one session at one context percentage."""

    __slots__ = ("acknowledged", "level", "paused")

    def __init__(self, level: Level, paused: bool, acknowledged: Level | None) -> None:
        self.level = level
        self.paused = paused
        """Whether the session is to carry the pause mark."""
        self.acknowledged = acknowledged
        """The reset's acknowledgement still in force (None once dropped)."""

    def __repr__(self) -> str:
        return f"PauseDecision({self.level.label}, paused={self.paused}, ack={self.acknowledged})"


def decide_pause(
    paused: bool,
    acknowledged: Level | None,
    percent: float,
    thresholds: Thresholds,
    margin: float,
) -> PauseDecision:
    """The rule: from the session's mark, its reset's acknowledgement and its context now."""
    level = level_for(percent, thresholds)
    still = acknowledgement_after(acknowledged, percent, thresholds, margin)
    wanted = should_pause(level, still) or (paused and level >= Level.PAUSE)
    return PauseDecision(level, wanted, still)
