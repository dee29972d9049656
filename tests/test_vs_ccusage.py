"""Where we agree with ccusage 20 and where we follow the counting rules instead.

ccusage (`ccusage daily --offline --json`) is what users compare us with. On a history where every
streamed copy of a response carries the same usage, with no 1-hour cache writes and no request above
200k, our daily tokens equal its to the token and our daily cost equals its within 0.01%.

Where it breaks the rules of claude-code-data.md, we follow the rules. Measured with ccusage 20.0.24
on the fixtures below (hand-computed expected values):
- lines without a `requestId` are never deduplicated: every streamed copy counts again;
- a request above 200k prompt tokens is billed by tiering each token kind on its own above 200k,
  instead of billing the whole request at the long-context rate;
- an unknown model costs $0 instead of being reported as unpriced.
The two differences our issue expected (keeping the first streamed copy; pricing 1-hour cache writes
at the 5-minute rate) were NOT seen with 20.0.24: it keeps the largest copy and prices 1-hour writes
at 2x, as we do. `test_streamed_copies_and_1h_writes_agree` shows it.

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
from tests.tools import require_executable
from tests.transcripts import ClaudeData, assistant

ROOT = Path(__file__).resolve().parents[1]
_CANDIDATES = [
    os.environ.get("CCUSAGE_BIN", ""),
    os.path.expanduser(
        "~/.cache/claude-tray-ccusage/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"
    ),
    "/tmp/ccusage-bench/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage",
]


def ccusage_program() -> str:
    """ccusage's native binary; in CI (where .ci/setup installed it) a missing one fails."""
    return require_executable(
        _CANDIDATES, "ccusage 20", "npm install ccusage@20.0.24 @ccusage/ccusage-linux-x64@20.0.24"
    )


