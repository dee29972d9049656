"""The ledger's rows as Python sees them, and the one rule that picks between two copies of a
message.

A message (one API response) can be written to several transcripts, or several times to one (a
streamed response is logged as it grows): all copies share a key, and the ledger keeps one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class FileMark(NamedTuple):
    """How far a transcript has been read, and which file that was (device + inode).

    A named tuple: a warm pass loads one per known transcript, thousands of them."""

    device: int
    inode: int
    size: int
    offset: int
    mtime_ns: int


class MessageRow(NamedTuple):
    """One counted message: a row of the ledger's `messages` table, columns in table order."""

    key: int
    """64-bit hash of message.id:requestId (or of the whole line when it has no id)."""
    ts: float
    """Epoch seconds, UTC."""
    session: str | None
    project: str | None
    model: str
    input: int
    output: int
    cache_write_5m: int
    cache_write_1h: int
    cache_read: int
    total: int
    sidechain: int
    fast: int
    long: int
    """1 when the prompt was above 200k tokens (the long-context price rule)."""


MESSAGE_COLUMNS = MessageRow._fields


@dataclass(frozen=True, slots=True)
class SessionMark:
    """What one read pass learned of a session; merged into the ledger keeping the newest."""

    session: str
    project: str | None
    model: str | None
    first_ts: float
    last_ts: float
    context_tokens: int | None
    context_ts: float | None
    compact_tokens: int | None
    compact_ts: float | None
    max_context: int


# -- the dedupe rule ---------------------------------------------------------------------------
# Of two copies of a message, the one with more tokens wins (a streamed response's last copy); at
# equal tokens the main conversation's copy wins over a sidechain's. Written once, as an ordering:
# the reader applies it in Python within a file, the ledger in SQL across files and passes.

_RANK: tuple[tuple[str, int], ...] = (("total", 1), ("sidechain", -1))
"""Columns compared in turn, each with its direction (1: more wins, -1: less wins)."""


def rank(row: MessageRow) -> tuple[int, ...]:
    """The copy with the higher rank is the one kept."""
    return tuple(sign * getattr(row, column) for column, sign in _RANK)


def replaces(new: MessageRow, kept: MessageRow | None) -> bool:
    """Whether `new` is the copy to keep instead of `kept` (always, when nothing is kept yet)."""
    return kept is None or rank(new) > rank(kept)


def replaces_sql(new: str, kept: str) -> str:
    """The same test in SQL, for rows (or tables) named `new` and `kept`."""

    def side(name: str) -> str:
        return ", ".join(f"{'-' if sign < 0 else ''}{name}.{c}" for c, sign in _RANK)

    return f"({side(new)}) > ({side(kept)})"
