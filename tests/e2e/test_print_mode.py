"""The real Claude Code in print mode (`claude -p`), against the mock Messages API: what
claude-tray reports equals, to the token and the cent, the calls the mock answered that reached a
transcript; each session's context is its last main-chain call's prompt.

Turns cover a multi-block answer, a Bash tool call (two calls in one turn), a subagent (an Agent
tool call: a sidechain transcript under `<session>/subagents/`), `--resume` and `--continue`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from tests.e2e.client import MODEL, PrintRun, Sandbox
from tests.e2e.expect import cost_of, totals
from tests.e2e.mock_api import Call, MockMessagesAPI, Usage

PAUSED = "Paused by claude-tray"


class Session:
    """The turns a test runs, and which session each call of the mock belongs to."""

    def __init__(self, sandbox: Sandbox, api: MockMessagesAPI) -> None:
        self.sandbox = sandbox
        self.api = api
        self.session_of: dict[int, str] = {}

    def turn(self, prompt: str, *args: str) -> tuple[PrintRun, list[Call]]:
        before = len(self.api.snapshot())
        run = self.sandbox.claude_print(prompt, *args)
        assert run.code == 0, f"claude -p exited {run.code}: {run.stderr[-2000:]}"
        result = run.result
        assert result["subtype"] == "success", result
        calls = self.api.snapshot()[before:]
        for call in calls:
            self.session_of[call.index] = result["session_id"]
        return run, calls


def written_request_ids(sandbox: Sandbox) -> dict[str, str]:
    """requestId -> the UTC date of its transcript line(s)."""
    found = {}
    for line in sandbox.transcript_lines():
        if line.get("type") == "assistant" and line.get("requestId"):
            stamp = datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))
            found[line["requestId"]] = stamp.astimezone(UTC).date().isoformat()
    return found


def test_print_mode_totals_equal_the_mock_calls(sandbox: Sandbox, api: MockMessagesAPI) -> None:
    session = Session(sandbox, api)
    run, calls = session.turn("hello MULTI")
    first = run.result["session_id"]
    assert [c.answer for c in calls] == ["multi"]
    assert run.result["result"] == "Third part."
    # Claude Code's own figure for the turn: the same call, priced by it (2.1.90 prices 1-hour
    # cache writes at the 5-minute rate; 2.1.197 at 2x input, as we do).
    usage = calls[0].usage
    if sandbox.client.version == "2.1.90":
        usage = Usage(
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_write_5m + usage.cache_write_1h,
            0,
            usage.cache_read,
        )
    assert calls[0].usage.cache_write_1h > 0
    assert run.result["total_cost_usd"] == pytest.approx(cost_of(usage), abs=1e-9)
    _, calls = session.turn("please RUN_BASH", "--resume", first)
    assert [c.answer for c in calls] == ["bash", "text"]  # the tool ran, the model was called again
    assert "mock-bash-ran" in str(calls[1].body["messages"][-1])
    _, calls = session.turn("now RUN_AGENT", "--continue")
    assert [(c.kind, c.answer) for c in calls] == [
        ("main", "agent"),
        ("subagent", "text"),
        ("tool-followup", "text"),
    ]
    session.turn("a second session")
    api.next_usage(Usage(input_tokens=2, output_tokens=3, cache_write_1h=50_000, cache_read=7))
    session.turn("one more MULTI", "--resume", first)

    logged = api.snapshot()
    recorded = [c for c in logged if c.recorded]
    assert recorded == logged  # print mode sends no title request
    written = written_request_ids(sandbox)
    assert set(written) == {c.request_id for c in recorded}
    sidechains = [p for p in sandbox.transcripts() if "subagents" in p.parts]
    assert len(sidechains) >= 1

    by_day: dict[str, list[Call]] = defaultdict(list)
    for call in recorded:
        by_day[written[call.request_id]].append(call)
    daily = sandbox.tray_json("daily", "--timezone", "UTC")
    assert [row["date"] for row in daily["daily"]] == sorted(by_day)
    for row in daily["daily"]:
        expected = totals(by_day[row["date"]])
        assert {k: row[k] for k in expected.ccusage_fields()} == expected.ccusage_fields()
        assert row["totalCost"] == pytest.approx(expected.cost, abs=1e-9)
        assert row["modelsUsed"] == [MODEL]
    everything = totals(recorded)
    assert {k: daily["totals"][k] for k in everything.ccusage_fields()} == (
        everything.ccusage_fields()
    )
    assert daily["totals"]["totalCost"] == pytest.approx(everything.cost, abs=1e-9)

    today = sandbox.tray_json("today", "--timezone", "UTC")
    expected_today = totals(by_day.get(today["date"], []))
    assert {k: today[k] for k in expected_today.ccusage_fields()} == (
        expected_today.ccusage_fields()
    )
    assert today["totalCost"] == pytest.approx(expected_today.cost, abs=1e-9)

    sessions = {s["sessionId"]: s for s in sandbox.tray_json("sessions")["sessions"]}
    assert set(sessions) == set(session.session_of.values())
    for sid, shown in sessions.items():
        mine = [c for c in recorded if session.session_of[c.index] == sid]
        main_chain = [c for c in mine if c.kind != "subagent"]
        assert shown["cost"] == pytest.approx(sum(cost_of(c.usage) for c in mine), abs=1e-9)
        assert shown["contextTokens"] == main_chain[-1].usage.prompt_tokens, sid
        assert shown["contextSource"] == "transcript"
        assert shown["model"] == MODEL
    assert sessions[first]["contextTokens"] == 50_009  # the last call's chosen usage


def test_a_session_driven_to_92_percent_shows_the_pause_level(
    sandbox: Sandbox, api: MockMessagesAPI
) -> None:
    api.next_usage(Usage(input_tokens=4, output_tokens=9, cache_write_5m=996, cache_read=183_000))
    run = sandbox.claude_print("fill the context")
    assert run.code == 0, run.stderr
    [shown] = sandbox.tray_json("sessions")["sessions"]
    assert shown["sessionId"] == run.result["session_id"]
    assert shown["contextTokens"] == 184_000
    assert shown["contextPercent"] == pytest.approx(92.0)
    assert shown["level"] == "pause"


def test_print_mode_with_our_hooks_pauses_at_92_percent_and_reset_lifts_it(
    sandbox: Sandbox, api: MockMessagesAPI
) -> None:
    """No status line runs in print mode and each run ends with SessionEnd: our Stop hook reads
    the transcript's latest context and pauses the session, so the next prompt is refused."""
    sandbox.tray("hooks", "install")
    first = sandbox.claude_print("hello")
    sid = first.result["session_id"]
    api.next_usage(Usage(input_tokens=4, output_tokens=9, cache_write_5m=996, cache_read=183_000))
    assert sandbox.claude_print("fill the context", "--resume", sid).code == 0
    [shown] = [s for s in sandbox.tray_json("sessions")["sessions"] if s["sessionId"] == sid]
    assert shown["contextTokens"] == 184_000

    before = len(api.snapshot())
    refused = sandbox.claude_print("refuse me", "--resume", sid)
    assert refused.code == 0  # print mode exits 0 even when our hook refused the prompt
    if sandbox.client.version == "2.1.90":  # its JSON result is empty; the reason is only in
        assert any(PAUSED in str(line.get("content")) for line in sandbox.transcript_lines())
    else:  # the transcript (seen)
        assert PAUSED in refused.result["result"]
    assert len(api.snapshot()) == before

    sandbox.tray("reset", sid)
    assert sandbox.claude_print("after reset", "--resume", sid).code == 0
    assert [c.kind for c in api.snapshot()[before:] if c.kind != "compact"] == ["main"]
