"""The real Claude Code client, pinned, run offline against the mock Messages API.

`.ci/setup` installs each pinned version with npm into `$CLAUDE_CODE_CACHE/<version>` (default
`~/.cache/claude-tray-claude-code`). `CLAUDE_CODE_BIN` runs one other binary instead. Under
`CI=true` a missing client fails the test (the setup was supposed to install it); elsewhere the
test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.tools import missing

PINNED = ("2.1.197", "2.1.90")
"""The versions the suite runs: a current native build, and an older JavaScript build (before
2.1.97, when streamed copies of a response still carried placeholder usage)."""

MODEL = "claude-sonnet-4-5-20250929"
API_KEY = "sk-ant-api03-mock-key-for-claude-tray-e2e-tests-0123456789abcdef"
CACHE = Path(
    os.environ.get("CLAUDE_CODE_CACHE", os.path.expanduser("~/.cache/claude-tray-claude-code"))
)


@dataclass(frozen=True)
class Client:
    version: str
    program: Path

    def __str__(self) -> str:
        return f"Claude Code {self.version}"


def find_client(version: str) -> Client | None:
    override = os.environ.get("CLAUDE_CODE_BIN")
    if override:
        return Client(version=_version_of(Path(override)) or version, program=Path(override))
    program = CACHE / version / "node_modules" / ".bin" / "claude"
    if program.exists() and os.access(program, os.X_OK):
        return Client(version=version, program=program)
    return None


def require_client(version: str) -> Client:
    """The pinned client, or a skip (a failure under CI=true) saying why it is missing."""
    client = find_client(version)
    if client is None:
        missing(
            f"Claude Code {version} (in {CACHE / version})",
            f"npm install @anthropic-ai/claude-code@{version} there, or set CLAUDE_CODE_BIN",
        )
    return client


def tray_program() -> list[str]:
    """The installed `claude-tray` of this environment (what `hooks install` writes down)."""
    script = Path(sys.executable).parent / "claude-tray"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "claude_tray"]


def _version_of(program: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=60
        ).stdout
    except OSError:
        return None
    return out.split()[0] if out.split() else None


@dataclass
class Sandbox:
    """One isolated user: HOME, CLAUDE_CONFIG_DIR, CLAUDE_TRAY_HOME and a project folder."""

    root: Path
    api_url: str
    client: Client

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config_dir(self) -> Path:
        return self.root / "claude"

    @property
    def tray_home(self) -> Path:
        return self.root / "tray-home"

    @property
    def project(self) -> Path:
        return self.root / "project"

    def prepare(self) -> None:
        for folder in (self.home, self.config_dir, self.tray_home, self.project):
            folder.mkdir(parents=True, exist_ok=True)
        self.preanswer_first_run()

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "CLAUDE_CONFIG_DIR": str(self.config_dir),
            "CLAUDE_TRAY_HOME": str(self.tray_home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "ANTHROPIC_BASE_URL": self.api_url,
            "ANTHROPIC_API_KEY": API_KEY,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
        }
        env.update(extra)
        return env

    def preanswer_first_run(self) -> None:
        """The first-run dialogs, answered in `.claude.json` (onboarding, the API key, trust)."""
        path = self.config_dir / ".claude.json"
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        data["hasCompletedOnboarding"] = True
        data["customApiKeyResponses"] = {"approved": [API_KEY[-20:]], "rejected": []}
        data.setdefault("projects", {})[str(self.project)] = {
            "hasTrustDialogAccepted": True,
            "hasCompletedProjectOnboarding": True,
            "allowedTools": [],
        }
        path.write_text(json.dumps(data, indent=2))

    def claude_print(self, prompt: str, *args: str, timeout: float = 120) -> PrintRun:
        """`claude -p PROMPT --output-format json ARGS` in the project folder."""
        command = [
            str(self.client.program),
            "-p",
            prompt,
            "--model",
            MODEL,
            "--output-format",
            "json",
            "--allowedTools",
            "Bash(echo:*)",
            *args,
        ]
        done = subprocess.run(
            command,
            cwd=self.project,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return PrintRun(done.returncode, done.stdout, done.stderr)

    def tray(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`claude-tray ARGS` as the user runs it, in this sandbox."""
        done = subprocess.run(
            [*tray_program(), *args],
            cwd=self.project,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"claude-tray {' '.join(args)} exited {done.returncode}: {done.stderr}"
            )
        return done

    def tray_json(self, *args: str) -> Any:
        return json.loads(self.tray(*args, "--json").stdout)

    def transcripts(self) -> list[Path]:
        return sorted((self.config_dir / "projects").rglob("*.jsonl"))

    def transcript_lines(self) -> list[dict[str, Any]]:
        lines = []
        for path in self.transcripts():
            for raw in path.read_text(encoding="utf-8").splitlines():
                if raw.strip():
                    lines.append(json.loads(raw))
        return lines


@dataclass(frozen=True)
class PrintRun:
    code: int
    stdout: str
    stderr: str

    @property
    def result(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data
