"""`render.json_text` writes plain data with `json` and the rest with msgspec: the text must be
msgspec's in every case (what `--json` printed before the `json` path existed), byte for byte."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_tray.cli import render


class Color(enum.StrEnum):
    RED = "red"
    ODD = "o\u2028d\x7fd"


def msgspec_text(data: Any) -> str:
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode()


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e20, max_value=1e20).map(lambda x: float(f"{x:.12g}"))
    | st.text()
    | st.sampled_from(list(Color))
    | st.sampled_from(["\udc80", "a\ud800", 'é😀\x00\x1f"\\/'])
)
keys = st.text() | st.sampled_from(list(Color))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=600, deadline=None)
@given(values)
def test_json_text_is_msgspecs_text(data: Any) -> None:
    try:
        expected = msgspec_text(data)
    except Exception as error:  # whatever msgspec raises, json_text raises too
        with pytest.raises(type(error)):
            render.json_text(data)
        return
    assert render.json_text(data) == expected


def test_a_days_figures_take_the_json_path() -> None:
    """The equality above is about the `json` path: the usual output must take it."""
    day = {
        "date": "2026-12-02",
        "totalCost": 264.23357175,
        "unpricedModels": [],
        "budgets": {Color.RED: {"cost": 12.5, "budget": None, "level": "ok"}},
    }
    assert render._plain(day)
    assert not render._plain({"cost": 1.5e-05})  # msgspec writes 0.000015
    assert not render._plain({"cost": float("nan")})
    assert not render._plain(["\udc80"])
