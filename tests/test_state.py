"""The session state file (`storage.state`): its schema, its validation, the one pause rule, and
the app's folders (`storage.paths`) that the hooks and the app share."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_tray import APP_NAME
from claude_tray.cli.main import main
from claude_tray.core.levels import Level
from claude_tray.core.pause import decide_pause
from claude_tray.hooks.hook_settings import settings_from_config
from claude_tray.storage.config import Config
from claude_tray.storage.paths import app_dirs, app_paths
from claude_tray.storage.state import (
    SessionRecord,
    StatusRecord,
    change_session,
    read_all,
    read_session,
    state_file,
)
from tests.hooks import payloads
from tests.hooks.conftest import PROGRAM
from tests.states import read_state, write_state
from tests.transcripts import ClaudeData, assistant

SID = payloads.SESSION
NOW = 1_790_000_000.0
APP = Path(__file__).resolve().parents[1] / "app" / "claude_tray"
SETTINGS = settings_from_config(Config(), "config.toml")


def no_constants(text: str) -> Any:
    """`json.loads` that refuses NaN and Infinity (what a strict JSON reader does)."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} in the state file")

    return json.loads(text, parse_constant=refuse)


# -- non-finite numbers never stored, and never a crash ------------------------------------------

HOSTILE_STATUS = (
    b'{"session_id": "%s", "cwd": "/w/app", "model": {"id": "claude-opus-4-5"},'
    b' "context_window": {"context_window_size": 1e999, "used_percentage": NaN,'
    b' "remaining_percentage": -Infinity, "current_usage": {"input_tokens": 1e400,'
    b' "cache_read_input_tokens": 50000}},'
    b' "cost": {"total_cost_usd": Infinity, "total_duration_ms": 5},'
    b' "rate_limits": {"five_hour": {"used_percentage": NaN, "resets_at": 1e999},'
    b' "seven_day": {"used_percentage": 12, "resets_at": 4102444800}}}'
) % SID.encode()


