"""The two ways a transcript's bytes are read count the same: a buffer decoded at once
(`decode_lines`, the fast path of a first read) and the same buffer read line by line (`_scan`,
the path a buffer with a bad line takes). Hypothesis feeds both the fuzz tests' hostile lines,
titles, compact boundaries, progress lines, untyped lines and names spelled with JSON escapes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from claude_tray.engine import read
from claude_tray.engine.decode import decode_lines
from tests.inputs.test_fuzz import FUZZ, JSON_VALUES, dumps, poisoned_line, shaped_line
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
