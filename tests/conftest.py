"""Every test runs with its own home: config, ledger, state, logs and Claude data in a temp dir.

Nothing a test does can touch the real ~/.claude or the user's claude-tray files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.transcripts import ClaudeData


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_TRAY_HOME", str(tmp_path / "tray-home"))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CLAUDE_TRAY_NOW", raising=False)
    yield home


@pytest.fixture(autouse=True)
def restored_umask() -> Iterator[None]:
    """`main()` run in-process tightens the umask for good (the app's private files); later tests
    then create their fixture files 0600 by mistake. Each test gets the umask it started with."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.fixture
def claude(tmp_path: Path) -> ClaudeData:
    """The Claude Code data root of this test (`CLAUDE_CONFIG_DIR`), with line writers."""
    return ClaudeData(tmp_path / "claude")


@pytest.fixture
def tray_home(tmp_path: Path) -> Path:
    return tmp_path / "tray-home"
