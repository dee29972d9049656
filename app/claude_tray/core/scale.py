"""Where a context percentage falls on the tray's one scale, by the levels' names, without `enum`.

The status line runs on every assistant message and shows the context in its level's colour:
`core.levels` (its `Level` is an `IntEnum`; `enum` loads `functools` and `collections`) would cost
each call a few ms. `core.levels.Level` is this scale, and `level_for` places a percentage on it
with `rung`.
"""

from __future__ import annotations

LABELS = ("ok", "caution", "warning", "pause", "critical")
"""The levels' names, lowest first: `LABELS[rung(...)]` is the level's `label`."""


def rung(percent: float, starts: tuple[float, float, float, float]) -> int:
    """The level (0: ok .. 4: critical) of `percent`, given the percentages at which caution,
    warning, pause and critical start (rising; equal starts: the higher level wins). A percentage
    that is no number is ok."""
    level = 0
    for start in starts:
        if not percent >= start:
            break
        level += 1
    return level
