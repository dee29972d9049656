"""A FIFO, device or folder where a regular file is expected is skipped, never waited on: the
hook and the status line answer, commands finish. Real FIFOs, the real program, a deadline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claude_tray.hooks.git_info import git_info
from claude_tray.storage.config import ConfigError, load_config
from tests.hooks import payloads
from tests.transcripts import ClaudeData, assistant

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")

PROGRAM = Path(sys.executable).parent / "claude-tray"
DEADLINE_S = 30.0
"""Far above any normal run; a process blocked on a FIFO never finishes, so it hits this."""


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            [str(PROGRAM), *args], input=stdin, capture_output=True, timeout=DEADLINE_S
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"claude-tray {' '.join(args)} blocked (no answer in {DEADLINE_S:.0f} s)")


def repo(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    (work / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return work


def test_a_fifo_as_git_head_or_commondir_is_skipped(tmp_path: Path) -> None:
    work = repo(tmp_path)
    assert git_info(str(work))["branch"] == "main"  # type: ignore[index]
    os.mkfifo(work / ".git" / "commondir")
    assert git_info(str(work))["repository"] == str(work)  # type: ignore[index]
    (work / ".git" / "HEAD").unlink()
    os.mkfifo(work / ".git" / "HEAD")
    assert git_info(str(work)) is None


def test_a_fifo_as_the_git_file_is_skipped(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    os.mkfifo(work / ".git")
    assert git_info(str(work)) is None


@pytest.mark.parametrize("event", ["SessionStart", "UserPromptSubmit"])
def test_the_hook_answers_with_a_fifo_in_git(tmp_path: Path, event: str) -> None:
    work = repo(tmp_path)
    (work / ".git" / "HEAD").unlink()
    os.mkfifo(work / ".git" / "HEAD")
    payload = payloads.EVENTS[event](cwd=str(work))
    done = run("hook", stdin=json.dumps(payload).encode())
    assert done.returncode == 0 and done.stdout == b""


def test_the_status_line_answers_with_a_fifo_in_git(tmp_path: Path, tray_home: Path) -> None:
    work = repo(tmp_path)
    (work / ".git" / "HEAD").unlink()
    os.mkfifo(work / ".git" / "HEAD")
    tray_home.mkdir(parents=True, exist_ok=True)
    (tray_home / "config.toml").write_text('[statusline]\nformat = "{model} · {branch}"\n')
    payload = payloads.status_new(cwd=str(work))
    done = run("statusline", stdin=json.dumps(payload).encode())
    assert done.returncode == 0 and done.stdout.decode().startswith("Opus 4.5")


def test_a_fifo_as_the_config_file(tray_home: Path) -> None:
    tray_home.mkdir(parents=True, exist_ok=True)
    config = tray_home / "config.toml"
    os.mkfifo(config)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(config)
    done = run("hook", stdin=json.dumps(payloads.user_prompt_submit()).encode())
    assert done.returncode == 0 and done.stdout == b""
    done = run("statusline", stdin=json.dumps(payloads.status_new()).encode())
    assert done.returncode == 0 and done.stdout.strip()
    done = run("today")
    assert done.returncode == 2
    assert done.stderr.decode().count("\n") == 1 and "not a regular file" in done.stderr.decode()


def test_a_fifo_among_the_transcripts_is_skipped(claude: ClaudeData) -> None:
    claude.write("a", assistant("a", "2026-11-20T09:00:00Z", "m1", input=100, output=5))
    os.mkfifo(claude.transcript("b"))
    (claude.transcript("c")).mkdir()
    done = run("daily", "--json")
    assert done.returncode == 0, done.stderr
    assert sum(d["totalTokens"] for d in json.loads(done.stdout)["daily"]) == 105


def test_the_engine_refuses_a_fifo_it_was_told_about(claude: ClaudeData) -> None:
    from claude_tray.engine.read import read_file

    path = claude.transcript("b")
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    result = read_file(str(claude.transcript("b")), 0)
    assert result.problem == "not a regular file"


def test_a_fifo_as_settings_json_is_refused(tmp_path: Path, claude: ClaudeData) -> None:
    claude.root.mkdir(parents=True, exist_ok=True)
    os.mkfifo(claude.root / "settings.json")
    for args in (("hooks", "install"), ("hooks", "uninstall")):
        done = run(*args)
        assert done.returncode == 2
        assert "not a regular file" in done.stderr.decode()
    assert run("hooks", "status").returncode == 0


def test_a_fifo_as_the_alert_memory_is_skipped(tray_home: Path) -> None:
    from claude_tray.storage.paths import app_paths
    from claude_tray.storage.tray_state import load_tray_state

    paths = app_paths()
    paths.tray_state.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(paths.tray_state)
    assert load_tray_state(paths) is not None
