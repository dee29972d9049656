"""Interpret decoded transcript lines as records: a whole buffer of lines in one call
(`interpret_lines`, a first read's millions of lines), or one line (`interpret`) through the same
code, so there is one definition of each rule.

Claude Code calls its format internal and changes it between versions: unknown line types and
fields are ignored, missing or null fields take their neutral value, and only a field whose value
makes the line meaningless (a token count of -3 or of 10**20, a timestamp that is not a date or
lies outside the plausible window of `core.bounds`) skips the line, counted under its reason.

`latest` is the latest plausible time (`bounds.latest_plausible(now)`): core reads no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
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
from claude_tray.core.tokens import Tokens, sizes

SYNTHETIC_MODEL = "<synthetic>"

_NOTHING = object()
"""Equal to no value of a line."""

_new = tuple.__new__
"""Builds a named tuple from its fields in order, without the Python-level `__new__` of the
class (the records built once per line of a first ingest)."""


Record = Response | CompactBoundary | Title
"""What a line can stand for."""

UsageValues = tuple[
    int, float, str | None, str | None, str, int, int, int, int, int, int, bool, bool, bool,
    str | None, str | None, int, bool,
]  # fmt: skip
"""A response as `interpret_lines` gives it, flat (one plain tuple per usage line, nothing
nested), its fields named by `USAGE_FIELDS`: the line's index in the batch, then the values of a
ledger row in its column order (`storage.ledger_rows.MessageRow` after its key: timestamp,
session, project, model, the five token counts, total, sidechain, fast, long context), then
message id, request id, prompt and api error. Laid out so, the engine compares a copy of a
message with the row kept (the dedupe rule reads the row's columns) without building a row for
it: most usage lines are such copies. `response_of` makes it a `Response`."""

USAGE_FIELDS = (
    "line", "ts", "session", "project", "model", "input", "output", "cache_write_5m",
    "cache_write_1h", "cache_read", "total", "sidechain", "fast", "long", "message_id",
    "request_id", "prompt", "api_error",
)  # fmt: skip
"""The names of `UsageValues`' fields, in order (those of a ledger row as its columns)."""

Item = UsageValues | CompactBoundary | Title | SkipReason
"""What `interpret_lines` gives for a line that counts: a response, a compact boundary, a title,
or the reason the line is skipped."""


def interpret_lines(lines: Sequence[Any], latest: float) -> list[Item]:
    """The one interpretation of transcript lines: an item for each line that counts, in order.

    A line is an object with the attributes `engine.decode.Line` names (`type`, `message.usage`,
    `requestId`, ...), each of any JSON type, except that a `usage` (and its `cache_creation`) is
    None or an object whose counts are whole numbers in 0..`MAX_TOKENS` or None: the typed decoder
    checks them in C, the generic path in `_usage_fields` (which makes a usage with an unusable
    count skip its line once a rule reads it). A whole buffer of lines goes through one call.
    """
    items: list[Item] = []
    append = items.append
    when, proportions, weigh = parse_timestamp, split_writes, sizes  # looked up once
    # An assistant line whose every value a rule reads but the moment equals those of the last
    # one that gave a response (a streamed response is logged once per content block: most
    # usage lines) gives that response's values with its own index and moment.
    seen_id: object = _NOTHING
    seen_request = seen_model = seen_session = seen_cwd = seen_usage = seen_error = _NOTHING
    seen_sidechain: object = _NOTHING
    same: tuple[Any, ...] = ()
    for index, line in enumerate(lines):
        kind = line.type
        message = line.message
        try:
            if kind == "assistant":
                if message is None or (usage := message.usage) is None:
                    continue
                request_id = line.requestId
                sidechain = line.isSidechain is True
                timestamp = line.timestamp
                api_error = line.isApiErrorMessage
                # What the rules read (ids, model, session and folder by type and value, the
                # counts and speed by value, the flags as `is True`) and only that.
                if (
                    message.id == seen_id
                    and request_id == seen_request
                    and usage == seen_usage
                    and message.model == seen_model
                    and line.sessionId == seen_session
                    and line.cwd == seen_cwd
                    and sidechain is seen_sidechain
                    and (api_error is True) is seen_error
                ):
                    append((index, when(timestamp, latest)) + same)  # noqa: RUF005 (one tuple built, not two)
                    continue
            elif kind == "progress":
                # A subagent's response as its parent's transcript holds it (`data.message`):
                # a sidechain response of the parent's session, keyed by the subagent's own
                # message and request ids, so the copy in the subagent's own file (when there is
                # one) dedupes with it. Without a message id it could count twice: skipped.
                data = line.data
                nested = data.message if data is not None else None
                if nested is None or nested.type != "assistant":
                    continue
                message = nested.message
                if message is None or (usage := message.usage) is None:
                    continue
                if not (type(message.id) is str and message.id):
                    raise Skipped(SkipReason.PROGRESS_WITHOUT_ID)
                request_id = nested.requestId
                sidechain = True
                timestamp = nested.timestamp or line.timestamp
                api_error = nested.isApiErrorMessage
            elif kind is None:
                # Usage on a line with no `type` (older writers, some tools' exports): an
                # assistant response when its message says so; any other is ambiguous.
                if message is None or (usage := message.usage) is None:
                    continue
                if message.role != "assistant":
                    raise Skipped(SkipReason.UNTYPED_USAGE)
                request_id = line.requestId
                sidechain = line.isSidechain is True
                timestamp = line.timestamp
                api_error = line.isApiErrorMessage
            else:
                if kind == "system" and line.subtype == "compact_boundary":
                    append(
                        compact(
                            line.sessionId, line.cwd, line.timestamp, line.compactMetadata, latest
                        )
                    )
                elif kind == "ai-title":
                    append(title(line.sessionId))
                continue
            # The usage's counts (a missing or null count is 0); older builds give no 5m/1h
            # split: all their writes are 5-minute.
            inp = usage.input_tokens or 0
            out = usage.output_tokens or 0
            write = usage.cache_creation_input_tokens or 0
            read = usage.cache_read_input_tokens or 0
            split = usage.cache_creation
            if split is None:
                write_5m, write_1h = write, 0
            else:
                write_5m = split.ephemeral_5m_input_tokens
                write_1h = split.ephemeral_1h_input_tokens
                if write_5m is None and write_1h is None:
                    write_5m, write_1h = write, 0
                elif write_5m is None or write_1h is None or write_5m + write_1h != write:
                    write_5m, write_1h = proportions(write, write_5m or 0, write_1h or 0)
            prompt, total, long_context = weigh(inp, out, write_5m, write_1h, read)
            model = message.model
            if not (type(model) is str and model):
                model = "unknown"
            message_id = message.id
            session_id = line.sessionId
            cwd = line.cwd
            response = (
                index,
                when(timestamp, latest),
                session_id if type(session_id) is str and session_id else None,
                cwd if type(cwd) is str and cwd else None,
                model,
                inp,
                out,
                write_5m,
                write_1h,
                read,
                total,
                sidechain,
                usage.speed == "fast",
                long_context,
                message_id if type(message_id) is str and message_id else None,
                request_id if type(request_id) is str and request_id else None,
                prompt,
                model == SYNTHETIC_MODEL or api_error is True,
            )
            append(response)
            if kind == "assistant":
                seen_id, seen_request, seen_usage = message_id, request_id, usage
                seen_model, seen_session, seen_cwd = message.model, session_id, cwd
                seen_sidechain, seen_error, same = sidechain, api_error is True, response[2:]
        except Skipped as skipped:
            append(skipped.reason)
    return items


def response_of(values: UsageValues) -> Response:
    """The `Response` of a response `interpret_lines` gave."""
    return _new(
        Response,
        (
            values[14],
            values[15],
            *values[2:5],
            values[1],
            _new(Tokens, values[5:10]),
            values[11],
            Speed.FAST if values[12] else Speed.STANDARD,
            values[17],
        ),
    )


def record_of(items: list[Item]) -> Record | None:
    """The record of one line's items (`interpret_lines` of that line alone); raises `Skipped`
    for a skipped line."""
    if not items:
        return None
    item = items[0]
    if type(item) is tuple:
        return response_of(item)  # type: ignore[arg-type]
    if type(item) is SkipReason:
        raise Skipped(item)
    return item  # type: ignore[return-value]


def interpret(obj: object, latest: float) -> Record | None:
    """The record one decoded line (of any JSON shape) stands for, None when it carries nothing
    we count. Raises `Skipped` when the line claims to be usage but its values are unusable."""
    return record_of(interpret_items(obj, latest))


def interpret_items(obj: object, latest: float) -> list[Item]:
    """`interpret_lines` of one generically decoded line (dicts, lists, ...)."""
    if not isinstance(obj, dict):
        return [SkipReason.NOT_AN_OBJECT]
    return interpret_lines([_line_fields(obj)], latest)


# -- a generically decoded line in the typed decoder's shape ----------------------------------


def _line_fields(obj: dict[str, Any]) -> SimpleNamespace:
    data = obj.get("data")
    nested = data.get("message") if isinstance(data, dict) else None
    return SimpleNamespace(
        type=obj.get("type"),
        subtype=obj.get("subtype"),
        message=_message_fields(obj.get("message")),
        requestId=obj.get("requestId"),
        sessionId=obj.get("sessionId"),
        cwd=obj.get("cwd"),
        isSidechain=obj.get("isSidechain"),
        timestamp=obj.get("timestamp"),
        isApiErrorMessage=obj.get("isApiErrorMessage"),
        compactMetadata=obj.get("compactMetadata"),
        data=SimpleNamespace(
            message=None
            if not isinstance(nested, dict)
            else SimpleNamespace(
                type=nested.get("type"),
                message=_message_fields(nested.get("message")),
                requestId=nested.get("requestId"),
                timestamp=nested.get("timestamp"),
                isApiErrorMessage=nested.get("isApiErrorMessage"),
            )
        ),
    )


def _message_fields(message: object) -> SimpleNamespace | None:
    if not isinstance(message, dict):
        return None
    return SimpleNamespace(
        id=message.get("id"),
        model=message.get("model"),
        usage=_usage_fields(message.get("usage")),
        role=message.get("role"),
    )


class _Unusable:
    """A usage with an unusable count: a rule that reads any of its counts skips the line (a
    line whose usage is not counted, such as a user line's, is not skipped for it)."""

    def __init__(self, reason: SkipReason) -> None:
        self.reason = reason

    def __getattr__(self, name: str) -> object:
        raise Skipped(self.reason)


def _usage_fields(usage: object) -> object:
    """A usage's counts as the typed decoder checks them (`_count`), in the typed shape."""
    if type(usage) is not dict:
        return None
    get = usage.get
    try:
        inp = get("input_tokens")
        out = get("output_tokens")
        cache_write = get("cache_creation_input_tokens")
        cache_read = get("cache_read_input_tokens")
        inp, out, cache_write, cache_read = (
            _count(inp),
            _count(out),
            _count(cache_write),
            _count(cache_read),
        )
        split = get("cache_creation")
        parts = None
        if type(split) is dict and (
            "ephemeral_5m_input_tokens" in split or "ephemeral_1h_input_tokens" in split
        ):
            write_1h = _count(split.get("ephemeral_1h_input_tokens"))
            write_5m = _count(split.get("ephemeral_5m_input_tokens"))
            parts = SimpleNamespace(
                ephemeral_5m_input_tokens=write_5m, ephemeral_1h_input_tokens=write_1h
            )
    except Skipped as skipped:
        return _Unusable(skipped.reason)
    return SimpleNamespace(
        input_tokens=inp,
        output_tokens=out,
        cache_creation_input_tokens=cache_write,
        cache_read_input_tokens=cache_read,
        cache_creation=parts,
        speed=get("speed"),
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


def split_writes(cache_write: int, write_5m: int, write_1h: int) -> tuple[int, int]:
    """(5-minute, 1-hour) cache writes from checked counts, with the 5m/1h split of newer builds
    (0 for a part not given). Trust the total when the split disagrees with it: what is not 1h is
    5m."""
    if write_5m + write_1h != cache_write and cache_write:
        write_1h = min(write_1h, cache_write)
        return cache_write - write_1h, write_1h
    return write_5m, write_1h


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


_from_iso = datetime.fromisoformat


def parse_timestamp(value: object, latest: float) -> float:
    """ISO 8601 (with `Z` or an offset, with or without fractions) to epoch seconds.

    A timestamp without an offset is taken as UTC, as Claude Code writes UTC. One before 2023 or
    after `latest` skips the line.
    """
    if not isinstance(value, str):
        raise Skipped(SkipReason.BAD_TIMESTAMP)
    try:
        moment = _from_iso(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp()
    except (ValueError, OverflowError):
        raise Skipped(SkipReason.BAD_TIMESTAMP) from None
    if not EARLIEST <= seconds <= latest:
        raise Skipped(SkipReason.IMPLAUSIBLE_TIME)
    return seconds
