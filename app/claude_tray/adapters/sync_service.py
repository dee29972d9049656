"""Headless sync at login: a systemd user unit that runs `claude-tray sync --watch`, for a machine
with no display (a remote development server) that should publish its usage without a tray.

Linux with systemd only; elsewhere the tray itself syncs (or the user runs `sync --watch` from
their own scheduler). The unit names the interpreter or app running now, as the tray's autostart
entry does, and passes on the environment that decides where data lives.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from claude_tray import APP_NAME
from claude_tray.storage.atomic import write_atomic

UNIT_NAME = f"{APP_NAME}-sync.service"
PASSED_ON = ("CLAUDE_TRAY_HOME", "CLAUDE_CONFIG_DIR", "CLAUDE_TRAY_MACHINE")
"""Variables copied into the unit when set: the service then reads and writes where this shell
does."""

Systemctl = Callable[[list[str]], tuple[int, str]]


def run_systemctl(args: list[str]) -> tuple[int, str]:
    """`systemctl --user ARGS`: exit code and what it said; 127 when there is no systemctl."""
    program = shutil.which("systemctl")
    if program is None:
        return 127, "systemctl not found"
    done = subprocess.run(
        [program, "--user", *args], capture_output=True, text=True, timeout=30, check=False
    )
    return done.returncode, (done.stderr or done.stdout).strip()


def headless_command(launch: list[str]) -> list[str]:
    """The tray's launch command (ending in `run`) turned into the headless sync command."""
    base = launch[:-1] if launch and launch[-1] == "run" else launch
    return [*base, "sync", "--watch"]


def quote(word: str) -> str:
    """One word of an `ExecStart=` line, as systemd reads it (systemd.service, "Command lines"):
    double quotes around anything with spaces or quotes, `\\` and `"` escaped, `%` doubled
    (specifiers) and `$` doubled (variable expansion)."""
    escaped = word.replace("%", "%%").replace("$", "$$")
    if escaped and not any(c in escaped for c in " \t\"'\\;"):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_text(command: list[str], env: Mapping[str, str]) -> str:
    lines = [
        "[Unit]",
        "Description=claude-tray: publish this machine's Claude Code usage to the sync folder",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={' '.join(quote(word) for word in command)}",
        "Restart=on-failure",
        "RestartSec=30",
    ]
    for name in PASSED_ON:
        value = env.get(name)
        if value:
            lines.append(f"Environment={quote(f'{name}={value}')}")
    lines += ["", "[Install]", "WantedBy=default.target", ""]
    return "\n".join(lines)


class SyncService:
    """The user unit in `folder` (normally `~/.config/systemd/user`)."""

    def __init__(self, folder: Path, systemctl: Systemctl = run_systemctl) -> None:
        self.path = folder / UNIT_NAME
        self._systemctl = systemctl

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def enable(self, command: list[str], env: Mapping[str, str]) -> str:
        """Write the unit and start it now and at every login; returns what systemd said (empty
        when all went well)."""
        write_atomic(self.path, unit_text(command, env).encode("utf-8"))
        said = []
        for args in (["daemon-reload"], ["enable", "--now", UNIT_NAME]):
            code, text = self._systemctl(args)
            if code != 0:
                said.append(f"systemctl --user {' '.join(args)}: {text or f'exit {code}'}")
                break
        return "; ".join(said)

    def disable(self) -> str:
        said = ""
        if self.path.exists():
            code, text = self._systemctl(["disable", "--now", UNIT_NAME])
            if code != 0:
                said = f"systemctl --user disable: {text or f'exit {code}'}"
            self.path.unlink()
            self._systemctl(["daemon-reload"])
        return said
