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
import threading
import time

from claude_tray.hooks.bounded import ENDED, LATE, read_fd
from claude_tray.storage.private import user_umask

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

TIMEOUT = 1.5
"""Seconds the user's command may take (Claude Code shows nothing while a status line runs)."""

MAX_OUTPUT = 64 * 1024


def run_chained(command: str, stdin: bytes, timeout: float = TIMEOUT) -> bytes | None:
    """The command's output (cut at `MAX_OUTPUT`, trailing newlines removed), or None when it
    has none, fails to start or does not finish within `timeout`.

    The output is read as it comes, with the cap and the deadline applied while reading: a
    command that prints without end is stopped at the cap (and killed), not read to exhaustion.
    """
    args: str | list[str] = command
    shell = True
    if sys.platform == "win32":
        bash = shutil.which("bash")
        if bash:
            args, shell = [bash, "-c", command], False
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            args,
            shell=shell,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=sys.platform != "win32",
            umask=user_umask(),  # the user's program: their umask, not our private one
        )
    except OSError:
        return None
    assert proc.stdin is not None and proc.stdout is not None
    # A thread feeds stdin, so a command that never reads it cannot block us on a full pipe.
    threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    try:
        out, why = read_fd(proc.stdout.fileno(), MAX_OUTPUT, timeout)
    except OSError:
        out, why = b"", LATE
    if why == ENDED:
        try:
            proc.wait(max(0.0, timeout - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            why = LATE  # closed its output but kept running
    if why != ENDED:
        _kill(proc)
    proc.stdout.close()
    if why == LATE:
        return None
    out = out.rstrip(b"\r\n")
    return out or None


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError, ValueError):  # it exited or closed its stdin: fine
        pipe.write(data)
    with contextlib.suppress(OSError, ValueError):
        pipe.close()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):
        proc.wait(timeout=1.0)