def test_the_status_line_never_stores_a_non_finite_number() -> None:
    import subprocess

    done = subprocess.run(
        [str(PROGRAM), "statusline"], input=HOSTILE_STATUS, capture_output=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == b""
    text = Path(state_file(app_paths(), SID)).read_text()
    state = no_constants(text)
    window = state["statusline"]["context_window"]
    assert window == {"current_usage": {"cache_read_input_tokens": 50000}}
    assert state["statusline"]["cost"] == {"total_duration_ms": 5}
    assert state["statusline"]["rate_limits"] == {
        "seven_day": {"used_percentage": 12, "resets_at": 4102444800}
    }


STORED_TODAY = {  # what an older claude-tray stored from such a status line
    "version": 1,
    "cwd": "/w/app",
    "started_at": float("nan"),
    "last_event": {"name": "UserPromptSubmit", "at": float("inf")},
    "statusline": {
        "at": NOW - 60,
        "context_window": {
            "context_window_size": float("inf"),
            "used_percentage": float("nan"),
            "current_usage": {"input_tokens": float("inf"), "cache_read_input_tokens": 1e300},
        },
        "cost": {"total_cost_usd": float("nan")},
        "rate_limits": {"five_hour": {"used_percentage": float("inf"), "resets_at": NOW + 60}},
    },
    "pause": {"paused": False, "at": float("nan"), "percent": float("-inf")},
    "reset": {"at": float("nan"), "level": "pause"},
}


@pytest.mark.parametrize("command", ["status", "sessions", "today"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_state_file_holding_non_finite_numbers_does_not_crash_commands(
    claude: ClaudeData,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    as_json: bool,
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    claude.write(SID, assistant(SID, "2026-09-21T13:30:00Z", "m1", cache_read=80_000))
    path = write_state(app_paths(), SID, **STORED_TODAY)
    assert "NaN" in path.read_text()
    code = main([command, "--json"] if as_json else [command])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "nan" not in out.lower() and "inf" not in out.lower().replace("info", "")


def test_a_state_file_holding_non_finite_numbers_reads_as_absent() -> None:
    write_state(app_paths(), SID, **STORED_TODAY)
    record = read_session(app_paths(), SID)
    assert record is not None
    facts = record.facts()
    assert facts.context_window is None and facts.context_percent is None
    assert facts.context_tokens == 0  # the one finite count, 1e300, is beyond MAX_TOKENS: absent
    assert facts.started_at is None and facts.last_event_at is None
    assert facts.five_hour is None and facts.reset_at is None
    assert record.acknowledged == Level.PAUSE
    # the next change writes it back clean
    change_session(app_paths(), SID, lambda r: r.record_event("Stop", NOW))
    no_constants(Path(state_file(app_paths(), SID)).read_text())


# -- the schema ------------------------------------------------------------------------------


def test_a_record_survives_the_round_trip_through_its_file() -> None:
    status = StatusRecord.from_json(payloads.status_new(percent=72), at=NOW)
    assert status is not None

    def change(record: SessionRecord) -> None:
        record.record_event("SessionStart", NOW)
        record.started_at = NOW
        record.record_statusline(status, "/w/app", "/t.jsonl")
        record.follow_pause_rule(92.0, SETTINGS, NOW, "statusline")
        record.record_compaction("PreCompact", "auto", NOW)

    written = change_session(app_paths(), SID, change)
    assert read_session(app_paths(), SID) == written
    assert written.paused and written.pause is not None and written.pause.level == "pause"
    assert read_all(app_paths()) == {SID: written}


@pytest.mark.parametrize(
    "value",
    [{"paused": "yes"}, [True], "paused", {"paused": 1}, None, {"at": "noon"}],
)
def test_marks_of_the_wrong_shape_are_not_paused(value: object) -> None:
    write_state(app_paths(), SID, pause=value, reset=value)
    record = read_session(app_paths(), SID)
    assert record is not None and not record.paused and record.acknowledged is None


def test_strings_are_bounded_and_wrong_types_absent() -> None:
    write_state(
        app_paths(),
        SID,
        cwd="x" * 5000,
        model=["not", "text"],
        events={"Stop": 2, "Bad": -1, "Huge": 2**60, "Odd": "3"},
        compactions=[{"at": NOW, "event": "PreCompact"}, {"at": "never"}, 7],
    )
    record = read_session(app_paths(), SID)
    assert record is not None
    assert record.cwd is None and record.model is None
    assert record.events == {"Stop": 2}
    assert [c.event for c in record.compactions] == ["PreCompact"]


def test_nothing_changed_writes_nothing() -> None:
    change_session(app_paths(), "calm", lambda r: r.follow_pause_rule(30.0, SETTINGS, NOW, "x"))
    assert read_state(app_paths(), "calm") is None  # no file created for nothing
    change_session(app_paths(), SID, lambda r: r.record_event("Stop", NOW))
    path = Path(state_file(app_paths(), SID))
    before = path.stat().st_mtime_ns, path.stat().st_ino
    change_session(app_paths(), SID, lambda r: r.lift_pause(NOW, "why"))  # not paused: no change
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before


# -- the one pause rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "paused", "acknowledged"),
    [
        ([92.0], True, None),
        ([60.0], False, None),
        ([92.0, 80.0], False, None),  # fell below the pause level: lifted
        ([92.0, "reset", 93.0], False, Level.PAUSE),  # acknowledged: not paused again there
        ([92.0, "reset", 96.0], True, Level.PAUSE),  # climbs higher: paused again
        ([92.0, "reset", 96.0, 93.0], True, Level.PAUSE),  # a pause holds at the pause level
        ([92.0, "reset", 84.0], False, None),  # fell margin below the start: acknowledgement gone
        ([92.0, "reset", 84.0, 92.0], True, None),  # and rose again: paused again
        ([92.0, "reset", 86.0, 92.0], False, Level.PAUSE),  # not far enough: still acknowledged
    ],
)
def test_the_pause_rule(steps: list[object], paused: bool, acknowledged: Level | None) -> None:
    record = SessionRecord(SID)
    level = Level.OK
    for n, step in enumerate(steps):
        if step == "reset":
            record.reset(level.label, NOW + n)
        else:
            assert isinstance(step, float)
            level = record.follow_pause_rule(step, SETTINGS, NOW + n, "test") or Level.OK
    assert (record.paused, record.acknowledged) == (paused, acknowledged)


@pytest.mark.parametrize(
    ("caution", "warning", "pause", "critical"), [(70, 85, 90, 95), (50, 80, 80, 99)]
)
def test_the_pause_rule_s_shortcut_agrees_with_the_rule(
    caution: float, warning: float, pause: float, critical: float
) -> None:
    """`follow_pause_rule` skips the rule (and its modules) for a session with no mark and no
    acknowledgement below the pause level: there the rule itself leaves the record as it is; at
    and above it, the rule runs and pauses."""
    config = Config()
    context = config.context._replace(
        caution=caution, warning=warning, pause=pause, critical=critical
    )
    rules = settings_from_config(config._replace(context=context), "config.toml")
    for tenth in range(0, 1001, 5):
        percent = tenth / 10
        decided = decide_pause(False, None, percent, rules.thresholds, rules.rearm_margin)
        record = SessionRecord(SID)
        before = record.to_json()
        level = record.follow_pause_rule(percent, rules, NOW, "test")
        if percent < pause:
            assert (decided.paused, decided.acknowledged, level) == (False, None, None)
            assert record.to_json() == before
        else:
            assert decided.paused and level is decided.level >= Level.PAUSE
            assert record.paused


@pytest.mark.parametrize("percent", [float("nan"), float("inf"), None])
def test_the_pause_rule_ignores_an_unknown_percentage(percent: float | None) -> None:
    record = SessionRecord(SID)
    record.mark_paused("pause", 92.0, NOW, "test")
    assert record.follow_pause_rule(percent, SETTINGS, NOW + 1, "test") is None
    assert record.paused


def test_the_engine_hooks_and_status_line_share_one_pause_rule() -> None:
    """No module but `core.pause` decides a pause; no module but `storage.state` writes one."""
    deciders, writers = set(), set()
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = path.relative_to(APP).as_posix()
        for node in ast.walk(tree):
            called = getattr(node.func, "id", None) if isinstance(node, ast.Call) else None
            if called in ("should_pause", "acknowledgement_after", "decide_pause"):
                deciders.add((name, called))
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                key = target.slice if isinstance(target, ast.Subscript) else None
                if isinstance(key, ast.Constant) and key.value in ("pause", "reset", "statusline"):
                    writers.add(name)
    assert deciders == {
        ("core/pause.py", "should_pause"),
        ("core/pause.py", "acknowledgement_after"),
        ("storage/state.py", "decide_pause"),  # `SessionRecord.follow_pause_rule`
    }
    assert writers == {"storage/state.py"}  # `SessionRecord.to_json`, from the typed records


# -- the app's folders ---------------------------------------------------------------------------


def platformdirs_answer() -> tuple[str, str, str, str]:
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return (
        os.path.join(dirs.user_config_dir, "config.toml"),
        dirs.user_data_dir,
        dirs.user_state_dir,
        dirs.user_log_dir,
    )


def answer() -> tuple[str, str, str, str]:
    dirs = app_dirs()
    return (dirs.config_file, dirs.data_dir, dirs.state_dir, dirs.log_dir)


@pytest.mark.parametrize("xdg", ["absolute", "unset", "empty", "relative", "blank"])
def test_the_folders_are_the_ones_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str
) -> None:
    value = {
        "absolute": str(tmp_path / "xdg") + "/",
        "unset": None,
        "empty": "",
        "relative": "rel/dir",
        "blank": " ",
    }[xdg]
    monkeypatch.delenv("CLAUDE_TRAY_HOME")
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    ours, theirs = answer(), platformdirs_answer()
    assert [Path(p) for p in ours] == [Path(p) for p in theirs]


@pytest.mark.parametrize("home", ["trailing/", "relative"])
def test_odd_homes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home: str) -> None:
    monkeypatch.delenv("CLAUDE_TRAY_HOME")
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "h") + "/" if home == "trailing/" else "not/abs")
    assert [Path(p) for p in answer()] == [Path(p) for p in platformdirs_answer()]


