"""Hook and status line input: a non-finite or out-of-range number counts as absent, so it is
never stored in the session state nor shown, and never stops the hook or the status line."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.hooks.fast import run_hook, run_statusline
from claude_tray.storage.state import finite as number
from claude_tray.storage.state import moment
from claude_tray.storage.state import whole as count
from tests.hooks import payloads

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 10**400, -(2**54), True, "5", None, [1]]
)
def test_number_refuses_what_is_not_a_finite_exact_number(value: object) -> None:
    assert number(value) is None


def test_number_count_and_moment_keep_plausible_values() -> None:
    assert number(2**53) == float(2**53) and number(-1.5) == -1.5
    assert count(200_000) == 200_000 and count(-1) is None and count(2**40) is None
    assert moment(NOW, NOW + 1) == NOW
    assert moment(NOW + 2, NOW + 1) is None and moment(0, NOW) is None


def hostile_status() -> bytes:
    payload = payloads.status_new(percent=50, resets_at=int(NOW) + 3600)
    text = json.dumps(payload)
    # Python's json writes (and reads) NaN and Infinity; a huge integer and 1e400 decode too.
    payload["context_window"]["used_percentage"] = math.nan
    payload["context_window"]["context_window_size"] = 10**400
    payload["cost"]["total_cost_usd"] = math.inf
    payload["rate_limits"]["five_hour"]["used_percentage"] = -math.inf
    payload["rate_limits"]["seven_day"]["resets_at"] = 10**30
    text = json.dumps(payload).replace("-Infinity", "-1e400")
    assert "NaN" in text and "1e400" in text and text != ""
    return text.encode()


def every_state_value(tray_home: Path) -> list[Any]:
    found: list[Any] = []

    def strict(name: str) -> float:
        raise AssertionError(f"a non-finite number was stored: {name}")

    for path in tray_home.rglob("*.json"):
        found.append(json.loads(path.read_text(), parse_constant=strict))
    return found


def test_the_status_line_drops_non_finite_and_huge_numbers(
    tray_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.BytesIO()
    assert run_statusline(io.BytesIO(hostile_status()), out, None) == 0
    line = out.getvalue().decode()
    assert line.count("\n") == 1 and "nan" not in line.lower() and "inf" not in line.lower()
    states = every_state_value(tray_home)
    assert any("statusline" in s for s in states if isinstance(s, dict))
    for command in ("status", "sessions", "today"):
        assert main([command, "--json"]) == 0, command
        capsys.readouterr()


def test_the_hook_takes_hostile_numbers_and_answers(tray_home: Path) -> None:
    payload = payloads.session_start()
    payload["model"] = {"id": "x", "context_window": math.inf}
    raw = json.dumps(payload).replace("Infinity", "1e400").encode()
    assert run_hook(io.BytesIO(raw), io.BytesIO()) == 0
    prompt = json.dumps(payloads.user_prompt_submit()).encode()
    out = io.BytesIO()
    assert run_hook(io.BytesIO(prompt), out) == 0
    assert out.getvalue() == b""
    every_state_value(tray_home)
