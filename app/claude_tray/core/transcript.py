"""Interpret one decoded transcript line (a JSON object) as a record.

Claude Code calls its format internal and changes it between versions: unknown line types and
fields are ignored, missing or null fields take their neutral value, and only a field whose value
makes the line meaningless (a token count of -3 or of 10**20, a timestamp that is not a date or
lies outside the plausible window of `core.bounds`) skips the line, counted under its reason.

`latest` is the latest plausible time (`bounds.latest_plausible(now)`): core reads no clock.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from claude_tray.core.bounds import EARLIEST, MAX_TOKENS
from claude_tray.core.records import (
    CompactBoundary,
    Response,
    Skipped,
    SkipReason,
    Speed,
    Title,
)
from claude_tray.core.tokens import Tokens

SYNTHETIC_MODEL = "<synthetic>"

_new = tuple.__new__
"""Builds a named tuple from its fields in order, without the Python-level `__new__` of the
class (the records built once per line of a first ingest)."""


Record = Response | CompactBoundary | Title
"""What a line can stand for."""


def interpret(obj: object, latest: float) -> Record | None:
    """The record one decoded line stands for, None when it carries nothing we count.

    Raises `Skipped` when the line claims to be usage but its values are unusable.
    """
    if not isinstance(obj, dict):
        raise Skipped(SkipReason.NOT_AN_OBJECT)
    kind = obj.get("type")
    if kind == "assistant":
        return _response(obj, latest)
    if kind == "system" and obj.get("subtype") == "compact_boundary":
        return _compact(obj, latest)
    if kind == "progress":
        return _progress(obj, latest)
    if kind is None:
        return _untyped(obj, latest)
    if kind == "ai-title":
        return title(obj.get("sessionId"))
    return None


def _progress(obj: dict[str, Any], latest: float) -> Response | None:
    data = obj.get("data")
    inner = data.get("message") if isinstance(data, dict) else None
    if not isinstance(inner, dict) or inner.get("type") != "assistant":
        return None
    message = inner.get("message")
    if not isinstance(message, dict):
        return None
    return progress_response(
        message.get("id"),
        message.get("model"),
        message.get("usage"),
        inner.get("requestId"),
        obj.get("sessionId"),
        obj.get("cwd"),
        inner.get("timestamp") or obj.get("timestamp"),
        inner.get("isApiErrorMessage"),
        latest,
    )


def _untyped(obj: dict[str, Any], latest: float) -> Response | None:
    message = obj.get("message")
    if not isinstance(message, dict):
        return None
    return untyped_response(
        message.get("id"),
        message.get("model"),
        message.get("usage"),
        message.get("role"),
        obj.get("requestId"),
        obj.get("sessionId"),
        obj.get("cwd"),
        obj.get("isSidechain"),
        obj.get("timestamp"),
        obj.get("isApiErrorMessage"),
        latest,
    )


def _response(obj: dict[str, Any], latest: float) -> Response | None:
    message = obj.get("message")
    if not isinstance(message, dict):
        return None
    return response(
        message.get("id"),
        message.get("model"),
        message.get("usage"),
        obj.get("requestId"),
        obj.get("sessionId"),
        obj.get("cwd"),
        obj.get("isSidechain"),
        obj.get("timestamp"),
        obj.get("isApiErrorMessage"),
        latest,
    )


def _compact(obj: dict[str, Any], latest: float) -> CompactBoundary:
    return compact(
        obj.get("sessionId"),
        obj.get("cwd"),
        obj.get("timestamp"),
        obj.get("compactMetadata"),
        latest,
    )


def response(
    message_id: object,
    model: object,
    usage: object,
    request_id: object,
    session_id: object,
    cwd: object,
    sidechain: object,
    timestamp: object,
    api_error: object,
    latest: float,
) -> Response | None:
    """An assistant line's usage from its raw field values (as decoded, of any JSON type).

    The one interpretation of those fields, whichever decoder produced them.
    """
    if type(usage) is not dict:
        return None
    return counted_response(
        message_id,
        model,
        _tokens(usage),
        usage.get("speed") == "fast",
        request_id,
        session_id,
        cwd,
        sidechain,
        timestamp,
        api_error,
        latest,
    )


def counted_response(
    message_id: object,
    model: object,
    tokens: Tokens,
    fast: bool,
    request_id: object,
    session_id: object,
    cwd: object,
    sidechain: object,
    timestamp: object,
    api_error: object,
    latest: float,
) -> Response:
    """`response` for a decoder that already checked the usage's counts (whole numbers in
    0..`MAX_TOKENS`, see `split_tokens`) and read its speed."""
    model_id = model if type(model) is str and model else "unknown"
    # `_text` spelled out, and the tuple built without the named tuple's Python-level `__new__`
    # (`_new`, the same fields in order): this runs once per line of a first ingest.
    return _new(
        Response,
        (
            message_id if type(message_id) is str and message_id else None,
            request_id if type(request_id) is str and request_id else None,
            session_id if type(session_id) is str and session_id else None,
            cwd if type(cwd) is str and cwd else None,
            model_id,
            parse_timestamp(timestamp, latest),
            tokens,
            sidechain is True,
            Speed.FAST if fast else Speed.STANDARD,
            model_id == SYNTHETIC_MODEL or api_error is True,
        ),
    )


def progress_response(
    message_id: object,
    model: object,
    usage: object,
    request_id: object,
    session_id: object,
    cwd: object,
    timestamp: object,
    api_error: object,
    latest: float,
) -> Response | None:
    """A subagent's response as its parent transcript holds it (`progress` line, in
    `data.message`): counted as a sidechain response of the parent's session, keyed by the
    subagent's own message and request ids, so the copy in the subagent's own file (when there
    is one) dedupes with it. Without a message id it could count twice: skipped, with a reason."""
    if type(usage) is not dict:
        return None
    if not (type(message_id) is str and message_id):
        raise Skipped(SkipReason.PROGRESS_WITHOUT_ID)
    return response(
        message_id, model, usage, request_id, session_id, cwd, True, timestamp, api_error, latest
    )


def untyped_response(
    message_id: object,
    model: object,
    usage: object,
    role: object,
    request_id: object,
    session_id: object,
    cwd: object,
    sidechain: object,
    timestamp: object,
    api_error: object,
    latest: float,
) -> Response | None:
    """A line with usage but no `type` (older writers, some tools' exports): an assistant
    response when its message says so (`role: "assistant"`); any other usage on such a line is
    ambiguous and skipped with its reason."""
    if type(usage) is not dict:
        return None
    if role != "assistant":
        raise Skipped(SkipReason.UNTYPED_USAGE)
    return response(
        message_id,
        model,
        usage,
        request_id,
        session_id,
        cwd,
        sidechain,
        timestamp,
        api_error,
        latest,
    )


def compact(
    session_id: object, cwd: object, timestamp: object, meta: object, latest: float
) -> CompactBoundary:
    """A compact boundary from its raw field values (an unusable token count skips it)."""
    details = meta if isinstance(meta, dict) else {}
    return CompactBoundary(
        session_id=_text(session_id),
        project=_text(cwd),
        timestamp=parse_timestamp(timestamp, latest),
        post_tokens=_optional_count(details.get("postTokens")),
        pre_tokens=_optional_count(details.get("preTokens")),
        trigger=_text(details.get("trigger")),
    )


def title(session_id: object) -> Title:
    """An `ai-title` line from its raw `sessionId` (None: the file's own session)."""
    return Title(_text(session_id))


def _tokens(usage: dict[str, Any]) -> Tokens:
    get = usage.get
    inp = get("input_tokens")
    out = get("output_tokens")
    cache_write = get("cache_creation_input_tokens")
    cache_read = get("cache_read_input_tokens")
    # The usual case, checked inline: four whole numbers >= 0 (`type is int` rejects bools).
    if not (
        type(inp) is int
        and type(out) is int
        and type(cache_write) is int
        and type(cache_read) is int
        and min(inp, out, cache_write, cache_read) >= 0
        and max(inp, out, cache_write, cache_read) <= MAX_TOKENS
    ):
        inp, out, cache_write, cache_read = (
            _count(inp),
            _count(out),
            _count(cache_write),
            _count(cache_read),
        )
    split = get("cache_creation")
    if type(split) is dict and (
        "ephemeral_5m_input_tokens" in split or "ephemeral_1h_input_tokens" in split
    ):
        write_1h = _count(split.get("ephemeral_1h_input_tokens"))
        write_5m = _count(split.get("ephemeral_5m_input_tokens"))
        return split_tokens(inp, out, cache_write, cache_read, write_5m, write_1h)
    return Tokens(inp, out, cache_write, 0, cache_read)  # older builds: all writes are 5-minute


def split_tokens(
    inp: int, out: int, cache_write: int, cache_read: int, write_5m: int, write_1h: int
) -> Tokens:
    """Counts already checked, with the 5m/1h split of newer builds (0 for a part not given)."""
    # Trust the total when the split disagrees with it: what is not 1h is 5m.
    if write_5m + write_1h != cache_write and cache_write:
        write_1h = min(write_1h, cache_write)
        write_5m = cache_write - write_1h
    elif not cache_write:
        cache_write = write_5m + write_1h
    return _new(Tokens, (inp, out, write_5m, write_1h, cache_read))


def _count(value: object) -> int:
    """A token count: absent or null is 0; anything but a whole number in 0..`MAX_TOKENS` skips
    the line."""
    if type(value) is int and 0 <= value <= MAX_TOKENS:  # the usual case first (not bool)
        return value
    if value is None:
        return 0
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Skipped(SkipReason.NOT_FINITE)
        if not value.is_integer():
            raise Skipped(SkipReason.BAD_TOKENS)
    elif type(value) is not int:
        raise Skipped(SkipReason.BAD_TOKENS)
    if value < 0:
        raise Skipped(SkipReason.BAD_TOKENS)
    if value > MAX_TOKENS:
        raise Skipped(SkipReason.TOKENS_TOO_LARGE)
    return int(value)


def _optional_count(value: object) -> int | None:
    return None if value is None else _count(value)


def _text(value: object) -> str | None:
    return value if type(value) is str and value else None


def parse_timestamp(value: object, latest: float) -> float:
    """ISO 8601 (with `Z` or an offset, with or without fractions) to epoch seconds.

    A timestamp without an offset is taken as UTC, as Claude Code writes UTC. One before 2023 or
    after `latest` skips the line.
    """
    if not isinstance(value, str):
        raise Skipped(SkipReason.BAD_TIMESTAMP)
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp()
    except (ValueError, OverflowError):
        raise Skipped(SkipReason.BAD_TIMESTAMP) from None
    if not EARLIEST <= seconds <= latest:
        raise Skipped(SkipReason.IMPLAUSIBLE_TIME)
    return seconds