def test_claude_tray_home_puts_everything_under_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_HOME", str(tmp_path / "somewhere") + "/")
    paths = app_paths()
    assert paths.ledger == tmp_path / "somewhere" / "data" / "ledger.sqlite3"
    assert paths.sessions_state_dir == tmp_path / "somewhere" / "state" / "sessions"
    assert paths.dirs == app_dirs()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")
def test_a_fifo_where_the_state_file_should_be_blocks_nothing() -> None:
    path = Path(state_file(app_paths(), SID))
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    assert read_session(app_paths(), SID) is None
    assert read_all(app_paths()) == {}
    record = change_session(app_paths(), SID, lambda r: r.record_event("Stop", NOW))
    assert read_session(app_paths(), SID) == record  # replaced by a regular file
    assert len(list(path.parent.glob("*.corrupt-*"))) == 0


def test_a_huge_state_file_is_moved_aside() -> None:
    path = write_state(app_paths(), SID, cwd="/w")
    path.write_bytes(b'{"session_id": "' + b"x" * (2 << 20) + b'"}')
    assert read_session(app_paths(), SID) is None
    change_session(app_paths(), SID, lambda r: r.record_event("Stop", NOW))
    assert len(list(path.parent.glob("*.corrupt-*"))) == 1


@settings(max_examples=300)
@given(st.text(max_size=250))
def test_a_state_file_name_keeps_only_safe_characters(session_id: str) -> None:
    import re

    from claude_tray.storage.paths import app_dirs
    from claude_tray.storage.state import state_file

    name = os.path.basename(state_file(app_dirs(), session_id))
    assert name == (re.sub(r"[^A-Za-z0-9._-]", "_", session_id)[:200] or "_") + ".json"
