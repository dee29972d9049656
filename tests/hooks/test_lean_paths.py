"""The hooks' light copies of storage's answers agree with storage itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claude_tray.hooks import statusline
from claude_tray.hooks.lean_paths import hook_paths
from claude_tray.hooks.lean_state import state_path, update_state
from claude_tray.storage import state
from claude_tray.storage.paths import app_paths


def same(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> None:
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    ours, theirs = hook_paths(), app_paths()
    assert Path(ours.config_file) == theirs.config_file
    assert Path(ours.state_dir) == theirs.state_dir
    assert Path(ours.log_dir) == theirs.log_dir
    assert Path(ours.sessions_dir) == theirs.sessions_state_dir


def test_with_claude_tray_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    same(monkeypatch, CLAUDE_TRAY_HOME=str(tmp_path / "somewhere") + "/")
    same(monkeypatch, CLAUDE_TRAY_HOME="~/tray")


@pytest.mark.parametrize("xdg", ["absolute", "unset", "empty", "relative", "blank"])
def test_with_xdg_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str) -> None:
    value = {
        "absolute": str(tmp_path / "xdg"),
        "unset": None,
        "empty": "",
        "relative": "rel/dir",
        "blank": " ",
    }[xdg]
    same(
        monkeypatch,
        CLAUDE_TRAY_HOME=None,
        XDG_CONFIG_HOME=value,
        XDG_STATE_HOME=value,
        XDG_DATA_HOME=value,
    )


@pytest.mark.parametrize("home", ["trailing/", "relative"])
def test_with_odd_homes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home: str) -> None:
    value = str(tmp_path / "h") + "/" if home == "trailing/" else "not/absolute"
    same(monkeypatch, CLAUDE_TRAY_HOME=None, XDG_CONFIG_HOME=None, XDG_STATE_HOME=None, HOME=value)


@pytest.mark.parametrize(
    "session",
    ["5f2d9c1e-0b7a", "a/b\\c:d*e", "", "x" * 300, "üñ.json", ".hidden", "a.b.c", "..", "abc."],
)
def test_state_files_and_locks_have_the_same_names(session: str) -> None:
    paths = app_paths()
    expected = state.state_file(paths, session)
    assert Path(state_path(hook_paths(), session)) == expected
    seen: list[str] = []
    update_state(hook_paths(), session or "_", lambda data: seen.append("x"))
    assert seen == ["x"]
    lock = expected.with_suffix(".lock")
    if session:
        assert lock.exists()
        assert state.read_session(paths, session) == {"version": 1, "session_id": session}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"reset": {"level": "pause"}},
        {"reset": {"level": "CRITICAL"}},
        {"reset": {"level": None}},
        {"reset": {"level": "nonsense"}},
        {"reset": "pause"},
        {"reset": {"level": 3}},
    ],
)
def test_the_acknowledged_level_is_read_alike(data: dict[str, Any]) -> None:
    assert statusline.acknowledged_level(data) == state.acknowledged_level(data)


def test_surely_ok_agrees_with_level_for() -> None:
    from claude_tray.core.levels import Level, level_for
    from claude_tray.hooks.hook_settings import load_hook_settings

    settings = load_hook_settings(hook_paths()).settings
    for tenth in range(0, 1101):
        percent = tenth / 10
        if statusline.surely_ok(percent, settings):
            assert level_for(percent, settings.thresholds) is Level.OK
    assert not statusline.surely_ok(settings.caution, settings)
