"""Claude Code's own figures beside ours: recorded by the real status line, shown by `sessions`,
compared by `doctor` (within and beyond the margin, with the likely cause) and by the report.
Real transcripts, real state files, the CLI."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.hooks.fast import run_statusline
from claude_tray.report import write_report
from claude_tray.storage.zone import resolve_timezone
from tests.hooks import payloads
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
SEEN = NOW - 60  # when the status line reported
SID = "a9ee-0001"
OPUS = "claude-opus-4-5-20251101"  # $5 per million input tokens


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def report_status(
    monkeypatch: pytest.MonkeyPatch,
    cost: float,
    percent: float,
    version: str = "2.1.240",
    session: str = SID,
    at: float = SEEN,
) -> None:
    """Run the real status line at `at` with Claude Code's own cost and context figures."""
    payload = payloads.status_new(session=session, percent=percent, model_id=OPUS)
    payload["cost"] = {"total_cost_usd": cost, "total_duration_ms": 60_000}
    payload["version"] = version
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(at))
    out = io.BytesIO()
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), out, None) == 0
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def history(claude: ClaudeData, session: str = SID, model: str = OPUS) -> None:
    """$1.00 of Opus 4.5 input before the status line's moment (the last prompt is 100k of a
    200k window: 50%), and $0.50 after it, which Claude Code's figure cannot hold yet."""
    claude.write(
        session,
        assistant(session, iso(SEEN - 600), f"{session}-1", model=model, input=100_000),
        assistant(session, iso(SEEN - 5), f"{session}-2", model=model, input=100_000),
        assistant(session, iso(SEEN + 30), f"{session}-3", model=model, input=100_000),
    )


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def agreement(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return dict(run_json(capsys, "doctor")["agreement"])


def test_sessions_show_claude_codes_figures_or_null(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(claude)
    claude.write("quiet", assistant("quiet", iso(SEEN), "q1", input=10))
    report_status(monkeypatch, cost=1.02, percent=50)
    sessions = {s["sessionId"]: s for s in run_json(capsys, "sessions")["sessions"]}
    assert sessions[SID]["claudeCodeCostUSD"] == 1.02
    assert sessions[SID]["claudeCodeContextPercent"] == 50
    assert sessions["quiet"]["claudeCodeCostUSD"] is None
    assert sessions["quiet"]["claudeCodeContextPercent"] is None
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert "CC cost" in out and "$1.02" in out


def test_within_the_margin_compares_the_same_moment(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(claude)
    report_status(monkeypatch, cost=1.02, percent=50)  # 2% above our $1.00 up to that moment
    data = agreement(capsys)
    assert (data["compared"], data["beyondMargin"]) == (1, 0)
    (one,) = data["sessions"]
    assert one["costUSD"] == pytest.approx(1.00)  # the response after the figure is left out
    assert one["costDifference"] == pytest.approx(1.00 / 1.02 - 1, abs=1e-4)
    assert one["contextPercent"] == pytest.approx(50)
    assert one["contextDifference"] == pytest.approx(0)
    assert one["likelyCauses"] == []
    assert main(["doctor"]) == 0
    assert "1 sessions compared, 0 differ by more than 5%" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("cost", "version", "cause"),
    [
        (1.10, "2.1.240", "1.1x premium of US-only inference"),
        (1.50, "2.1.100", "ran on across /clear"),
        (0.50, "2.1.220", "restarts at /clear"),
    ],
)
def test_beyond_the_margin_names_the_likely_cause(
    capsys: pytest.CaptureFixture[str],
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
    cost: float,
    version: str,
    cause: str,
) -> None:
    history(claude)
    report_status(monkeypatch, cost=cost, percent=50, version=version)
    data = agreement(capsys)
    assert data["beyondMargin"] == 1
    (one,) = data["sessions"]
    assert one["beyondMargin"] is True
    assert any(cause in c for c in one["likelyCauses"]), one["likelyCauses"]
    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert "1 differ by more than 5%" in text
    assert SID[:8] in text.split("Agreement with Claude Code")[1]


def test_an_unpriced_model_and_an_unread_transcript_are_named(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(claude, model="claude-mystery-9")
    report_status(monkeypatch, cost=1.00, percent=50)
    report_status(monkeypatch, cost=2.00, percent=30, session="b0b0-0002")  # no transcript
    data = agreement(capsys)
    by_id = {s["sessionId"]: s for s in data["sessions"]}
    assert by_id[SID]["unpricedTokens"] == 200_000
    assert any("cannot price" in c for c in by_id[SID]["likelyCauses"])
    assert by_id["b0b0-0002"]["transcriptRead"] is False
    assert any("transcript not read" in c for c in by_id["b0b0-0002"]["likelyCauses"])


def test_a_context_that_differs_is_called_out(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(claude)
    report_status(monkeypatch, cost=1.00, percent=70)  # ours: 50% of the same 200k window
    (one,) = agreement(capsys)["sessions"]
    assert one["beyondMargin"] is True
    assert one["costDifference"] == pytest.approx(0)
    assert one["contextDifference"] == pytest.approx(50 / 70 - 1, abs=1e-4)


def test_the_report_shows_the_agreement(
    claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(claude)
    report_status(monkeypatch, cost=1.10, percent=50)
    with Workspace.open() as workspace:
        workspace.refresh()
        html = write_report(workspace, Clock(NOW, resolve_timezone("UTC")), 7).read_text()
    assert "Agreement with Claude Code" in html
    assert "1 of 1 differ by more than 5%" in html
    assert "$1.00" in html and "$1.10" in html and "-9.1%" in html
    assert "US-only inference" in html


def test_a_transcript_not_fully_read_is_named(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(claude)
    partial = b'{"type":"assistant","sessionId":"' + SID.encode() + b'","message":{"id":"m9"'
    with open(claude.transcript(SID), "ab") as handle:
        handle.write(partial)  # a response Claude Code is still writing: no newline yet
    payload = payloads.status_new(session=SID, percent=50, model_id=OPUS)
    payload["cost"] = {"total_cost_usd": 1.60}
    payload["transcript_path"] = str(claude.transcript(SID))
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(SEEN))
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), io.BytesIO(), None) == 0
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    (one,) = agreement(capsys)["sessions"]
    assert one["beyondMargin"] is True
    assert f"transcript not fully read ({len(partial)} bytes not read yet)" in one["likelyCauses"]


def test_the_unrecorded_estimate_explains_claude_codes_higher_cost(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session with a title and a compaction: Claude Code's figure holds both calls, ours
    cannot; the estimate of them is shown and named as the likely cause."""
    history(claude)
    claude.write(
        SID,
        '{"type":"ai-title","aiTitle":"A title","sessionId":"' + SID + '"}',
        {
            "type": "system",
            "subtype": "compact_boundary",
            "sessionId": SID,
            "cwd": "/home/u/app",
            "timestamp": iso(SEEN - 300),
            "compactMetadata": {"trigger": "manual", "preTokens": 100_000, "postTokens": 4_000},
        },
    )
    # title: 450 in + 15 out of Haiku 4.5; compaction: 1,600 in + 4,000 out + 100k cache read
    estimate = (450 * 1 + 15 * 5) / 1e6 + (1_600 * 5 + 4_000 * 25 + 100_000 * 0.5) / 1e6
    report_status(monkeypatch, round(1.00 + estimate, 6), 50)
    [session] = agreement(capsys)["sessions"]
    assert session["costUSD"] == pytest.approx(1.00)
    assert session["unrecordedEstimateUSD"] == pytest.approx(estimate, abs=1e-6)
    assert session["beyondMargin"] is True
    assert any("calls no transcript records" in cause for cause in session["likelyCauses"])
