"""The gate on UserPromptSubmit: blocks a paused session with the numbers and the ways out, lets
through after a reset, and never blocks because of its own trouble."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.core.levels import BudgetLevel
from claude_tray.core.periods import day_period
from claude_tray.core.snapshot import Spend
from claude_tray.core.tokens import Tokens
from claude_tray.storage import locking
from claude_tray.storage.budget_state import write_budget_state
from claude_tray.storage.locking import locked
from claude_tray.storage.paths import AppDirs, app_paths
from claude_tray.storage.state import mark_paused, reset_session, state_file
from tests.hooks import payloads
from tests.hooks.conftest import Result, hooks_log, state_of, write_config
from tests.transcripts import ClaudeData, assistant

Call = Callable[..., Result]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
SID = payloads.SESSION


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW + seconds))


def prompt(hook: Call) -> dict[str, Any] | None:
    result = hook(payloads.user_prompt_submit())
    assert result.code == 0
    return result.decision()


def test_the_status_line_at_92_percent_pauses_and_the_gate_blocks(
    hook: Call, statusline: Call, paths: AppDirs
) -> None:
    assert prompt(hook) is None
    statusline(payloads.status_new(percent=92))
    assert state_of(paths, SID)["pause"]["paused"] is True
    decision = prompt(hook)
    assert decision is not None and decision["decision"] == "block"
    reason = decision["reason"]
    for part in (
        "92%",
        "auto-pause at 90%",
        "/compact",
        "/clear",
        '"Reset session"',
        f"`claude-tray reset {SID}`",
    ):
        assert part in reason
    assert "\n" not in reason


def test_below_the_pause_level_nothing_is_blocked(hook: Call, statusline: Call) -> None:
    statusline(payloads.status_new(percent=89.9))
    assert prompt(hook) is None


def test_claude_tray_reset_lets_the_prompt_through(
    hook: Call,
    statusline: Call,
    claude: ClaudeData,
    paths: AppDirs,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stamp = datetime.fromtimestamp(NOW - 60, UTC).isoformat().replace("+00:00", "Z")
    claude.write(SID, assistant(SID, stamp, "m-1", input=10, cache_read=183_990, output=50))
    statusline(payloads.status_new(percent=92))
    assert prompt(hook) is not None
    later(monkeypatch, 5)
    assert main(["reset", SID]) == 0
    capsys.readouterr()
    assert state_of(paths, SID)["reset"]["level"] == "pause"
    assert prompt(hook) is None
    statusline(payloads.status_new(percent=93))  # still the acknowledged level
    assert prompt(hook) is None
    statusline(payloads.status_new(percent=96))  # critical: above what the reset acknowledged
    assert prompt(hook) is not None


def test_a_reset_is_forgotten_once_the_context_fell_well_below(
    hook: Call, statusline: Call, paths: AppDirs
) -> None:
    statusline(payloads.status_new(percent=91))
    reset_session(app_paths(), SID, "pause", NOW + 1)
    statusline(payloads.status_new(percent=88))  # within the 5-point margin: still acknowledged
    assert state_of(paths, SID)["reset"]["level"] == "pause"
    statusline(payloads.status_new(percent=40))  # compacted
    assert state_of(paths, SID)["reset"] == {"at": NOW + 1, "level": None}
    statusline(payloads.status_new(percent=91))
    assert prompt(hook) is not None


def test_the_context_falling_lifts_the_mark(hook: Call, statusline: Call, paths: AppDirs) -> None:
    statusline(payloads.status_new(percent=95))
    assert prompt(hook) is not None
    statusline(payloads.status_new(percent=30))
    assert state_of(paths, SID)["pause"]["paused"] is False
    assert prompt(hook) is None


def test_the_tray_mark_is_obeyed(hook: Call) -> None:
    mark_paused(app_paths(), SID, "pause", 91.4, NOW)
    decision = prompt(hook)
    assert decision is not None and "91% full" in decision["reason"]


def test_enforcement_can_be_switched_off(hook: Call) -> None:
    write_config("[auto_pause]\nenforce = false\n")
    mark_paused(app_paths(), SID, "pause", 92.0, NOW)
    assert prompt(hook) is None


@pytest.mark.parametrize(
    "config",
    [
        "[auto_pause\nenforce = true\n",  # not TOML
        "[auto_pause]\nenforce = 'yes'\n",  # wrong type
        "[context]\npause = 120\n",  # invalid thresholds
        "[no_such_section]\nx = 1\n",
    ],
)
def test_a_broken_config_fails_open_and_is_logged_once(hook: Call, config: str) -> None:
    path = write_config(config)
    mark_paused(app_paths(), SID, "pause", 92.0, NOW)
    assert prompt(hook) is None
    assert prompt(hook) is None
    log = hooks_log()
    assert log.count(str(path)) == 1
    assert "the gate is off until it is fixed" in log
    write_config("")  # fixed: the gate works again
    assert prompt(hook) is not None


def test_a_corrupt_state_file_lets_the_prompt_through(
    program: Callable[..., Result], paths: AppDirs
) -> None:
    path = Path(state_file(app_paths(), SID))
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"pause": {"paused": true}, "sess')
    result = program("hook", stdin=payloads.user_prompt_submit())  # the log is the program's
    assert (result.code, result.stdout) == (0, "")
    assert [p.name.split(".corrupt-")[0] for p in path.parent.glob("*.corrupt-*")] == [path.name]
    assert "is corrupt" in hooks_log()
    assert state_of(paths, SID)["events"] == {"UserPromptSubmit": 1}


@pytest.mark.parametrize("pause", [{"paused": "yes"}, [True], "paused", {"paused": 1}])
def test_marks_of_the_wrong_shape_do_not_block(hook: Call, pause: Any) -> None:
    path = Path(state_file(app_paths(), SID))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"session_id": SID, "pause": pause, "future": {"x": 1}}))
    assert prompt(hook) is None


def test_a_state_file_locked_too_long_is_decided_from_disk(
    hook: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locking, "LOCK_TIMEOUT", 0.2)
    mark_paused(app_paths(), SID, "pause", 92.0, NOW)
    path = Path(state_file(app_paths(), SID))
    with locked(path.with_suffix(".lock")):
        assert prompt(hook) is not None
    assert "cannot record the event" in hooks_log()


# -- the day's budget ---------------------------------------------------------------------------


def spend(cost: float, budget: float | None, level: BudgetLevel, moment: float) -> Spend:
    return Spend("today", day_period(moment, UTC), Tokens(), cost, 0, budget, level)


def test_over_the_budget_blocks_when_asked(hook: Call) -> None:
    write_config("[budgets]\ndaily = 10.0\n[auto_pause]\nbudget = true\n")
    write_budget_state(app_paths(), spend(12.4, 10.0, BudgetLevel.OVER, NOW), NOW - 30)
    decision = prompt(hook)
    assert decision is not None
    assert "$12.40" in decision["reason"] and "$10.00" in decision["reason"]
    assert "budget = false" in decision["reason"]


def test_budget_enforcement_is_off_by_default(hook: Call) -> None:
    write_budget_state(app_paths(), spend(12.4, 10.0, BudgetLevel.OVER, NOW), NOW - 30)
    assert prompt(hook) is None


def test_yesterdays_budget_does_not_block_today(hook: Call) -> None:
    write_config("[auto_pause]\nbudget = true\n")
    yesterday = NOW - 86_400
    write_budget_state(app_paths(), spend(30.0, 10.0, BudgetLevel.OVER, yesterday), yesterday)
    assert prompt(hook) is None


def test_a_reset_after_going_over_lets_the_session_go_on(hook: Call, tray_home: Path) -> None:
    write_config("[auto_pause]\nbudget = true\n")
    write_budget_state(app_paths(), spend(12.4, 10.0, BudgetLevel.OVER, NOW), NOW - 600)
    reset_session(app_paths(), "another-session", "ok", NOW - 60)
    reset_session(app_paths(), SID, "ok", NOW - 900)  # before it went over: not a consent
    assert prompt(hook) is not None
    reset_session(app_paths(), SID, "ok", NOW - 60)
    assert prompt(hook) is None
    record = json.loads((tray_home / "state" / "budget.json").read_text())
    assert record["over_since"] == NOW - 600


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        ("/compact", False),
        ("  /compact keep the parser notes", False),
        ("/CLEAR", False),
        ("/context", False),
        ("/model opus[1m]", False),
        ("/my-custom-command do more work", True),  # custom commands reach the model
        ("please /compact later", True),
        ("/", True),
    ],
)
def test_claude_codes_own_commands_always_pass(hook: Call, text: str, blocked: bool) -> None:
    mark_paused(app_paths(), SID, "pause", 93.0, NOW)
    result = hook(payloads.user_prompt_submit(prompt=text))
    assert (result.decision() is not None) is blocked
