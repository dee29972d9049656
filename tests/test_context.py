"""Context per session: the latest main-chain response, compaction, window size, levels."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from claude_tray.core.context import TranscriptContext, window_size
from claude_tray.core.levels import BudgetLevel, Level, Thresholds, budget_level, level_for
from claude_tray.core.pause import acknowledgement_after, should_pause
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.config import config_from_mapping
from tests.transcripts import ClaudeData, assistant, compact

T = "2026-11-20T10:{:02d}:00.000Z"
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC).timestamp()


def sessions(
    config: dict[str, object] | None = None,
) -> dict[str, tuple[int | None, int, float | None]]:
    with Workspace.open(config=config_from_mapping(config or {})) as ws:
        ws.refresh()
        snapshot = ws.snapshot(Clock(NOW, UTC))
        return {
            s.session_id: (s.context_tokens, s.context_window, s.context_percent)
            for s in snapshot.sessions
        }


def test_context_is_the_prompt_of_the_latest_main_chain_response(claude: ClaudeData) -> None:
    claude.write(
        "s1",
        assistant(
            "s1", T.format(1), "m1", input=10, cache_write=1000, cache_read=50_000, output=999
        ),
        assistant("s1", T.format(2), "m2", input=6, cache_write=244, cache_read=87_250, output=637),
    )
    # A later sidechain response and a later API error do not change the main context.
    claude.append(
        claude.subagent("s1", "a"),
        assistant("s1", T.format(5), "m3", input=1, cache_read=190_000, sidechain=True),
    )
    error = assistant("s1", T.format(6), "e1", model="<synthetic>")
    error["isApiErrorMessage"] = True
    claude.write("s1", error)
    assert sessions()["s1"] == (87_500, 200_000, pytest.approx(43.75))


def test_streamed_copies_use_the_same_prompt(claude: ClaudeData) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", input=5, cache_read=100_000, output=1),
        assistant("s1", T.format(1), "m1", input=5, cache_read=100_000, output=300),
    )
    assert sessions()["s1"][0] == 100_005


def test_compact_boundary_without_a_response_after_it_uses_post_tokens(claude: ClaudeData) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", cache_read=180_000),
        compact("s1", T.format(2), post=22_000),
    )
    assert sessions()["s1"][0] == 22_000
    claude.write("s1", assistant("s1", T.format(3), "m2", input=100, cache_read=25_000))
    assert sessions()["s1"][0] == 25_100


def test_resumed_session_takes_the_latest_copied_response(claude: ClaudeData) -> None:
    claude.write("old", assistant("old", T.format(1), "m1", cache_read=120_000))
    claude.write("new", assistant("new", T.format(1), "m1", cache_read=120_000))
    found = sessions()
    assert found["new"][0] == 120_000
    assert found["old"][0] == 120_000


def test_window_switches_to_1m_once_seen_above_200k(claude: ClaudeData) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", model="claude-sonnet-4-5", cache_read=210_000),
        compact("s1", T.format(2), post=30_000),
    )
    assert sessions()["s1"] == (30_000, 1_000_000, pytest.approx(3.0))


def test_configured_window_applies_to_every_spelling(claude: ClaudeData) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", model="claude-opus-4-6-20260101", cache_read=100_000),
    )
    found = sessions({"context": {"window": {"claude-opus-4-6": 1_000_000}}})
    assert found["s1"] == (100_000, 1_000_000, pytest.approx(10.0))


def test_statusline_figures_win_while_fresh(claude: ClaudeData) -> None:
    from claude_tray.storage.paths import app_paths
    from tests.states import write_state

    claude.write("s1", assistant("s1", T.format(1), "m1", cache_read=100_000))
    reported_at = datetime(2026, 11, 20, 10, 1, 30, tzinfo=UTC).timestamp()

    write_state(
        app_paths(),
        "s1",
        statusline={
            "at": reported_at,
            "context_window": {
                "context_window_size": 1_000_000,
                "used_percentage": 10.4,
                "current_usage": {"input_tokens": 4000, "cache_read_input_tokens": 100_000},
            },
        },
    )
    assert sessions()["s1"] == (104_000, 1_000_000, pytest.approx(10.4))
    # A newer response in the transcript makes the status line's figures stale (window stays).
    claude.write("s1", assistant("s1", T.format(5), "m2", cache_read=150_000))
    assert sessions()["s1"] == (150_000, 1_000_000, pytest.approx(15.0))


def test_sessions_cli_reports_context_fields(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.cli.main import main

    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    claude.write("s1", assistant("s1", T.format(1), "m1", cache_read=182_000, cwd="/w/app"))
    assert main(["sessions", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["sessions"]
    assert row["contextTokens"] == 182_000
    assert row["contextWindow"] == 200_000
    assert row["contextPercent"] == 91.0
    assert row["contextSource"] == "transcript"
    assert row["level"] == "pause"
    assert row["project"] == "/w/app"


def test_transcript_context_picks_the_later_of_response_and_compaction() -> None:
    assert TranscriptContext(100, 5.0, 10, 4.0, 100).tokens() == 100
    assert TranscriptContext(100, 5.0, 10, 6.0, 100).tokens() == 10
    assert TranscriptContext(None, None, 10, 6.0, 0).tokens() == 10
    assert TranscriptContext(None, None, None, None, 0).tokens() is None
    assert window_size(200_000, None) == 200_000
    assert window_size(200_001, None) == 1_000_000
    assert window_size(5, 500_000) == 500_000


@pytest.mark.parametrize(
    ("pct", "level"),
    [
        (None, Level.OK),
        (0, Level.OK),
        (69.99, Level.OK),
        (70, Level.CAUTION),
        (84.9, Level.CAUTION),
        (85, Level.WARNING),
        (90, Level.PAUSE),
        (94.99, Level.PAUSE),
        (95, Level.CRITICAL),
        (130, Level.CRITICAL),
    ],
)
def test_levels(pct: float | None, level: Level) -> None:
    assert level_for(pct, Thresholds()) == level


def test_thresholds_are_configurable_and_checked() -> None:
    assert level_for(60, Thresholds(50, 60, 70, 80)) == Level.WARNING
    with pytest.raises(ValueError):
        Thresholds(80, 70, 90, 95)


@pytest.mark.parametrize(
    ("spent", "budget", "level"),
    [
        (0, None, BudgetLevel.OK),
        (7.99, 10, BudgetLevel.OK),
        (8, 10, BudgetLevel.ALERT),
        (10, 10, BudgetLevel.ALERT),
        (10.01, 10, BudgetLevel.OVER),
    ],
)
def test_budget_levels(spent: float, budget: float | None, level: BudgetLevel) -> None:
    assert budget_level(spent, budget, 0.8) == level


def test_pause_rules() -> None:
    assert should_pause(Level.PAUSE, None)
    assert not should_pause(Level.WARNING, None)
    assert not should_pause(Level.PAUSE, Level.PAUSE)
    assert should_pause(Level.CRITICAL, Level.PAUSE)
    t = Thresholds()
    assert acknowledgement_after(Level.PAUSE, 91, t, 5) == Level.PAUSE
    assert acknowledgement_after(Level.PAUSE, 86, t, 5) == Level.PAUSE
    assert acknowledgement_after(Level.PAUSE, 84.9, t, 5) is None
