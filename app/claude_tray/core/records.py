"""What one transcript line means to claude-tray, as immutable records (no dicts cross layers).

The per-line records are named tuples: ingest makes one per line (millions on a first run), and a
named tuple is built three times faster than a frozen dataclass.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from claude_tray.core.tokens import Tokens


class Speed(enum.StrEnum):
    STANDARD = "standard"
    FAST = "fast"


class Response(NamedTuple):
    """One copy of an assistant API response's usage, as written on one transcript line."""

    message_id: str | None
    request_id: str | None
    session_id: str | None
    project: str | None
    """The `cwd` of the line: the project directory."""
    model: str
    timestamp: float
    """Seconds since the epoch (UTC)."""
    tokens: Tokens
    sidechain: bool
    speed: Speed
    api_error: bool
    """A client-side error (`<synthetic>` model or `isApiErrorMessage`): zero usage, not context."""

    @property
    def counts_for_context(self) -> bool:
        return not self.sidechain and not self.api_error


class CompactBoundary(NamedTuple):
    """A `compact_boundary` system line: the context was compacted to `post_tokens`."""

    session_id: str | None
    project: str | None
    timestamp: float
    post_tokens: int | None
    pre_tokens: int | None
    trigger: str | None


class Title(NamedTuple):
    """An `ai-title` line: its session had a title request, a call no transcript records (see
    `core.unrecorded`); it carries no time."""

    session_id: str | None


class SkipReason(enum.StrEnum):
    """Why a line was not counted. Every skipped line is counted under one of these."""

    MALFORMED_JSON = "malformed JSON"
    NOT_AN_OBJECT = "not a JSON object"
    INVALID_UTF8 = "invalid UTF-8"
    BAD_TIMESTAMP = "missing or invalid timestamp"
    BAD_TOKENS = "negative or non-integer token count"
    TOKENS_TOO_LARGE = "token count too large"
    NOT_FINITE = "number out of range (infinite or NaN)"
    IMPLAUSIBLE_TIME = "timestamp before 2023 or in the future"
    BAD_FIELD = "field of the wrong type"
    TOO_LONG = "line longer than the limit"
    UNTYPED_USAGE = "usage on a line with no type that is not marked as an assistant response"
    PROGRESS_WITHOUT_ID = "subagent usage in a progress line without a message id (no dedupe)"
    TOO_DEEP = "JSON nested too deeply to read"


class Skipped(Exception):
    """Raised by the interpreters for a line that cannot be counted."""

    def __init__(self, reason: SkipReason) -> None:
        super().__init__(reason.value)
        self.reason = reason
