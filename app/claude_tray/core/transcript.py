"""Interpret one decoded transcript line (a JSON object) as a record.

Claude Code calls its format internal and changes it between versions: unknown line types and
fields are ignored, missing or null fields take their neutral value, and only a field whose value
makes the line meaningless (a token count of -3, a timestamp that is not a date) skips the line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from claude_tray.core.records import CompactBoundary, Response, Skipped, SkipReason, Speed
from claude_tray.core.tokens import Tokens

SYNTHETIC_MODEL = "<synthetic>"


def interpret(obj: object) -> Response | CompactBoundary | None:
    """The record one decoded line stands for, None when it carries nothing we count.

    Raises `Skipped` when the line claims to be usage but its values are unusable.
    """
    if not isinstance(obj, dict):
        raise Skipped(SkipReason.NOT_AN_OBJECT)
    kind = obj.get("type")
    if kind == "assistant":
        return _response(obj)
    if kind == "system" and obj.get("subtype") == "compact_boundary":
        return _compact(obj)
    return None


def _response(obj: dict[str, Any]) -> Response | None:
    message = obj.get("message")
    if not isinstance(message, dict):
        return None
    usage = message.get("usage")
    if not isinstance(usage, dict):
        return None
    model = _text(message.get("model")) or "unknown"
    api_error = model == SYNTHETIC_MODEL or obj.get("isApiErrorMessage") is True
    return Response(
        message_id=_text(message.get("id")),
        request_id=_text(obj.get("requestId")),
        session_id=_text(obj.get("sessionId")),
        project=_text(obj.get("cwd")),
        model=model,
        timestamp=parse_timestamp(obj.get("timestamp")),
        tokens=_tokens(usage),
        sidechain=obj.get("isSidechain") is True,
        speed=Speed.FAST if usage.get("speed") == "fast" else Speed.STANDARD,
        api_error=api_error,
    )


def _compact(obj: dict[str, Any]) -> CompactBoundary:
    meta = obj.get("compactMetadata")
    meta = meta if isinstance(meta, dict) else {}
    return CompactBoundary(
        session_id=_text(obj.get("sessionId")),
        project=_text(obj.get("cwd")),
        timestamp=parse_timestamp(obj.get("timestamp")),
        post_tokens=_optional_count(meta.get("postTokens")),
        pre_tokens=_optional_count(meta.get("preTokens")),
        trigger=_text(meta.get("trigger")),
    )


def _tokens(usage: dict[str, Any]) -> Tokens:
    cache_write = _count(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    if isinstance(split, dict) and (
        "ephemeral_5m_input_tokens" in split or "ephemeral_1h_input_tokens" in split
    ):
        write_1h = _count(split.get("ephemeral_1h_input_tokens"))
        write_5m = _count(split.get("ephemeral_5m_input_tokens"))
        # Trust the total when the split disagrees with it: what is not 1h is 5m.
        if write_5m + write_1h != cache_write and cache_write:
            write_1h = min(write_1h, cache_write)
            write_5m = cache_write - write_1h
        elif not cache_write:
            cache_write = write_5m + write_1h
    else:
        write_5m, write_1h = cache_write, 0  # older builds: every cache write is a 5-minute one
    return Tokens(
        input=_count(usage.get("input_tokens")),
        output=_count(usage.get("output_tokens")),
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        cache_read=_count(usage.get("cache_read_input_tokens")),
    )


def _count(value: object) -> int:
    """A token count: absent or null is 0; anything but a whole number >= 0 skips the line."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise Skipped(SkipReason.BAD_TOKENS)
    if isinstance(value, int):
        if value < 0:
            raise Skipped(SkipReason.BAD_TOKENS)
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    raise Skipped(SkipReason.BAD_TOKENS)


def _optional_count(value: object) -> int | None:
    try:
        return None if value is None else _count(value)
    except Skipped:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_timestamp(value: object) -> float:
    """ISO 8601 (with `Z` or an offset, with or without fractions) to epoch seconds.

    A timestamp without an offset is taken as UTC, as Claude Code writes UTC.
    """
    if not isinstance(value, str):
        raise Skipped(SkipReason.BAD_TIMESTAMP)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Skipped(SkipReason.BAD_TIMESTAMP) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC).timestamp()
    return moment.timestamp()
