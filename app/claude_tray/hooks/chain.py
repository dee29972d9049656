"""Running the user's own status line command when ours is chained in front of it (`--then CMD`).

It gets the same JSON on stdin that Claude Code gave us and runs through the shell as Claude Code
runs it (`/bin/sh -c`; on Windows Git Bash when there is one, as Claude Code does). Its output is
what the user sees; when it fails, prints nothing or takes longer than `TIMEOUT`, our own line is
shown instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys

TIMEOUT = 1.5
"""Seconds the user's command may take (Claude Code shows nothing while a status line runs)."""

MAX_OUTPUT = 64 * 1024


def run_chained(command: str, stdin: bytes, timeout: float = TIMEOUT) -> bytes | None:
    """The command's output (trailing newlines removed), or None when it has none or fails."""
    args: str | list[str] = command
    shell = True
    if sys.platform == "win32":
        bash = shutil.which("bash")
        if bash:
            args, shell = [bash, "-c", command], False
    try:
        proc = subprocess.Popen(
            args,
            shell=shell,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=sys.platform != "win32",
        )
    except OSError:
        return None
    try:
        out, _ = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return None
    out = out[:MAX_OUTPUT].rstrip(b"\r\n")
    return out or None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):
        proc.communicate(timeout=1.0)
