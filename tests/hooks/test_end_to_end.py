"""End to end: install into a real settings.json, then a fake Claude Code runs what it finds there
exactly as written (through the shell), with the real program answering."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.hooks import payloads
from tests.hooks.conftest import Result
from tests.hooks.fake_claude import FakeClaude
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
SID = payloads.SESSION
Program = Callable[..., Result]


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "my app"
    folder.mkdir()
    return folder


@pytest.fixture
def their_settings(claude: ClaudeData, tmp_path: Path) -> tuple[Path, Path]:
    """A user's settings with their own prompt logger and status line script."""
    log = tmp_path / "prompts.log"
    logger = tmp_path / "log-prompt.py"
    logger.write_text(
        "import json, sys\nd = json.load(sys.stdin)\n"
        f"open({str(log)!r}, 'a').write(d['prompt'] + '\\n')\n"
    )
    status = tmp_path / "status line.py"
    status.write_text(
        "import json, sys\nd = json.load(sys.stdin)\n"
        "print('[' + d['model']['display_name'] + ' @ ' + d['cwd'] + ']')\n"
    )
    settings = claude.root / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        json.dumps(
            {
                "model": "opus",
                "hooks": {
                    "UserPromptSubmit": [
                        {"hooks": [{"type": "command", "command": f"{sys.executable} {logger}"}]}
                    ]
                },
                "statusLine": {
                    "type": "command",
                    "command": f"{sys.executable} '{status}'",
                    "padding": 0,
                },
            },
            indent=2,
        )
        + "\n"
    )
    return settings, log


def test_a_session_through_install_gate_reset_and_uninstall(
    program: Program, their_settings: tuple[Path, Path], claude: ClaudeData, project: Path
) -> None:
    settings, prompt_log = their_settings
    original = settings.read_bytes()
    assert program("hooks", "install", "--statusline-chain", cwd=project).code == 0
    fake = FakeClaude(settings, project)
    cwd = str(project)

    start = fake.event(payloads.session_start(cwd=cwd))
    assert [run.code for run in start.runs] == [0] and not start.blocked
    first = fake.event(payloads.user_prompt_submit(cwd=cwd, prompt="hello"))
    assert not first.blocked and len(first.runs) == 2  # theirs and ours
    assert prompt_log.read_text() == "hello\n"

    shown = fake.status_line(payloads.status_new(cwd=cwd, percent=72))
    assert shown == f"[Opus 4.5 @ {cwd}]"  # theirs, chained behind ours
    fake.status_line(payloads.status_new(cwd=cwd, percent=92))
    blocked = fake.event(payloads.user_prompt_submit(cwd=cwd, prompt="more"))
    assert blocked.blocked and blocked.reason is not None
    assert "92%" in blocked.reason and "/compact" in blocked.reason
    assert prompt_log.read_text() == "hello\nmore\n"  # their hook still ran

    stamp = datetime.fromtimestamp(NOW - 30, UTC).isoformat().replace("+00:00", "Z")
    claude.write(SID, assistant(SID, stamp, "m-1", cwd=cwd, input=10, cache_read=183_990), cwd=cwd)
    reset = program("reset", SID)
    assert reset.code == 0, reset.stderr
    assert not fake.event(payloads.user_prompt_submit(cwd=cwd, prompt="go on")).blocked

    sessions = json.loads(program("sessions", "--json").stdout)["sessions"]
    assert [(s["sessionId"], s["contextSource"]) for s in sessions] == [(SID, "statusline")]

    assert program("hooks", "uninstall").code == 0
    assert settings.read_bytes() == original
    assert fake.status_line(payloads.status_new(cwd=cwd)) == f"[Opus 4.5 @ {cwd}]"
    assert all(
        "claude-tray" not in command
        for event in payloads.EVENTS
        for command, _ in fake.commands(event, {})
    )


def test_our_own_status_line_and_every_event(
    program: Program, claude: ClaudeData, project: Path
) -> None:
    claude.root.mkdir(parents=True)
    assert program("hooks", "install", cwd=project).code == 0
    fake = FakeClaude(claude.root / "settings.json", project)
    cwd = str(project)
    for make in payloads.EVENTS.values():
        outcome = fake.event(make(cwd=cwd))
        assert [run.code for run in outcome.runs] == [0]
        assert [run.stdout for run in outcome.runs] == [""]
    assert fake.status_line(payloads.status_old(cwd=cwd)) == "Sonnet 4"
    assert fake.status_line(payloads.status_new(cwd=cwd, percent=72)) == (
        "Opus 4.5 · ctx 72% · 5h 40%"
    )
    status = json.loads(program("status", "--json").stdout)
    assert status["limits"]["fiveHour"]["usedPercent"] == 40.0


def test_the_project_scope_and_a_path_with_spaces(
    program: Program, project: Path, tmp_path: Path
) -> None:
    spaced = tmp_path / "env with space"  # this environment, reached through a spaced path
    spaced.symlink_to(Path(sys.prefix))
    python = spaced / Path(sys.executable).relative_to(sys.prefix)
    done = Result(
        *_run_with(python, project, "-m", "claude_tray", "hooks", "install", "--scope", "project")
    )
    assert done.code == 0, done.stdout
    settings = project / ".claude" / "settings.json"
    command = json.loads(settings.read_text())["hooks"]["UserPromptSubmit"][0]["hooks"][0]
    assert command["command"].startswith(f"'{python}' -I -S ")
    fake = FakeClaude(settings, project)
    from claude_tray.storage.paths import app_paths
    from claude_tray.storage.state import mark_paused

    mark_paused(app_paths(), SID, "pause", 95.0, NOW)
    assert fake.event(payloads.user_prompt_submit(cwd=str(project))).blocked


def _run_with(program: Path, cwd: Path, *args: str) -> tuple[int, str, str]:
    import subprocess

    done = subprocess.run(
        [str(program), *args], cwd=cwd, capture_output=True, env=dict(os.environ), timeout=60
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()
