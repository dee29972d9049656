"""Where we agree with ccusage 20 and where we follow the counting rules instead.

ccusage (`ccusage daily --offline --json`) is what users compare us with. On a history where every
streamed copy of a response carries the same usage, with no 1-hour cache writes and no request above
200k, our daily tokens equal its to the token and our daily cost equals its within 0.01%. Where it
breaks the rules we do not: ccusage 20.0.24 keeps the *first* streamed copy of a response (whose
output_tokens is not final) and prices 1-hour cache writes at the 5-minute rate.

The ccusage runs need its binary (installed by .ci/setup); the hand-computed checks always run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from tests.transcripts import ClaudeData, assistant

ROOT = Path(__file__).resolve().parents[1]
_CANDIDATES = [
    os.environ.get("CCUSAGE_BIN", ""),
    os.path.expanduser(
        "~/.cache/claude-tray-ccusage/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"
    ),
    "/tmp/ccusage-bench/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage",
]
CCUSAGE = next((c for c in _CANDIDATES if c and os.access(c, os.X_OK)), None)
needs_ccusage = pytest.mark.skipif(CCUSAGE is None, reason="ccusage 20 is not installed")


def ours(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["daily", "--json", "--timezone", "UTC"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def ccusage(root: Path, home: Path) -> dict[str, Any]:
    assert CCUSAGE is not None
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "TZ": "UTC",
           "CLAUDE_CONFIG_DIR": str(root)}
    result = subprocess.run([CCUSAGE, "daily", "--offline", "--json"], capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def streamed(claude: ClaudeData) -> ClaudeData:
    """One Opus 4.5 response streamed as three lines whose output grows 10 → 50 → 400, with
    2,000 tokens written to the 1-hour cache."""
    common = {"input": 100, "cache_write": 2000, "write_1h": 2000, "cache_read": 50_000}
    claude.write(
        "s1",
        assistant("s1", "2026-11-20T10:00:01Z", "m1", output=10, content="thinking", **common),
        assistant("s1", "2026-11-20T10:00:02Z", "m1", output=50, content="text", **common),
        assistant("s1", "2026-11-20T10:00:03Z", "m1", output=400, content="tool_use", **common),
    )
    return claude


# Hand-computed, USD per million: input 5, output 25, 1h write 10 (5m write 6.25), read 0.5.
RULES_COST = (100 * 5 + 400 * 25 + 2000 * 10 + 50_000 * 0.5) / 1e6  # 0.0555
FIRST_COPY_5M_COST = (100 * 5 + 10 * 25 + 2000 * 6.25 + 50_000 * 0.5) / 1e6  # 0.03825


def test_we_count_the_final_copy_and_price_1h_writes_at_2x(
    capsys: pytest.CaptureFixture[str], streamed: ClaudeData
) -> None:
    (day,) = ours(capsys)["daily"]
    assert day["outputTokens"] == 400
    assert day["totalTokens"] == 100 + 400 + 2000 + 50_000
    assert day["totalCost"] == pytest.approx(RULES_COST)
    assert RULES_COST == pytest.approx(0.0555)


@needs_ccusage
def test_ccusage_keeps_the_first_copy_and_prices_1h_at_the_5m_rate(
    capsys: pytest.CaptureFixture[str], streamed: ClaudeData, tmp_path: Path
) -> None:
    (theirs,) = ccusage(streamed.root, tmp_path)["daily"]
    assert theirs["outputTokens"] == 10  # the first streamed copy, not the final 400
    assert theirs["totalCost"] == pytest.approx(FIRST_COPY_5M_COST, rel=1e-6)
    (mine,) = ours(capsys)["daily"]
    assert mine["outputTokens"] - theirs["outputTokens"] == 390
    assert mine["totalCost"] > theirs["totalCost"]


@needs_ccusage
@pytest.mark.slow
def test_equal_to_ccusage_on_a_compatible_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "history"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate_history.py"), str(history),
         "--size", "8MB", "--days", "12", "--compat", "--seed", "7"],
        check=True, capture_output=True, timeout=300,
    )
    os.environ["CLAUDE_CONFIG_DIR"] = str(history)  # restored by the autouse fixture's monkeypatch
    mine = {d["date"]: d for d in ours(capsys)["daily"]}
    theirs = {d["date"]: d for d in ccusage(history, tmp_path)["daily"]}
    assert mine.keys() == theirs.keys()
    assert len(mine) >= 10
    for date, day in mine.items():
        other = theirs[date]
        for field in ("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens",
                      "totalTokens"):
            assert day[field] == other[field], (date, field)
        assert day["totalCost"] == pytest.approx(other["totalCost"], rel=1e-4), date
