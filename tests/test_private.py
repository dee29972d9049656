"""Private by default: what claude-tray creates is 0700 / 0600, what an older version left open is
tightened on start (and named by `doctor`), and nothing is ever loosened."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from claude_tray.storage.paths import app_paths
from claude_tray.storage.private import tighten
from tests.hooks import payloads
from tests.hooks.conftest import PROGRAM
from tests.transcripts import ClaudeData, assistant

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def everything(root: Path) -> list[Path]:
    return [root, *root.rglob("*")]


def run(*args: str, stdin: bytes = b"", umask: int = 0o022) -> subprocess.CompletedProcess[bytes]:
    """The real program, started from a shell with a common umask (files 0644 by default)."""
    return subprocess.run(
        [str(PROGRAM), *args], input=stdin, capture_output=True, timeout=120, umask=umask
    )


def test_what_the_cli_and_the_hooks_create_is_private(claude: ClaudeData, tray_home: Path) -> None:
    claude.write("s1", assistant("s1", "2026-11-20T10:00:00Z", "m1", cache_read=1000))
    assert run("today").returncode == 0
    assert run("hook", stdin=json.dumps(payloads.user_prompt_submit()).encode()).returncode == 0
    status = json.dumps(payloads.status_new(percent=92)).encode()
    assert run("statusline", stdin=status).returncode == 0
    assert run("hook", stdin=b"not json").returncode == 0  # writes hooks.log
    paths = app_paths()
    assert paths.ledger.exists() and (paths.log_dir / "hooks.log").exists()
    assert any(paths.sessions_state_dir.glob("*.json"))
    found = {p: mode(p) for p in everything(tray_home) if not p.is_symlink()}
    folders = {p: m for p, m in found.items() if p.is_dir()}
    files = {p: m for p, m in found.items() if not p.is_dir()}
    assert set(folders.values()) == {0o700}, folders
    assert set(files.values()) == {0o600}, files


def test_an_older_install_is_tightened_on_start_and_doctor_says_so(
    claude: ClaudeData, tray_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claude.write("s1", assistant("s1", "2026-11-20T10:00:00Z", "m1", cache_read=1000))
    assert run("today", umask=0o077).returncode == 0
    paths = app_paths()
    state = paths.state_dir / "budget.json"
    for path in everything(tray_home):  # as an older claude-tray left it: 0755 / 0644
        path.chmod(0o755 if path.is_dir() else 0o644)
    mine = paths.data_dir / "notes-i-locked.txt"
    mine.write_text("mine")
    mine.chmod(0o400)  # the user made it stricter than we would
    done = run("doctor")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "were made private now" in out
    assert {mode(p) for p in everything(tray_home) if p.is_dir()} == {0o700}
    assert mode(paths.ledger) == 0o600 and mode(state) == 0o600
    assert mode(mine) == 0o400  # never loosened
    again = run("doctor", "--json")
    report = json.loads(again.stdout)
    assert report["private"] == {"tightened": [], "open": []}
    assert "Private: app folders 0700, files 0600" in run("doctor").stdout.decode()


def test_tighten_only_walks_folders_that_were_open(tray_home: Path) -> None:
    paths = app_paths()
    tray_home.mkdir(mode=0o700)
    paths.state_dir.mkdir(mode=0o700)
    inside = paths.state_dir / "x.json"
    inside.write_text("{}")
    inside.chmod(0o644)  # unreachable for others: the folder is private
    assert tighten(paths) == []
    paths.state_dir.chmod(0o755)
    fixed = tighten(paths)
    assert sorted(f.path for f in fixed) == sorted([str(paths.state_dir), str(inside)])
    assert mode(inside) == 0o600


def test_programs_we_start_for_the_user_get_their_umask(tmp_path: Path) -> None:
    """The chained status line is the user's own program: files it creates are theirs as usual."""
    target = tmp_path / "made-by-their-status-line"
    status = json.dumps(payloads.status_new()).encode()
    done = run("statusline", "--then", f"touch {target}; echo theirs", stdin=status)
    assert done.stdout.strip() == b"theirs"
    assert mode(target) == 0o644


def test_settings_json_keeps_its_mode(isolated_home: Path, tmp_path: Path) -> None:
    settings = tmp_path / "claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"theme": "dark"}\n')
    settings.chmod(0o644)
    done = run("hooks", "install")
    assert done.returncode == 0, done.stderr
    assert "claude_tray" in settings.read_text()  # our hooks are in
    assert mode(settings) == 0o644
    os.chmod(settings, 0o640)
    assert run("hooks", "uninstall").returncode == 0
    assert mode(settings) == 0o640
