"""Reading the JSON Claude Code sends: every field optional, a wrong type counts as absent.

So does a value out of range: a non-finite number (`NaN`, `Infinity`, `1e400` all decode), a
whole number beyond a double's exact range, a token count above `core.bounds.MAX_TOKENS`.
"""

from __future__ import annotations

from claude_tray.core.bounds import EARLIEST, MAX_TOKENS
from claude_tray.core.sanitize import clean

_EXACT = 2**53
"""Whole numbers up to this are exact as floats; larger ones are not numbers we can use."""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def number(value: object) -> float | None:
    """A finite number (ints within +-2**53), else None."""
    if type(value) is int:
        return float(value) if -_EXACT <= value <= _EXACT else None
    if type(value) is float and value - value == 0.0:  # false for inf and nan
        return value
    return None


def count(value: object) -> int | None:
    """A whole count in 0..`MAX_TOKENS` (a float is truncated), else None."""
    n = number(value)
    return None if n is None or not 0 <= n <= MAX_TOKENS else int(n)


def moment(value: object, latest: float) -> float | None:
    """Epoch seconds in the plausible window [2023-01-01, `latest`], else None."""
    n = number(value)
    return n if n is not None and EARLIEST <= n <= latest else None


def printable(value: str) -> str:
    """`value` made safe for one line of a terminal (`core.sanitize.clean`)."""
    return clean(value)


def one_line(value: str, limit: int = 120) -> str:
    """Text from a payload made safe for one line of a terminal, trimmed, at most `limit` long."""
    return clean(clean(value).strip(), limit)
