"""Reading the JSON Claude Code sends: every field optional, a wrong type counts as absent.

Numbers are checked where they are kept, by `storage.state` (`finite`, `whole`, `moment`: a
non-finite number, a whole number beyond a double's exact range, a token count above
`core.bounds.MAX_TOKENS` or an implausible time counts as absent).
"""

from __future__ import annotations

from claude_tray.core.sanitize import clean

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def printable(value: str) -> str:
    """`value` made safe for one line of a terminal (`core.sanitize.clean`)."""
    return clean(value)


def one_line(value: str, limit: int = 120) -> str:
    """Text from a payload made safe for one line of a terminal, trimmed, at most `limit` long."""
    return clean(clean(value).strip(), limit)
