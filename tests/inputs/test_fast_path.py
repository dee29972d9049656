"""The two ways a transcript's bytes are read count the same: a buffer decoded at once
(`decode_lines`, the fast path of a first read) and the same buffer read line by line (`_scan`,
the path a buffer with a bad line takes). Hypothesis feeds both the fuzz tests' hostile lines,
titles, compact boundaries, progress lines, untyped lines and names spelled with JSON escapes.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_tray.core.bounds import MAX_TOKENS
from claude_tray.core.records import Response, SkipReason, Speed
from claude_tray.core.tokens import Tokens
from claude_tray.core.transcript import (
    USAGE_FIELDS,
    Item,
    UsageValues,
    interpret_items,
    interpret_lines,
)
from claude_tray.engine import decode, read
from claude_tray.engine.decode import decode_lines
from claude_tray.storage.ledger_rows import MESSAGE_COLUMNS, MessageValues, rank, replaces
from tests.inputs.test_fuzz import FUZZ, JSON_VALUES, LATEST, dumps, poisoned_line, shaped_line
from tests.transcripts import assistant, compact, user

T = "2026-11-20T09:{:02d}:00Z"


def progress(session: str, ts: str, message_id: str | None, **usage: Any) -> dict[str, Any]:
    inner = assistant("sub", ts, message_id, sidechain=True, **usage)
    return {
        "type": "progress",
        "sessionId": session,
        "timestamp": ts,
        "data": {"message": {k: inner[k] for k in ("type", "message", "requestId", "timestamp")}},
    }


def escaped(line: bytes) -> bytes:
    """The same JSON with its names and strings spelled with `\\u` escapes where they matter."""
    for word in (b'"usage"', b'"compact_boundary"', b'"ai-title"', b'"assistant"'):
        if word in line:
            first = f"\\u{word[1]:04x}"
            line = line.replace(word, b'"' + first.encode() + word[2:], 1)
    return line


GOOD = st.one_of(
    st.builds(
        lambda m, n, o, side: assistant(
            "s",
            T.format(m),
            f"id-{n}",
            sidechain=side,
            input=o,
            output=n,
            write_1h=o // 2,
            cache_write=o,
        ),
        st.integers(0, 59),
        st.integers(0, 4),
        st.integers(0, 9),
        st.booleans(),
    ),
    st.builds(
        lambda m, n: assistant("s", T.format(m), None, output=n),
        st.integers(0, 59),
        st.integers(0, 3),
    ),
    st.builds(
        lambda m, n: progress("s", T.format(m), f"id-{n}", output=n),
        st.integers(0, 59),
        st.integers(0, 4),
    ),
    st.builds(lambda m, n: compact("s", T.format(m), n), st.integers(0, 59), st.integers(0, 10**6)),
    st.builds(
        lambda s: {"type": "ai-title", "aiTitle": "x", "sessionId": s},
        st.one_of(st.none(), st.text(max_size=3), st.integers()),
    ),
    st.builds(lambda m: user("s", T.format(m)), st.integers(0, 59)),
    st.builds(
        lambda m, n: {
            k: v for k, v in assistant("s", T.format(m), f"u{n}", output=1).items() if k != "type"
        },
        st.integers(0, 59),
        st.integers(0, 2),
    ),
).map(dumps)
OBJECT_LINES = st.one_of(
    GOOD,
    GOOD.map(escaped),
    shaped_line(),
    poisoned_line(),
    st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3).map(dumps),
)


def state(reader: Any) -> tuple[object, ...]:
    return (
        reader.lines,
        reader.responses,
        sorted(reader.message_rows()),
        sorted(reader.skipped.items()),
        sorted(reader.unrecorded.values()),
        sorted((m.session, repr(m)) for m in reader.session_marks()),
    )


def both_ways(data: bytes) -> tuple[tuple[object, ...], tuple[object, ...]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.jsonl"
        fast, slow = read._FileReader(path), read._FileReader(path)
        fast._lines(data, len(data))
        slow._scan(data, len(data))
        return state(fast), state(slow)


@FUZZ
@given(st.lists(OBJECT_LINES, max_size=14), st.sampled_from([b"\n", b"\n\n", b"\r\n"]))
def test_a_buffer_decoded_at_once_counts_as_line_by_line(lines: list[bytes], sep: bytes) -> None:
    data = sep.join(line.replace(b"\n", b" ") for line in lines) + sep
    fast, slow = both_ways(data)
    assert fast == slow


def test_the_typed_decoder_names_the_fields_in_the_order_claude_code_writes_them() -> None:
    """msgspec looks a name up from the field after the last one it found: fields in the order
    of the lines decode with fewer comparisons (the speed depends on it, not the result)."""
    written = {
        decode.Line: [
            "parentUuid", "isSidechain", "userType", "cwd", "sessionId", "version", "gitBranch",
            "agentId", "message", "requestId", "type", "uuid", "timestamp",
        ],
        decode._Message: [
            "id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage",
        ],
        decode._Usage: [
            "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
            "cache_creation", "output_tokens", "service_tier", "speed",
        ],
    }  # fmt: skip
    for struct, names in written.items():
        fields = [name for name in struct.__struct_fields__ if name in names]
        assert fields == [name for name in names if name in struct.__struct_fields__]
        assert struct.__struct_fields__[: len(fields)] == tuple(fields)  # the rare ones last


def test_the_fast_path_is_taken_for_usual_lines_and_not_for_a_bad_one() -> None:
    lines = [dumps(assistant("s", T.format(1), "a", output=3)), dumps(user("s", T.format(2)))]
    assert decode_lines(b"\n".join(lines) + b"\n") is not None
    assert decode_lines(b"\n".join([*lines, b"[1]"]) + b"\n") is None
    assert decode_lines(b"\n".join([*lines, b'{"message": "text"}'])) is None


def test_an_escaped_name_counts_the_same_both_ways() -> None:
    line = escaped(dumps(assistant("s", T.format(1), "a", output=3)))
    assert b'"usage"' not in line and json.loads(line)["message"]["usage"]["output_tokens"] == 3
    fast, slow = both_ways(line + b"\n")
    assert fast == slow and fast[1] == 1


@FUZZ
@given(st.lists(st.one_of(GOOD, GOOD.map(escaped)), min_size=1, max_size=14))
def test_usual_lines_take_the_fast_path_and_count_as_line_by_line(lines: list[bytes]) -> None:
    data = b"\n".join(lines) + b"\n"
    assert decode_lines(data) is not None
    fast, slow = both_ways(data)
    assert fast == slow


# -- one interpretation, whichever decoder read the line ---------------------------------------
# `core.transcript.interpret_lines` reads lines in the typed decoder's shape; a line the typed
# decoder refuses is decoded generically and put in that shape (`interpret_items`). A line both
# can decode must come out the same either way, and a buffer the same as its lines one by one.

ANY = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.text(max_size=3))
COUNT = st.one_of(st.none(), st.integers(0, 400), st.sampled_from([MAX_TOKENS, 0]))
MOMENT = st.one_of(
    st.integers(0, 59).map(T.format),
    st.sampled_from(
        [
            "2026-11-20T09:00:00.123Z",
            "2026-11-20T09:00:00",
            "2026-11-20 09:00:00+02:00",
            "2026-11-20T09:00:00.1234567Z",
            "2022-12-31T23:59:59Z",
            "9999-12-31T23:59:59Z",
            "garbage",
            "",
        ]
    ),
    ANY,
)


@st.composite
def usage_object(draw: st.DrawFn) -> dict[str, Any]:
    """A usage whose counts the typed decoder accepts (or leaves out), with every split shape."""
    usage: dict[str, Any] = {}
    for key in (
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    ):
        if draw(st.booleans()):
            usage[key] = draw(COUNT)
    split = draw(st.sampled_from(["none", "null", "empty", "5m", "1h", "both"]))
    if split == "null":
        usage["cache_creation"] = None
    elif split != "none":
        parts: dict[str, Any] = {}
        if split in ("5m", "both"):
            parts["ephemeral_5m_input_tokens"] = draw(COUNT)
        if split in ("1h", "both"):
            parts["ephemeral_1h_input_tokens"] = draw(COUNT)
        usage["cache_creation"] = parts
    if draw(st.booleans()):
        usage["speed"] = draw(st.one_of(st.none(), st.sampled_from(["fast", "standard", ""])))
    return usage


@st.composite
def typed_line(draw: st.DrawFn) -> bytes:
    """A line of every kind that counts, with odd values wherever the typed decoder takes any."""
    message: dict[str, Any] = {
        "id": draw(st.one_of(st.sampled_from(["m1", "m2", ""]), ANY)),
        "model": draw(st.one_of(st.sampled_from(["claude-opus-4-5", "<synthetic>", ""]), ANY)),
        "role": draw(st.sampled_from(["assistant", "user", None])),
        "usage": draw(st.one_of(st.none(), usage_object())),
    }
    fields = {
        "sessionId": draw(st.one_of(st.sampled_from(["s", "t", ""]), ANY)),
        "cwd": draw(st.one_of(st.just("/home/u/app"), ANY)),
        "timestamp": draw(MOMENT),
        "requestId": draw(st.one_of(st.sampled_from(["r1", "r2", ""]), ANY)),
        "isSidechain": draw(ANY),
        "isApiErrorMessage": draw(ANY),
    }
    kind = draw(st.sampled_from(["assistant", "progress", None, "user", "system", "ai-title"]))
    line: dict[str, Any] = {k: v for k, v in fields.items() if draw(st.booleans()) or k == "type"}
    if kind is not None:
        line["type"] = kind
    if kind == "progress":
        nested = {k: fields[k] for k in ("requestId", "timestamp", "isApiErrorMessage")}
        nested |= {"type": draw(st.sampled_from(["assistant", "user"])), "message": message}
        line["data"] = {"message": nested}
    elif kind == "system":
        line["subtype"] = draw(st.sampled_from(["compact_boundary", "other"]))
        line["compactMetadata"] = {"postTokens": draw(COUNT), "preTokens": draw(ANY)}
    else:
        line["message"] = message
    return dumps(line)


def typed(line: bytes) -> decode.Line:
    parsed = decode._TYPED.decode(line)
    assert isinstance(parsed, decode.Line)
    return parsed


@FUZZ
@given(st.one_of(typed_line(), GOOD, GOOD.map(escaped)))
def test_a_line_is_interpreted_the_same_from_the_typed_and_the_generic_decoder(line: bytes) -> None:
    both = interpret_lines([typed(line)], LATEST)
    assert both == interpret_items(json.loads(line), LATEST)
    assert both == decode.line_items(line, LATEST)


def reindexed(item: Item, index: int) -> Item:
    return (index, *item[1:]) if type(item) is tuple else item  # type: ignore[return-value]


def one_by_one(parsed: list[Any]) -> list[Any]:
    """What `interpret_lines` gives for each line read by itself, indexed as in the buffer."""
    return [
        reindexed(item, index)
        for index, line in enumerate(parsed)
        for item in interpret_lines([line], LATEST)
    ]


@FUZZ
@given(st.lists(st.one_of(typed_line(), GOOD), max_size=12))
def test_a_buffer_is_interpreted_as_its_lines_one_by_one(lines: list[bytes]) -> None:
    parsed = [typed(line) for line in lines]
    assert interpret_lines(parsed, LATEST) == one_by_one(parsed)


# A line that repeats the values of the last response but its moment (a streamed response is
# logged once per content block) is given that response's values; a value that differs, even
# one equal by `==` but not to a rule (1 and True, 0 and False, 1 and 1.0), makes it a line
# of its own.
CHANGES: dict[tuple[str, ...], list[Any]] = {
    ("message", "id"): ["m1", "m2", "a", None, 1, True, 1.0],
    ("requestId",): ["r1", "r2", None, 1, True],
    ("message", "model"): ["claude-opus-4-5", "<synthetic>", None, 1, True],
    ("sessionId",): ["s", "t", None, 1, True],
    ("cwd",): ["/home/u/app", "/srv", None, 0, False],
    ("isSidechain",): [True, False, 1, 0, None],
    ("isApiErrorMessage",): [True, False, 1, None],
    ("message", "usage", "output_tokens"): [0, 1, 2, None],
    ("message", "usage", "cache_creation_input_tokens"): [0, 3, None],
    ("message", "usage", "speed"): ["fast", "standard", None],
    ("message", "usage", "cache_creation"): [None, {"ephemeral_1h_input_tokens": 3}, {}],
    ("timestamp",): [T.format(1), T.format(2), "2026-11-20T09:00:00", "garbage", None],
    ("type",): ["assistant", "assistant", "progress", None],
}


@st.composite
def copies(draw: st.DrawFn) -> list[bytes]:
    line = assistant("s", T.format(1), "m1", request_id="r1", input=5, output=1, cache_write=3)
    lines = []
    for _ in range(draw(st.integers(1, 10))):
        line = json.loads(json.dumps(line))
        if draw(st.booleans()):
            path = draw(st.sampled_from(sorted(CHANGES)))
            place = line
            for name in path[:-1]:
                place = place[name]
            place[path[-1]] = draw(st.sampled_from(CHANGES[path]))
        line["timestamp" if draw(st.booleans()) else "uuid"] = draw(st.sampled_from(
            [T.format(n) for n in range(5)]
        ))  # fmt: skip
        lines.append(dumps(line))
        if draw(st.integers(0, 4)) == 0:
            lines.append(dumps(user("s", T.format(3))))
    return lines


@FUZZ
@given(copies())
def test_copies_of_a_response_count_as_line_by_line(lines: list[bytes]) -> None:
    parsed = [typed(line) for line in lines]
    assert interpret_lines(parsed, LATEST) == one_by_one(parsed)
    fast, slow = both_ways(b"\n".join(lines) + b"\n")
    assert fast == slow


def test_an_unusable_count_skips_only_a_line_whose_usage_counts() -> None:
    bad = {"input_tokens": -1, "output_tokens": 2**40}
    counted = assistant("s", T.format(1), "a", output=3)
    counted["message"]["usage"] = bad
    assert decode.line_items(dumps(counted), LATEST) == [SkipReason.BAD_TOKENS]
    counted["timestamp"] = "garbage"  # the counts are read first
    assert decode.line_items(dumps(counted), LATEST) == [SkipReason.BAD_TOKENS]
    talk = user("s", T.format(1))
    talk["message"]["usage"] = bad
    assert decode.line_items(dumps(talk), LATEST) == []
    untyped = {k: v for k, v in counted.items() if k != "type"}
    untyped["message"] = {**untyped["message"], "role": "user"}
    assert decode.line_items(dumps(untyped), LATEST) == [SkipReason.UNTYPED_USAGE]
    nested = progress("s", T.format(1), None, output=1)
    nested["data"]["message"]["message"]["usage"] = bad
    assert decode.line_items(dumps(nested), LATEST) == [SkipReason.PROGRESS_WITHOUT_ID]


def test_a_response_comes_out_with_its_values_in_place() -> None:
    line = assistant(
        "s", "2026-11-20T09:00:00.5Z", "a", input=1, output=2, cache_write=7, write_1h=3
    ) | {"isSidechain": True}
    line["message"]["usage"] |= {"cache_read_input_tokens": 4, "speed": "fast"}
    record = decode.decode_line(dumps(line), LATEST)
    assert record == Response(
        message_id="a",
        request_id="req-a",
        session_id="s",
        project="/home/u/app",
        model="claude-opus-4-5",
        timestamp=datetime(2026, 11, 20, 9, 0, 0, 500_000, UTC).timestamp(),
        tokens=Tokens(input=1, output=2, cache_write_5m=4, cache_write_1h=3, cache_read=4),
        sidechain=True,
        speed=Speed.FAST,
        api_error=False,
    )
    [values] = interpret_lines([typed(dumps(line))], LATEST)
    named = dict(zip(USAGE_FIELDS, values, strict=True))  # type: ignore[arg-type]
    assert (named["prompt"], named["total"]) == (1 + 7 + 4, 1 + 7 + 4 + 2)
    assert named["long"] is False and named["line"] == 0


def test_a_response_holds_a_ledger_row_s_values_at_the_row_s_places() -> None:
    # The reader compares a copy of a message with the row kept as the copy stands (the
    # dedupe rule reads the row's columns by place): the places must be the same.
    assert USAGE_FIELDS[1:14] == MESSAGE_COLUMNS[1:]
    assert len(USAGE_FIELDS) == len(UsageValues.__args__)  # type: ignore[attr-defined]


RANKED = st.tuples(st.integers(0, 3), st.booleans())


@FUZZ
@given(RANKED, RANKED)
def test_replaces_is_the_rank_order(new: tuple[int, bool], kept: tuple[int, bool]) -> None:
    def row(total: int, sidechain: bool) -> MessageValues:
        return (1, 0.0, "s", None, "m", 0, 0, 0, 0, 0, total, sidechain, False, False)

    a, b = row(*new), row(*kept)
    assert replaces(a, b) == (rank(a) > rank(b)) and replaces(a, None)


def response_line(**usage: Any) -> bytes:
    line = assistant("s", T.format(1), "a", output=1)
    line["message"]["usage"] |= usage
    return dumps(line)


def test_a_split_that_disagrees_with_the_total_of_cache_writes_gives_way_to_it() -> None:
    def writes(total: int, five: int | None, hour: int | None) -> tuple[int, int]:
        split = {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}
        line = response_line(cache_creation_input_tokens=total, cache_creation=split)
        record = decode.decode_line(line, LATEST)
        assert isinstance(record, Response)
        return record.tokens.cache_write_5m, record.tokens.cache_write_1h

    assert writes(10, 7, 3) == (7, 3)
    assert writes(10, 2, 3) == (7, 3)  # what is not 1h is 5m
    assert writes(10, 2, 30) == (0, 10)
    assert writes(10, None, 4) == (6, 4)
    assert writes(10, None, None) == (10, 0)  # no split: all 5-minute
    assert writes(0, 2, 3) == (2, 3)  # no total: the split's


def test_a_progress_line_takes_its_nested_moment_else_its_own() -> None:
    line = progress("s", T.format(1), "sub", output=1)
    line["timestamp"] = T.format(2)
    record = decode.decode_line(dumps(line), LATEST)
    assert isinstance(record, Response) and record.sidechain
    assert record.timestamp == datetime(2026, 11, 20, 9, 1, tzinfo=UTC).timestamp()
    del line["data"]["message"]["timestamp"]
    record = decode.decode_line(dumps(line), LATEST)
    assert isinstance(record, Response)
    assert record.timestamp == datetime(2026, 11, 20, 9, 2, tzinfo=UTC).timestamp()


def test_the_rows_a_read_sends_hold_their_flags_as_plain_ints(tmp_path: Path) -> None:
    """sqlite3 binds an exact int directly and a bool through its adapt path (slower)."""
    flagged = assistant("s", T.format(1), "a", sidechain=True, input=300_000, speed="fast")
    plain = assistant("s", T.format(2), "b", output=1)
    path = tmp_path / "s.jsonl"
    path.write_bytes(dumps(flagged) + b"\n" + dumps(plain) + b"\n")
    rows = sorted(read.read_file(str(path), 0).rows, key=lambda row: row[1])
    assert [row[11:14] for row in rows] == [(1, 1, 1), (0, 0, 0)]
    assert all(type(flag) is int for row in rows for flag in row[11:14])


def test_interleaved_sessions_each_get_the_marks_of_their_own_lines(tmp_path: Path) -> None:
    """The reader keeps one session's facts at hand from line to line (most files hold one
    session): a file that goes back and forth between sessions gives each the marks of its own
    lines read alone."""
    lines = {
        session: [
            assistant(session, T.format(10 * turn + n), f"{session}{turn}", cwd=f"/p/{session}",
                      input=100 * turn + n, output=1)
            for turn in range(3)
        ]
        for session, n in (("a", 1), ("b", 2))
    }  # fmt: skip
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"".join(
        dumps(line) + b"\n" for pair in zip(lines["a"], lines["b"], strict=True) for line in pair
    ))  # fmt: skip
    alone = []
    for session, own in lines.items():
        path = tmp_path / f"{session}.jsonl"
        path.write_bytes(b"".join(dumps(line) + b"\n" for line in own))
        alone += read.read_file(str(path), 0).sessions
    assert sorted(read.read_file(str(mixed), 0).sessions) == sorted(alone)


def scan_spied(path: Path) -> tuple[read._FileReader, list[bytes]]:
    """A reader of `path`, and the lines it reads one by one (`_scan`: a spy, the real scan
    runs)."""
    reader = read._FileReader(path)
    scanned: list[bytes] = []

    def scan(buffer: bytes, stop: int, pos: int = 0) -> None:
        scanned.append(buffer[pos:stop])
        read._FileReader._scan(reader, buffer, stop, pos)

    reader._scan = scan  # type: ignore[method-assign]
    return reader, scanned


def test_a_line_of_another_shape_is_read_by_itself_and_the_rest_at_once(tmp_path: Path) -> None:
    usual = [dumps(assistant("s", T.format(n), f"m{n}", output=n)) for n in range(1, 7)]
    odd = dumps({"type": "assistant", "message": "text"})  # valid JSON the typed decoder refuses
    data = b"\n".join([*usual[:3], b"", odd, *usual[3:]]) + b"\n"
    assert decode.decode_buffer(data) == (None, 3)  # blank lines are not counted
    assert decode.decode_buffer(b"{not json\n" + data) == (None, None)
    reader, scanned = scan_spied(tmp_path / "s.jsonl")
    reader._lines(data, len(data))
    assert scanned == [odd]
    fast, slow = both_ways(data)
    assert fast == slow and fast[:2] == (7, 6)


@pytest.mark.parametrize("between", [b" ", b"\t", b"\r"])
def test_a_line_holding_two_objects_beside_a_response_without_id_reads_as_line_by_line(
    tmp_path: Path, between: bytes
) -> None:
    """msgspec's `decode_lines` reads JSON values separated by any whitespace: a line holding two
    objects (a lost newline) gives it two values, and a response without an id, keyed by its
    line's bytes, was looked up by the value's index among the lines (IndexError: every command
    failed on such a file, for good)."""
    without_id = [dumps(assistant("s", T.format(n), None, output=n)) for n in (1, 2)]
    usual = dumps(assistant("s", T.format(3), "m3", output=7))
    data = usual + b"\n" + without_id[0] + between + without_id[1] + b"\n"
    path = tmp_path / "s.jsonl"
    path.write_bytes(data)
    found = read.read_file(str(path), 0)  # raised IndexError
    assert found.problem is None and found.mark.offset == len(data) and found.lines == 2
    fast, slow = both_ways(data)
    assert fast == slow


def test_a_value_across_lines_beside_a_response_without_id_reads_as_line_by_line() -> None:
    """A value spread over two lines is one value to `decode_lines` but two lines to the key of
    a response without an id: its line was taken from the wrong place."""
    spread = dumps(assistant("s", T.format(1), "m1", output=3)).replace(b', "cwd"', b',\n"cwd"')
    without_id = dumps(assistant("s", T.format(2), None, output=5))
    data = spread + b"\n" + without_id + b"\n"
    assert decode_lines(data) is not None and len(decode_lines(data) or []) == 2
    fast, slow = both_ways(data)
    assert fast == slow


@pytest.mark.parametrize("blank", [b"", b"   ", b"\t", b"\r", b" \r"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_the_line_msgspec_refuses_is_found_past_blank_lines_of_any_whitespace(
    tmp_path: Path, blank: bytes, newline: bytes
) -> None:
    """msgspec leaves lines of JSON whitespace out of its count (`$[n]`); so must the search for
    the n-th line, in a file with either line ending, whose last line has no newline."""
    usual = [dumps(assistant("s", T.format(n), f"m{n}", output=n)) for n in range(1, 5)]
    odd = dumps({"type": "assistant", "message": "text", "usage": 1})
    lines = [blank, usual[0], blank, blank, usual[1], odd, blank, usual[2], blank, usual[3]]
    data = newline.join(lines)
    path = tmp_path / "s.jsonl"
    path.write_bytes(data)
    reader, scanned = scan_spied(path)
    with path.open("rb") as handle:
        assert reader.read(handle, 0) == len(data)
    assert [line.strip() for line in scanned] == [odd]
    fast, slow = both_ways(data + newline)
    assert fast == slow and state(reader) == fast and fast[:2] == (5, 4)


def test_a_line_nested_deeper_than_the_decoder_goes_is_skipped_not_raised(tmp_path: Path) -> None:
    """msgspec raises RecursionError for JSON nested about a thousand levels deep, even in a
    field it skips (a tool's structured result): such a line made every command fail, for good.
    It is read line by line instead: skipped with its reason when it would be decoded (it holds
    usage, or is not an object), else counted as a line, as any line that carries nothing."""
    deep = b"[" * 5000 + b"]" * 5000
    usual = [dumps(assistant("s", T.format(n), f"m{n}", output=n)) for n in (1, 2)]
    lines = [
        usual[0],
        b'{"type":"user","toolUseResult":%s}' % deep,  # nothing to count: a line
        b'{"type":"assistant","message":{"usage":{"input_tokens":1}},"x":%s}' % deep,
        deep,
        usual[1],
    ]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "s.jsonl"
    path.write_bytes(data)
    found = read.read_file(str(path), 0)  # raised RecursionError
    assert found.problem is None and found.mark.offset == len(data) and found.lines == 5
    assert sorted(row[0] for row in found.rows) == sorted(
        row[0] for one in usual for row in read.read_file(_written(tmp_path, one), 0).rows
    )
    assert found.skipped == {SkipReason.TOO_DEEP.value: 2}
    fast, slow = both_ways(data)
    assert fast == slow
    # A last line without its newline that cannot be read whole waits for its newline.
    path.write_bytes(usual[0] + b"\n" + lines[1])
    assert read.read_file(str(path), 0).mark.offset == len(usual[0]) + 1


def _written(folder: Path, line: bytes) -> str:
    path = folder / f"{len(list(folder.iterdir()))}.jsonl"
    path.write_bytes(line + b"\n")
    return str(path)
