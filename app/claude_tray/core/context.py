"""A session's context: how full its window is (the one definition of the percentage)."""

from __future__ import annotations

import enum
from typing import NamedTuple

STANDARD_WINDOW = 200_000
EXTENDED_WINDOW = 1_000_000


class ContextSource(enum.StrEnum):
    TRANSCRIPT = "transcript"
    """Estimated from the transcript (window size guessed unless configured)."""
    STATUSLINE = "statusline"
    """Reported by Claude Code's status line: exact."""


class TranscriptContext(NamedTuple):
    """What the transcript says of a session's context.

    `response_tokens` is the prompt of its latest main-chain response, `compact_post_tokens` the
    `postTokens` of its latest compact boundary; whichever is later is the context now.
    """

    response_tokens: int | None
    response_at: float | None
    compact_post_tokens: int | None
    compact_at: float | None
    max_tokens_seen: int

    def tokens(self) -> int | None:
        if self.compact_at is not None and (
            self.response_at is None or self.compact_at >= self.response_at
        ):
            return self.compact_post_tokens
        return self.response_tokens


def window_size(max_tokens_seen: int, configured: int | None) -> int:
    """The window of a session known only from its transcript: a configured size, else 200k,
    switching to 1M once the session has been seen above 200k."""
    if configured:
        return configured
    return EXTENDED_WINDOW if max_tokens_seen > STANDARD_WINDOW else STANDARD_WINDOW


def percent(tokens: int | None, window: int) -> float | None:
    if tokens is None or window <= 0:
        return None
    return 100.0 * tokens / window
