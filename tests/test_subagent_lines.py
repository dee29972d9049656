"""Usage that only some line shapes hold: a subagent's responses as `progress` lines of its parent
(deduped against the subagent's own file), usage lines without a `type`, and valid JSON that is not
an object. Real transcript files, the real ingest and ledger, the CLI's JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from claude_tray.cli.main import main
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
HAIKU = "claude-haiku-4-5-20251001"  # $1 in, $5 out per million


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def progress(session: str, ts: str, message_id: str | None, **usage: int) -> dict[str, Any]:
    """A subagent's response as Claude Code writes it into the parent's transcript."""
    sub = assistant(session, ts, message_id, model=HAIKU, sidechain=True, **usage)
    nested: dict[str, Any] = {
        "type": "assistant",
        "timestamp": ts,
        "message": sub["message"],
        "uuid": f"nested-{message_id}",
    }
    if "requestId" in sub:
        nested["requestId"] = sub["requestId"]
    return {
        "type": "progress",
        "sessionId": session,
        "cwd": "/home/u/app",
        "timestamp": ts,
        "parentToolUseID": "toolu_parent",
        "toolUseID": "agent_msg_1",
        "data": {"type": "agent_progress", "message": nested},
    }


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def totals(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    data = run_json(capsys, "daily", "--timezone", "UTC")
    return dict(data["totals"])


def skipped(capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    report = run_json(capsys, "doctor")
    return {item["reason"]: item["count"] for item in report["skipped"]}


def test_subagent_usage_only_the_parent_holds_is_counted(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write(
        "parent",
        assistant("parent", "2026-11-20T10:00:00Z", "p1", input=1000, output=100),
        progress("parent", "2026-11-20T10:00:05Z", "sub1", input=2000, output=300),
        progress("parent", "2026-11-20T10:00:09Z", "sub2", input=500, output=50),
    )
    total = totals(capsys)
    assert total["inputTokens"] == 3500
    assert total["outputTokens"] == 450
    assert HAIKU in run_json(capsys, "daily", "--timezone", "UTC")["daily"][0]["modelsUsed"]
    sessions = run_json(capsys, "sessions")["sessions"]
    assert [s["sessionId"] for s in sessions] == ["parent"]
    # the subagent's tokens are cost, not the parent's context
    assert sessions[0]["contextTokens"] == 1000


def test_the_subagents_own_file_and_the_progress_copy_count_once(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write(
        "parent",
        assistant("parent", "2026-11-20T10:00:00Z", "p1", input=1000, output=100),
        progress("parent", "2026-11-20T10:00:05Z", "sub1", input=2000, output=300),
    )
    claude.append(
        claude.subagent("parent", "a1"),
        assistant(
            "parent",
            "2026-11-20T10:00:05Z",
            "sub1",
            model=HAIKU,
            sidechain=True,
            input=2000,
            output=300,
        ),
        assistant(
            "parent",
            "2026-11-20T10:00:07Z",
            "sub3",
            model=HAIKU,
            sidechain=True,
            input=10,
            output=1,
        ),
    )
    total = totals(capsys)
    assert total["inputTokens"] == 1000 + 2000 + 10
    assert total["outputTokens"] == 100 + 300 + 1


def test_a_progress_line_without_a_message_id_is_skipped_with_its_reason(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write(
        "parent",
        assistant("parent", "2026-11-20T10:00:00Z", "p1", input=1000, output=100),
        progress("parent", "2026-11-20T10:00:05Z", None, input=2000, output=300),
    )
    assert totals(capsys)["inputTokens"] == 1000
    reasons = skipped(capsys)
    assert any("progress line without a message id" in r for r in reasons)


def test_progress_lines_of_other_kinds_count_nothing_and_skip_nothing(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    hook = {
        "type": "progress",
        "sessionId": "parent",
        "timestamp": "2026-11-20T10:00:01Z",
        "data": {"type": "hook_progress", "hookName": "usage"},
    }
    user_turn = progress("parent", "2026-11-20T10:00:02Z", "u1", input=5)
    user_turn["data"]["message"]["type"] = "user"
    odd = {"type": "progress", "sessionId": "parent", "data": {"message": "usage"}}
    claude.write(
        "parent",
        assistant("parent", "2026-11-20T10:00:00Z", "p1", input=1000, output=100),
        hook,
        user_turn,
        odd,
    )
    assert totals(capsys)["inputTokens"] == 1000
    assert skipped(capsys) == {}


def test_usage_lines_without_a_type(capsys: pytest.CaptureFixture[str], claude: ClaudeData) -> None:
    untyped = assistant("s", "2026-11-20T10:00:00Z", "m1", input=700, output=70)
    del untyped["type"]  # an older writer: message.role says what it is
    ambiguous = assistant("s", "2026-11-20T10:01:00Z", "m2", input=9000, output=900)
    del ambiguous["type"]
    del ambiguous["message"]["role"]
    not_assistant = assistant("s", "2026-11-20T10:02:00Z", "m3", input=8000)
    del not_assistant["type"]
    not_assistant["message"]["role"] = "user"
    claude.write("s", untyped, ambiguous, not_assistant)
    total = totals(capsys)
    assert total["inputTokens"] == 700 and total["outputTokens"] == 70
    reasons = skipped(capsys)
    untyped_reason = next(r for r in reasons if "no type" in r)
    assert reasons[untyped_reason] == 2
    assert run_json(capsys, "sessions")["sessions"][0]["contextTokens"] == 700


def test_valid_json_that_is_not_an_object_is_not_malformed(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write(
        "s",
        assistant("s", "2026-11-20T10:00:00Z", "m1", input=5, output=1),
        "[1, 2, 3]",
        "42",
        '"a string"',
        "null",
        '[{"type": "assistant", "message": {"usage": {"input_tokens": 5}}}]',
        "{not json",
        "not json at all",
    )
    assert totals(capsys)["inputTokens"] == 5
    reasons = skipped(capsys)
    assert reasons == {"not a JSON object": 5, "malformed JSON": 2}
