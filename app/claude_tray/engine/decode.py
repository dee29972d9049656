"""Decoding one transcript line into a record, fast.

Most lines that matter are assistant lines of the usual shape: they are decoded straight into a
typed struct that names only the fields we read, so their content (text, tool input, thinking) is
skipped without building Python objects for it. Any line of another shape falls back to a generic
decode. Either way the field values go through `core.transcript`, the one interpretation of them.

A first read of a history decodes whole buffers of lines at once (`decode_lines`, one call into C
for thousands of lines); a buffer holding any line that is not a JSON object of the usual shape is
read line by line instead, where each line gets its own decision and skip reason.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from claude_tray.core.bounds import MAX_TOKENS
from claude_tray.core.records import Skipped, SkipReason
from claude_tray.core.tokens import Tokens
from claude_tray.core.transcript import (
    Record,
    compact,
    counted_response,
    interpret,
    progress_response,
    split_tokens,
    title,
    untyped_response,
)

_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]
"""A token count as `core.transcript` accepts it, checked in C; anything else (a bool, a float, a
negative or huge number) fails the typed decode and the line takes the generic path, where
`core.transcript` decides (and names the reason for a skip)."""


class _Split(msgspec.Struct, gc=False):
    ephemeral_5m_input_tokens: _Count | None = None
    ephemeral_1h_input_tokens: _Count | None = None


class _Usage(msgspec.Struct, gc=False):
    input_tokens: _Count | None = None
    output_tokens: _Count | None = None
    cache_creation_input_tokens: _Count | None = None
    cache_read_input_tokens: _Count | None = None
    cache_creation: _Split | None = None
    speed: str | None = None


class _Message(msgspec.Struct, gc=False):
    id: Any = None
    model: Any = None
    usage: _Usage | None = None
    role: Any = None


class _AnyMessage(msgspec.Struct, gc=False):
    id: Any = None
    model: Any = None
    usage: Any = None


class _Nested(msgspec.Struct, gc=False):
    """A subagent's line as a `progress` line of its parent carries it (`data.message`)."""

    type: Any = None
    message: _AnyMessage | None = None
    requestId: Any = None
    timestamp: Any = None
    isApiErrorMessage: Any = None


class _Progress(msgspec.Struct, gc=False):
    message: _Nested | None = None


class Line(msgspec.Struct, gc=False):
    """One transcript line as the typed decoder sees it: only the fields we read (any other
    field, such as a message's content, is skipped in C)."""

    type: Any = None
    subtype: Any = None
    message: _Message | None = None
    requestId: Any = None
    sessionId: Any = None
    cwd: Any = None
    isSidechain: Any = None
    timestamp: Any = None
    isApiErrorMessage: Any = None
    compactMetadata: Any = None
    data: _Progress | None = None


_TYPED = msgspec.json.Decoder(Line)
_GENERIC = msgspec.json.Decoder()


def decode_lines(data: bytes | memoryview) -> list[Line] | None:
    """Every line of `data` (whole lines), decoded at once; blank lines are left out. None when
    any line is not a JSON object of the usual shape: such a buffer is read line by line
    (`decode_line`), so that a bad line costs only itself."""
    try:
        return _TYPED.decode_lines(data)
    except (msgspec.DecodeError, UnicodeDecodeError):  # a ValidationError is a DecodeError
        return None


def decode_line(line: bytes, latest: float) -> Record | None:
    """The record a line stands for; None when it carries nothing we count.

    Raises `Skipped` for a line that is not JSON, not UTF-8, or whose usage values are unusable
    (`latest`: the latest plausible timestamp, see `core.bounds`).
    """
    try:
        parsed = _TYPED.decode(line)
    except msgspec.ValidationError:  # valid JSON of an unusual shape
        try:
            return interpret(_GENERIC.decode(line), latest)
        except (msgspec.DecodeError, UnicodeDecodeError) as error:
            raise Skipped(decode_failure(line, error)) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise Skipped(decode_failure(line, error)) from None
    return line_record(parsed, latest)


def line_record(parsed: Line, latest: float) -> Record | None:
    """The record a typed line stands for (see `decode_line`, which raises the same `Skipped`)."""
    kind = parsed.type
    if kind == "assistant":
        message = parsed.message
        if message is None or message.usage is None:
            return None
        usage = message.usage
        return counted_response(
            message.id,
            message.model,
            _tokens(usage),
            usage.speed == "fast",
            parsed.requestId,
            parsed.sessionId,
            parsed.cwd,
            parsed.isSidechain,
            parsed.timestamp,
            parsed.isApiErrorMessage,
            latest,
        )
    if kind == "system" and parsed.subtype == "compact_boundary":
        return compact(
            parsed.sessionId, parsed.cwd, parsed.timestamp, parsed.compactMetadata, latest
        )
    if kind == "progress":
        nested = parsed.data.message if parsed.data is not None else None
        if nested is None or nested.type != "assistant" or nested.message is None:
            return None
        return progress_response(
            nested.message.id,
            nested.message.model,
            nested.message.usage,
            nested.requestId,
            parsed.sessionId,
            parsed.cwd,
            nested.timestamp or parsed.timestamp,
            nested.isApiErrorMessage,
            latest,
        )
    if kind is None and parsed.message is not None:
        message = parsed.message
        if message.usage is None:
            return None
        return untyped_response(
            message.id,
            message.model,
            msgspec.structs.asdict(message.usage) | _split_dict(message.usage),
            message.role,
            parsed.requestId,
            parsed.sessionId,
            parsed.cwd,
            parsed.isSidechain,
            parsed.timestamp,
            parsed.isApiErrorMessage,
            latest,
        )
    if kind == "ai-title":
        return title(parsed.sessionId)
    return None


def _tokens(usage: _Usage) -> Tokens:
    """The tokens of a usage whose counts msgspec checked (a missing or null count is 0)."""
    inp = usage.input_tokens or 0
    out = usage.output_tokens or 0
    write = usage.cache_creation_input_tokens or 0
    read = usage.cache_read_input_tokens or 0
    split = usage.cache_creation
    if split is None or (
        split.ephemeral_5m_input_tokens is None and split.ephemeral_1h_input_tokens is None
    ):
        return Tokens(inp, out, write, 0, read)
    return split_tokens(
        inp,
        out,
        write,
        read,
        split.ephemeral_5m_input_tokens or 0,
        split.ephemeral_1h_input_tokens or 0,
    )


def _split_dict(usage: _Usage) -> dict[str, Any]:
    split = usage.cache_creation
    return {"cache_creation": None if split is None else msgspec.structs.asdict(split)}


def not_an_object_reason(line: bytes) -> SkipReason:
    """Why a line that is not `{...}` is skipped: valid JSON of another kind (an array, a number,
    a string) is "not an object"; anything else is malformed."""
    try:
        _GENERIC.decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        return decode_failure(line, error)
    return SkipReason.NOT_AN_OBJECT


def is_json_object(data: bytes) -> bool:
    """Whether `data` is one whole JSON object (a complete line without its newline)."""
    stripped = data.strip()
    if stripped[:1] != b"{" or stripped[-1:] != b"}":
        return False
    try:
        _GENERIC.decode(stripped)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return False
    return True


def decode_failure(line: bytes, error: Exception | None = None) -> SkipReason:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return SkipReason.INVALID_UTF8
    if error is not None and "out of range" in str(error):  # msgspec: a number beyond a double
        return SkipReason.NOT_FINITE
    return SkipReason.MALFORMED_JSON
