"""`claude-tray reset`: lifts the auto-pause in the session's state file (what the hook gate reads)
and acknowledges the level, from a real ledger built from real transcripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.storage.paths import app_paths
from claude_tray.storage.state import mark_paused
from tests.states import hooks_ran, read_state, write_state
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def ts(minutes_ago: float) -> str:
    return datetime.fromtimestamp(NOW - 60 * minutes_ago, UTC).isoformat().replace("+00:00", "Z")


def at(
    claude: ClaudeData,
    sid: str,
    pct: float,
    minutes_ago: float = 1,
    cwd: str = "/w/app",
    n: int = 1,
) -> None:
    claude.write(
        sid,
        assistant(
            sid,
            ts(minutes_ago),
            f"m-{sid}-{n}",
            cwd=cwd,
            input=10,
            cache_read=int(pct * 2000) - 10,
            output=100,
        ),
        cwd=cwd,
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def sessions(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, _ = run(capsys, "sessions", "--json")
    assert code == 0
    return {s["sessionId"]: s for s in json.loads(out)["sessions"]}


def test_reset_current_lifts_the_pause_of_the_most_urgent_session(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    at(claude, "calm-1", 40)
    at(claude, "full-2", 92, cwd="/w/api")
    mark_paused(app_paths(), "full-2", "pause", 92.0, NOW - 30)
    hooks_ran(app_paths(), "full-2", NOW - 30)  # the gate runs there: the pause holds
    assert sessions(capsys)["full-2"]["paused"] is True

    code, out, err = run(capsys, "reset", "--current")
    assert code == 0, err
    assert out.startswith("Reset session full-2: api · Opus 4.5 · context ~92%.")
    assert "Pause lifted" in out
    state = read_state(app_paths(), "full-2")
    assert state is not None
    assert state["pause"]["paused"] is False
    assert state["reset"] == {"at": NOW, "level": "pause"}
    after = sessions(capsys)
    assert after["full-2"]["paused"] is False and after["full-2"]["costSinceReset"] == 0
    assert after["full-2"]["cost"] > 0  # the ledger keeps everything
    assert read_state(app_paths(), "calm-1") is None  # the other session is untouched


def test_reset_without_an_argument_means_current(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    at(claude, "full-2", 96)
    code, _, _ = run(capsys, "reset")
    assert code == 0
    state = read_state(app_paths(), "full-2")
    assert state is not None and state["reset"]["level"] == "critical"


def test_reset_by_id_or_unique_prefix_even_when_inactive(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    at(claude, "aaa-old", 91, minutes_ago=600)  # long inactive, still paused
    at(claude, "bbb-new", 20)
    mark_paused(app_paths(), "aaa-old", "pause", 91.0, NOW - 36000)
    hooks_ran(app_paths(), "aaa-old", NOW - 36000)
    code, out, err = run(capsys, "reset", "aaa", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["sessionId"] == "aaa-old" and data["wasPaused"] is True
    assert data["paused"] is False and data["level"] == "pause"
    assert data["reset"] == {"at": NOW, "level": "pause"}
    state = read_state(app_paths(), "aaa-old")
    assert state is not None and state["pause"]["paused"] is False


def test_unknown_and_ambiguous_sessions_are_refused(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    at(claude, "abc-1", 50)
    at(claude, "abc-2", 50)
    code, _, err = run(capsys, "reset", "zzz")
    assert code == 1 and "no session 'zzz'" in err
    code, _, err = run(capsys, "reset", "abc")
    assert code == 2 and "matches 2 sessions" in err
    assert read_state(app_paths(), "abc-1") is None


def test_no_active_session_to_reset(claude: ClaudeData, capsys: pytest.CaptureFixture[str]) -> None:
    at(claude, "old-1", 92, minutes_ago=600)
    code, _, err = run(capsys, "reset", "--current")
    assert code == 1 and "no active session" in err
    assert err.count("\n") == 1


def test_an_id_and_current_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "reset", "abc", "--current")
    assert code == 2 and "not allowed with" in err


def hooked(sid: str, pct: float) -> None:
    """A session the hooks saw start and the status line report on, with no transcript line
    read yet (Claude Code writes the transcript after the first response)."""

    write_state(
        app_paths(),
        sid,
        cwd="/w/fresh",
        model="claude-opus-4-5",
        started_at=NOW - 120,
        last_event={"name": "UserPromptSubmit", "at": NOW - 60},
        statusline={
            "at": NOW - 30,
            "model": {"id": "claude-opus-4-5"},
            "context_window": {"context_window_size": 200_000, "used_percentage": pct},
        },
    )


def test_reset_finds_a_session_known_only_from_its_state_file(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    at(claude, "other-1", 30)
    hooked("fresh-9", 93.0)
    mark_paused(app_paths(), "fresh-9", "pause", 93.0, NOW - 30)
    code, out, err = run(capsys, "reset", "fresh", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["sessionId"] == "fresh-9" and data["wasPaused"] is True
    assert (data["level"], data["contextPercent"], data["contextSource"]) == (
        "pause",
        93.0,
        "statusline",
    )
    assert data["project"] == "/w/fresh" and data["cost"] == 0
    state = read_state(app_paths(), "fresh-9")
    assert state is not None and state["pause"]["paused"] is False
    assert state["reset"] == {"at": NOW, "level": "pause"}
    assert read_state(app_paths(), "other-1") is None


def test_a_state_file_only_session_by_its_full_id(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    hooked("fresh-9", 40.0)
    code, out, err = run(capsys, "reset", "fresh-9")
    assert code == 0, err
    assert out.startswith("Reset session fresh-9: fresh · Opus 4.5 · context 40%.")
    assert "It was not paused" in out
    state = read_state(app_paths(), "fresh-9")
    assert state is not None and state["reset"] == {"at": NOW, "level": "ok"}


def test_paused_only_where_the_gate_holds_the_session(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    at(claude, "full-2", 92)
    mark_paused(app_paths(), "full-2", "pause", 92.0, NOW - 30)  # the rule's mark, no hook ran
    listed = sessions(capsys)["full-2"]
    assert listed["paused"] is False and listed["level"] == "pause"
    code, out, _ = run(capsys, "sessions")
    assert code == 0 and "pause (not paused)" in out and "(paused)" not in out

    hooks_ran(app_paths(), "full-2", NOW - 30)  # installed: its next prompt is refused
    assert sessions(capsys)["full-2"]["paused"] is True
    code, out, _ = run(capsys, "sessions")
    assert code == 0 and "pause (paused)" in out

    config = app_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[auto_pause]\nenforce = false\n")  # the gate lets every prompt through
    assert sessions(capsys)["full-2"]["paused"] is False
    code, out, _ = run(capsys, "reset", "full-2")
    assert code == 0 and "It was not paused" in out