def ours(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["daily", "--json", "--timezone", "UTC"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def ccusage(root: Path, home: Path) -> dict[str, Any]:
    """ccusage's daily report, with its day field (`period` in ccusage 20) named `date`."""
    program = ccusage_program()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "TZ": "UTC",
        "CLAUDE_CONFIG_DIR": str(root),
    }
    result = subprocess.run(
        [program, "daily", "--offline", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    for day in report["daily"]:
        day.setdefault("date", day.get("period"))
    return report


M = 1e6
T = "2026-11-20T10:00:0{}.000Z"


def streamed_response(claude: ClaudeData, request_id: str | None = "auto", **usage: Any) -> None:
    """One Opus 4.5 response streamed as three lines whose output grows 10 → 50 → 400."""
    claude.write(
        "s1",
        *[
            assistant(
                "s1", T.format(n), "m1", request_id=request_id, output=out, content=kind, **usage
            )
            for n, (out, kind) in enumerate([(10, "thinking"), (50, "text"), (400, "tool_use")])
        ],
    )


# -- streamed copies and 1-hour cache writes: we and ccusage agree ---------------------------

# USD per million for Opus 4.5: input 5, output 25, 1h write 10 (5m write 6.25), read 0.5.
RULES_COST = (100 * 5 + 400 * 25 + 2000 * 10 + 50_000 * 0.5) / M  # 0.0555


def test_we_count_the_final_copy_and_price_1h_writes_at_2x(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    streamed_response(claude, input=100, cache_write=2000, write_1h=2000, cache_read=50_000)
    (day,) = ours(capsys)["daily"]
    assert day["outputTokens"] == 400
    assert day["totalTokens"] == 100 + 400 + 2000 + 50_000
    assert day["totalCost"] == pytest.approx(RULES_COST)


def test_streamed_copies_and_1h_writes_agree(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, tmp_path: Path
) -> None:
    streamed_response(claude, input=100, cache_write=2000, write_1h=2000, cache_read=50_000)
    (theirs,) = ccusage(claude.root, tmp_path)["daily"]
    assert theirs["outputTokens"] == 400
    assert theirs["totalCost"] == pytest.approx(RULES_COST, rel=1e-9)


# -- where ccusage breaks the rules ------------------------------------------------------------


def test_copies_without_request_id_count_once(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    streamed_response(claude, request_id=None, input=100, cache_read=1000)
    (day,) = ours(capsys)["daily"]
    assert day["outputTokens"] == 400  # deduped on message.id alone, largest copy kept
    assert day["inputTokens"] == 100


def test_ccusage_counts_every_copy_without_request_id(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, tmp_path: Path
) -> None:
    streamed_response(claude, request_id=None, input=100, cache_read=1000)
    (theirs,) = ccusage(claude.root, tmp_path)["daily"]
    assert theirs["outputTokens"] == 10 + 50 + 400
    assert theirs["inputTokens"] == 3 * 100
    assert theirs["totalCost"] == pytest.approx((300 * 5 + 460 * 25 + 3000 * 0.5) / M)


# Sonnet 4.5, prompt 250,001 tokens: the whole request at $6 / $22.50 / $0.60.
LONG = {"input": 1, "cache_read": 250_000, "output": 1000}
LONG_RULES = (1 * 6 + 250_000 * 0.6 + 1000 * 22.5) / M  # 0.172506
# ccusage: each kind tiered on its own: only cache reads pass 200k (200k at 0.30, 50k at 0.60).
LONG_TIERED = (1 * 3 + 200_000 * 0.3 + 50_000 * 0.6 + 1000 * 15) / M  # 0.105003


def test_long_context_request_is_billed_whole_at_the_premium(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write(
        "s1", assistant("s1", T.format(1), "m1", model="claude-sonnet-4-5-20250929", **LONG)
    )
    (day,) = ours(capsys)["daily"]
    assert day["totalCost"] == pytest.approx(LONG_RULES)


def test_ccusage_tiers_each_token_kind(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, tmp_path: Path
) -> None:
    claude.write(
        "s1", assistant("s1", T.format(1), "m1", model="claude-sonnet-4-5-20250929", **LONG)
    )
    (theirs,) = ccusage(claude.root, tmp_path)["daily"]
    assert theirs["totalCost"] == pytest.approx(LONG_TIERED, rel=1e-6)
    assert theirs["totalCost"] < LONG_RULES


def test_unknown_model_is_unpriced(capsys: pytest.CaptureFixture[str], claude: ClaudeData) -> None:
    claude.write("s1", assistant("s1", T.format(1), "m1", model="acme-large", input=10, output=10))
    (day,) = ours(capsys)["daily"]
    assert day["modelBreakdowns"][0]["cost"] is None
    assert day["unpricedTokens"] == 20


def test_ccusage_prices_an_unknown_model_at_zero(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, tmp_path: Path
) -> None:
    claude.write("s1", assistant("s1", T.format(1), "m1", model="acme-large", input=10, output=10))
    (theirs,) = ccusage(claude.root, tmp_path)["daily"]
    assert theirs["totalTokens"] == 20
    assert theirs["totalCost"] == 0


# -- equality on a compatible history ----------------------------------------------------------


@pytest.mark.slow
def test_equal_to_ccusage_on_a_compatible_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "history"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate_history.py"),
            str(history),
            "--size",
            "8MB",
            "--days",
            "12",
            "--compat",
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(history))
    mine = {d["date"]: d for d in ours(capsys)["daily"]}
    theirs = {d["date"]: d for d in ccusage(history, tmp_path)["daily"]}
    assert mine.keys() == theirs.keys()
    assert len(mine) >= 10
    for date, day in mine.items():
        other = theirs[date]
        for field in (
            "inputTokens",
            "outputTokens",
            "cacheCreationTokens",
            "cacheReadTokens",
            "totalTokens",
        ):
            assert day[field] == other[field], (date, field)
        assert day["totalCost"] == pytest.approx(other["totalCost"], rel=1e-4), date
