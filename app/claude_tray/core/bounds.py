"""The plausible range of every number and time read from outside: transcripts, hook and status
line payloads, the config. A value outside it is refused where it is read (the edge), once, so
that nothing past the edge meets a count SQLite cannot store or a date no calendar view can span.
"""

from __future__ import annotations

MAX_TOKENS = 2**32
"""The largest token count one response (or one compaction) can report. Real ones are below
10**7; this bound keeps every sum SQLite and the costs make exact (2**63 / (5 * 2**32) rows)."""

EARLIEST = 1_672_531_200.0
"""2023-01-01T00:00:00Z: no Claude Code transcript is older."""

FUTURE_SLACK = 86_400.0
"""A time more than this after now (clock skew between machines, time zones) is not plausible."""


def latest_plausible(now: float) -> float:
    """The latest plausible time of an event read at `now`."""
    return now + FUTURE_SLACK
