"""A fake Claude Code: runs the hooks and the status line a settings.json configures, as Claude
Code runs them.

It reads the settings file as it is on disk, picks the command hooks of an event (matchers as
Claude Code applies them: SessionStart on `source`, PreCompact/PostCompact on `trigger`, other
events ignore them), runs each command string exactly as written through `/bin/sh -c` with the
event's JSON on stdin, `CLAUDE_PROJECT_DIR` set and the entry's timeout, and reads the result as
Claude Code does: exit 0 with `{"decision": "block"}` on stdout, or exit 2 (reason on stderr),
blocks a UserPromptSubmit; any other failure lets it through. `disableAllHooks` turns everything
off. The status line command gets the status JSON and its stdout is the line shown.

As a script it plays a short session and prints what a user would see:

    python tests/hooks/fake_claude.py SETTINGS.json [--cwd DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 60.0
MATCHED_ON = {
    "SessionStart": "source",
    "PreCompact": "trigger",
    "PostCompact": "trigger",
    "SessionEnd": "reason",
}


@dataclass
class Run:
    command: str
    code: int | None  # None: timed out
    stdout: str
    stderr: str


@dataclass
class Outcome:
    blocked: bool = False
    reason: str | None = None
    runs: list[Run] = field(default_factory=list)


@dataclass
class FakeClaude:
    settings: Path
    cwd: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def _config(self) -> dict[str, Any]:
        return json.loads(self.settings.read_text(encoding="utf-8"))

    def commands(self, event: str, payload: dict[str, Any]) -> list[tuple[str, float]]:
        """The command hooks that run for this event, with their timeouts."""
        config = self._config()
        if config.get("disableAllHooks") is True:
            return []
        found = []
        for group in config.get("hooks", {}).get(event, []):
            if not _matches(group.get("matcher"), payload.get(MATCHED_ON.get(event, ""))):
                continue
            for entry in group.get("hooks", []):
                if entry.get("type") == "command":
                    found.append((entry["command"], float(entry.get("timeout", DEFAULT_TIMEOUT))))
        return found

    def event(self, payload: dict[str, Any]) -> Outcome:
        name = payload["hook_event_name"]
        outcome = Outcome()
        for command, timeout in self.commands(name, payload):
            run = self._run(command, payload, timeout)
            outcome.runs.append(run)
            if name != "UserPromptSubmit":
                continue
            reason = _block_reason(run)
            if reason is not None and not outcome.blocked:
                outcome.blocked, outcome.reason = True, reason
        return outcome

    def status_line(self, payload: dict[str, Any]) -> str | None:
        """What the status line shows, or None when there is none (or it failed)."""
        config = self._config()
        status = config.get("statusLine")
        if config.get("disableAllHooks") is True or not isinstance(status, dict):
            return None
        run = self._run(status["command"], payload, 10.0)
        if run.code != 0 or not run.stdout.strip():
            return None
        return run.stdout.rstrip("\n")

    def _run(self, command: str, payload: dict[str, Any], timeout: float) -> Run:
        env = {**self.env, "CLAUDE_PROJECT_DIR": str(self.cwd)}
        try:
            done = subprocess.run(
                ["/bin/sh", "-c", command],
                input=json.dumps(payload).encode(),
                capture_output=True,
                cwd=self.cwd,
                env=env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return Run(command, None, "", "")
        return Run(command, done.returncode, done.stdout.decode(), done.stderr.decode())


def _matches(matcher: object, value: object) -> bool:
    if matcher in (None, "", "*"):
        return True
    return (
        isinstance(matcher, str) and isinstance(value, str) and bool(re.fullmatch(matcher, value))
    )


def _block_reason(run: Run) -> str | None:
    if run.code == 2:
        return run.stderr.strip() or "blocked"
    if run.code != 0:
        return None
    try:
        decision = json.loads(run.stdout) if run.stdout.strip() else None
    except ValueError:
        return None  # plain stdout of UserPromptSubmit is context for the model, not a decision
    if isinstance(decision, dict) and decision.get("decision") == "block":
        return str(decision.get("reason", "blocked"))
    return None


def _demo(settings: Path, cwd: Path) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.hooks import payloads

    claude = FakeClaude(settings, cwd)
    sid = payloads.SESSION
    steps: list[tuple[str, dict[str, Any]]] = [
        ("event", payloads.session_start(session=sid, cwd=str(cwd))),
        ("event", payloads.user_prompt_submit(session=sid, cwd=str(cwd))),
        ("status", payloads.status_new(session=sid, cwd=str(cwd), percent=72)),
        ("status", payloads.status_new(session=sid, cwd=str(cwd), percent=92)),
        ("event", payloads.user_prompt_submit(session=sid, cwd=str(cwd))),
        ("event", payloads.session_end(session=sid, cwd=str(cwd))),
    ]
    for kind, payload in steps:
        if kind == "status":
            print(f"status line: {claude.status_line(payload)}")
            continue
        outcome = claude.event(payload)
        verdict = f"BLOCKED: {outcome.reason}" if outcome.blocked else "ok"
        print(f"{payload['hook_event_name']}: {len(outcome.runs)} hook(s), {verdict}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Play a short Claude Code session.")
    parser.add_argument("settings", type=Path)
    parser.add_argument("--cwd", type=Path, default=Path.cwd())
    args = parser.parse_args()
    return _demo(args.settings, args.cwd)


if __name__ == "__main__":
    sys.exit(main())
