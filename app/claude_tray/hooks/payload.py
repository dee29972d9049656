"""Reading the JSON Claude Code sends: every field optional, a wrong type counts as absent."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def count(value: object) -> int | None:
    n = number(value)
    return None if n is None or n < 0 else int(n)


def printable(value: str) -> str:
    """`value` with every control character (newline, escape) turned into a space."""
    return "".join(c if c.isprintable() else " " for c in value)


def one_line(value: str, limit: int = 120) -> str:
    """Text from a payload made safe for one line of a terminal, trimmed, at most `limit` long."""
    cleaned = printable(value).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
