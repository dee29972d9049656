"""Running our hook and status line as Claude Code does, in-process or as the real program."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from claude_tray.core.snapshot import LiveFacts
from claude_tray.hooks.fast import run_hook, run_statusline
from claude_tray.storage.paths import AppDirs, AppPaths, app_dirs
from claude_tray.storage.state import read_session, state_file

PROGRAM = Path(sys.executable).parent / "claude-tray"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str = ""

    def decision(self) -> dict[str, Any] | None:
        return json.loads(self.stdout) if self.stdout.strip() else None


@pytest.fixture
def paths() -> AppDirs:
    return app_dirs()


@pytest.fixture
def hook() -> Callable[[dict[str, Any]], Result]:
    """`claude-tray hook` in this process (the same function the program runs)."""

    def call(payload: dict[str, Any] | bytes) -> Result:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        out = io.BytesIO()
        code = run_hook(io.BytesIO(raw), out)
        return Result(code, out.getvalue().decode())

    return call


@pytest.fixture
def statusline() -> Callable[..., Result]:
    """`claude-tray statusline [--then CMD]` in this process."""

    def call(payload: dict[str, Any] | bytes, then: str | None = None) -> Result:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        out = io.BytesIO()
        code = run_statusline(io.BytesIO(raw), out, then)
        return Result(code, out.getvalue().decode())

    return call


@pytest.fixture
def program() -> Callable[..., Result]:
    """The command `hooks install` writes (this Python running the package's entry with
    `-I -S`), as a new process (stdin JSON, environment of the test)."""
    from claude_tray.hooks.install import program_prefix

    prefix = program_prefix()

    def call(
        *args: str,
        stdin: dict[str, Any] | bytes | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> Result:
        raw = stdin if isinstance(stdin, bytes) or stdin is None else json.dumps(stdin).encode()
        done = subprocess.run(
            [*prefix, *args],
            input=raw or b"",
            capture_output=True,
            cwd=cwd,
            env=env or dict(os.environ),
            timeout=60,
        )
        return Result(done.returncode, done.stdout.decode(), done.stderr.decode())

    return call


def state_of(paths: AppDirs, session: str) -> dict[str, Any]:
    """The session's state file as it is on disk (its format is what this checks)."""
    path = Path(state_file(paths, session))
    assert path.exists(), f"no state recorded for {session}"
    data = json.loads(path.read_bytes())
    assert isinstance(data, dict)
    return data


def write_config(text: str) -> Path:
    path = Path(os.environ["CLAUDE_TRAY_HOME"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def hooks_log() -> str:
    path = Path(os.environ["CLAUDE_TRAY_HOME"]) / "logs" / "hooks.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def facts_of(paths: AppDirs | AppPaths, session: str) -> LiveFacts:
    """What the engine reads of the session's state."""
    record = read_session(paths, session)
    assert record is not None, f"no state recorded for {session}"
    return record.facts()
