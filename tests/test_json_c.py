"""`storage.json_c` answers exactly as `json` does: the same text written, the same values read,
and for bad input the same error (it is `json`'s own)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_tray.storage import json_c

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equal, NaN included."""
    return json.dumps(a) == json.dumps(b) and type(a) is type(b)


@settings(max_examples=400)
@given(VALUES)
def test_writes_what_json_writes(value: Any) -> None:
    assert json_c.dumps(value) == json.dumps(value)
    compact = (",", ":")
    assert json_c.dumps(value, separators=compact) == json.dumps(value, separators=compact)
    try:
        expected: str | type[Exception] = json.dumps(value, allow_nan=False)
    except ValueError:
        expected = ValueError
    if expected is ValueError:
        with pytest.raises(ValueError):
            json_c.dumps(value, allow_nan=False)
    else:
        assert json_c.dumps(value, allow_nan=False) == expected


@settings(max_examples=400)
@given(VALUES, st.sampled_from(["", " ", "\n\t ", "\r\n"]))
def test_reads_what_json_reads(value: Any, around: str) -> None:
    text = around + json.dumps(value) + around
    assert same(json_c.loads(text), json.loads(text))
    assert same(json_c.loads(text.encode()), json.loads(text.encode()))


def outcome(read: Any, data: Any) -> tuple[str, str]:
    try:
        return ("value", json.dumps(read(data)))
    except Exception as error:
        return (type(error).__name__, str(error))


@settings(max_examples=600)
@given(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_any_bytes_give_what_json_gives(data: bytes) -> None:
    assert outcome(json_c.loads, data) == outcome(json.loads, data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b'{"a": 1} x',
        b'{"a": 1}{}',
        b'\xef\xbb\xbf{"a": 1}',
        '{"a": "é"}'.encode("utf-16"),
        '{"a": "é"}'.encode("utf-32-le"),
        "\ufeff{}",
        b'{"a": "\xff"}',
        b'{"a": "\x01"}',
        b"[NaN, Infinity, -Infinity]",
        b"[" * 100_000,
        b'{"a": 1e400}',
        12,
    ],
)
def test_odd_input_gives_what_json_gives(data: Any) -> None:
    assert outcome(json_c.loads, data) == outcome(json.loads, data)


def test_values_json_cannot_write_give_its_error() -> None:
    assert outcome(json_c.dumps, {1j: 2}) == outcome(json.dumps, {1j: 2})
    assert outcome(json_c.dumps, object()) == outcome(json.dumps, object())
    loop: list[Any] = []
    loop.append(loop)
    assert outcome(json_c.dumps, loop) == outcome(json.dumps, loop)
    assert math.isnan(json_c.loads("NaN"))
