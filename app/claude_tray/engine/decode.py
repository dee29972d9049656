"""Decoding one transcript line into a record, fast.

Most lines that matter are assistant lines of the usual shape: they are decoded straight into a
typed struct that names only the fields we read, so their content (text, tool input, thinking) is
skipped without building Python objects for it. Any line of another shape falls back to a generic
decode. Either way the field values go through `core.transcript`, the one interpretation of them.

A first read of a history decodes whole buffers of lines at once (`decode_buffer`, one call into C
for thousands of lines); a line that is not a JSON object of the usual shape is read by itself
instead (`engine.read`), where it gets its own decision and skip reason.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec

from claude_tray.core.bounds import MAX_TOKENS
from claude_tray.core.records import SkipReason
from claude_tray.core.transcript import (
    Item,
    Record,
    interpret_items,
    interpret_lines,
    record_of,
)

_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]
"""A token count as `core.transcript` accepts it, checked in C; anything else (a bool, a float, a
negative or huge number) fails the typed decode and the line takes the generic path, where
`core.transcript` decides (and names the reason for a skip). A usage is this struct or null on
every line shape (a progress line's nested message too): `core.transcript.interpret_lines` reads
its counts as checked."""


class _Split(msgspec.Struct, gc=False):
    ephemeral_5m_input_tokens: _Count | None = None
    ephemeral_1h_input_tokens: _Count | None = None


class _Usage(msgspec.Struct, gc=False):
    input_tokens: _Count | None = None
    cache_creation_input_tokens: _Count | None = None
    cache_read_input_tokens: _Count | None = None
    cache_creation: _Split | None = None
    output_tokens: _Count | None = None
    speed: str | None = None


class _Message(msgspec.Struct, gc=False):
    id: Any = None
    role: Any = None
    model: Any = None
    usage: _Usage | None = None


class _Nested(msgspec.Struct, gc=False):
    """A subagent's line as a `progress` line of its parent carries it (`data.message`)."""

    type: Any = None
    message: _Message | None = None
    requestId: Any = None
    timestamp: Any = None
    isApiErrorMessage: Any = None


class _Progress(msgspec.Struct, gc=False):
    message: _Nested | None = None


class Line(msgspec.Struct, gc=False):
    """One transcript line as the typed decoder sees it: only the fields we read (any other
    field, such as a message's content, is skipped in C).

    The fields (here, in `_Message` and in `_Usage`) are in the order Claude Code writes them:
    msgspec looks a name up from the field after the last one found, so a line's names are
    found at once (3.7% fewer of the decode's instructions on a share of a real-shaped history
    than in another order). Only the speed depends on it."""

    isSidechain: Any = None
    cwd: Any = None
    sessionId: Any = None
    message: _Message | None = None
    requestId: Any = None
    type: Any = None
    timestamp: Any = None
    subtype: Any = None
    data: _Progress | None = None
    isApiErrorMessage: Any = None
    compactMetadata: Any = None


_TYPED = msgspec.json.Decoder(Line)
_GENERIC = msgspec.json.Decoder()


def decode_lines(data: bytes | memoryview) -> list[Line] | None:
    """Every line of `data` (whole lines), decoded at once; blank lines are left out. None when
    any line is not a JSON object of the usual shape (see `decode_buffer`)."""
    return decode_buffer(data)[0]


def decode_buffer(data: bytes | memoryview) -> tuple[list[Line] | None, int | None]:
    """`(lines, None)`: every line of `data` decoded at once, blank lines left out. Else
    `(None, n)` when valid JSON of an unusual shape stopped it at its `n`-th non-blank line (the
    lines before it are of the usual shape), or `(None, None)` for anything else (a line that is
    not JSON, not UTF-8, nested too deeply): such lines are read one by one (`decode_line`), so
    that a bad line costs only itself."""
    try:
        return _TYPED.decode_lines(data), None
    except msgspec.ValidationError as error:
        found = _REFUSED_AT.match(str(error))
        return None, int(found[1]) if found else None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None, None


_REFUSED_AT = re.compile(r".* - at `\$\[(\d+)\][^`]*`$", re.DOTALL)
"""Where msgspec's ValidationError of `decode_lines` says it stopped: `... - at `$[12].message``."""


def decode_line(line: bytes, latest: float) -> Record | None:
    """The record a line stands for; None when it carries nothing we count.

    Raises `Skipped` for a line that is not JSON, not UTF-8, or whose usage values are unusable
    (`latest`: the latest plausible timestamp, see `core.bounds`).
    """
    return record_of(line_items(line, latest))


def line_items(line: bytes, latest: float) -> list[Item]:
    """`core.transcript.interpret_lines` of one line: typed when it has the usual shape, else
    generic; a line that is not JSON or not UTF-8 gives its skip reason."""
    try:
        parsed = _TYPED.decode(line)
    except msgspec.ValidationError:  # valid JSON of an unusual shape
        try:
            return interpret_items(_GENERIC.decode(line), latest)
        except (msgspec.DecodeError, UnicodeDecodeError) as error:
            return [decode_failure(line, error)]
        except RecursionError:
            return [SkipReason.TOO_DEEP]
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        return [decode_failure(line, error)]
    except RecursionError:  # msgspec's depth is Python's recursion limit, even in skipped fields
        return [SkipReason.TOO_DEEP]
    return interpret_lines([parsed], latest)


def not_an_object_reason(line: bytes) -> SkipReason:
    """Why a line that is not `{...}` is skipped: valid JSON of another kind (an array, a number,
    a string) is "not an object"; anything else is malformed."""
    try:
        _GENERIC.decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        return decode_failure(line, error)
    except RecursionError:
        return SkipReason.TOO_DEEP
    return SkipReason.NOT_AN_OBJECT


def is_json_object(data: bytes) -> bool:
    """Whether `data` is one whole JSON object (a complete line without its newline)."""
    stripped = data.strip()
    if stripped[:1] != b"{" or stripped[-1:] != b"}":
        return False
    try:
        _GENERIC.decode(stripped)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):  # whole or not: unknown
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
