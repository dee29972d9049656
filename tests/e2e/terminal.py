"""The real Claude Code's interactive UI in a tmux pane of the test's own (a private socket), read
back as text. Only the interactive UI runs the status line and sends the session-title request."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.desktop import wait_for
from tests.e2e.client import MODEL, Sandbox
from tests.tools import require_tools

T = TypeVar("T")


class Terminal:
    def __init__(self, sandbox: Sandbox, *args: str) -> None:
        self.tmux = require_tools("tmux", install="apt-get install tmux")["tmux"]
        self.socket = sandbox.root / "tmux.sock"
        self.sandbox = sandbox
        command = " ".join(
            shlex.quote(word) for word in (str(sandbox.client.program), "--model", MODEL, *args)
        )
        self._run(
            "new-session", "-d", "-s", "cc", "-x", "160", "-y", "50",
            f"cd {shlex.quote(str(sandbox.project))} && exec {command}",
        )  # fmt: skip

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-S", str(self.socket), *args],
            env=self.sandbox.env(TERM="xterm-256color"),
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.stdout

    def screen(self, history: bool = True) -> str:
        """The pane's text (with its scroll-back unless `history` is False)."""
        return self._run("capture-pane", "-p", "-t", "cc", *(["-S", "-200"] if history else []))

    def wait(self, condition: Callable[[], T], what: str, timeout: float = 30.0) -> T:
        try:
            return wait_for(condition, timeout, what)
        except BaseException:
            print(f"--- the screen when waiting for {what} failed ---\n{self.screen()}")
            raise

    def wait_text(self, text: str, timeout: float = 30.0) -> str:
        return self.wait(
            lambda: self.screen() if text in self.screen() else None, repr(text), timeout
        )

    def type(self, prompt: str) -> None:
        """Type `prompt`, wait until it shows in the input, press Enter."""
        self.wait(lambda: self.alive() and _input_ready(self.screen()), "the input box")
        if _last_input(self.screen()) not in ("❯", ">"):  # an older client can put the last
            self._run("send-keys", "-t", "cc", "C-u")  # prompt back: clear the input first
            self.wait(lambda: _last_input(self.screen()) in ("❯", ">"), "an empty input box")
        self._run("send-keys", "-t", "cc", "-l", prompt)
        self.wait(lambda: _last_input(self.screen()).endswith(prompt), f"{prompt!r} typed")
        self._run("send-keys", "-t", "cc", "Enter")
        # An Enter that arrives while the UI is still settling (right after /compact) can be
        # lost: press it again while the prompt still sits in the input box.
        for _ in range(3):
            try:
                wait_for(lambda: not _last_input(self.screen()).endswith(prompt), 5, "submit")
                return
            except pytest.fail.Exception:
                self._run("send-keys", "-t", "cc", "Enter")
        self.wait(lambda: not _last_input(self.screen()).endswith(prompt), f"{prompt!r} sent")

    def alive(self) -> bool:
        return "cc" in self._run("list-sessions", "-F", "#{session_name}")

    def close(self) -> None:
        self._run("kill-server")


def _input_lines(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if line.lstrip().startswith(("❯", ">"))]


def _input_ready(screen: str) -> bool:
    return bool(_input_lines(screen))


def _last_input(screen: str) -> str:
    lines = _input_lines(screen)
    return lines[-1].rstrip() if lines else ""


def state_file(sandbox: Sandbox, session_id: str) -> Path:
    return sandbox.tray_home / "state" / "sessions" / f"{session_id}.json"
