"""Hooks, status lines and the tray writing one session's state at once lose nothing."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from claude_tray.storage.paths import app_paths
from claude_tray.storage.state import SessionRecord, change_session, read_session
from tests.hooks import payloads
from tests.hooks.conftest import hooks_log

SID = payloads.SESSION
HOOKS = 20
STATUS_LINES = 5
TRAY_WRITES = 40
START_DEADLINE = 180.0
"""How long all processes may take to reach the starting line (25 interpreters starting on two
loaded cores take many seconds)."""

STARTER = """
import os, sys
start, ready = int(sys.argv[1]), int(sys.argv[2])
from claude_tray.cli.main import main
import claude_tray.hooks.event, claude_tray.hooks.fast, claude_tray.storage.state
os.write(ready, b"r")
os.close(ready)
os.read(start, 1)
os.close(start)
sys.exit(main(sys.argv[3:]))
"""
"""`claude-tray hook|statusline` (the console script's `main`) in a process of its own, held at a
starting line once its interpreter runs and the hook's modules are loaded: it says so on the
`ready` pipe, then waits for the `start` pipe to close. The program's own deadlines (5 s for its
input, 5 s for the lock) then count from the moment all of them run at once, not from a start
that 25 interpreters spread over seconds on a loaded machine."""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes passed to the processes")
def test_twenty_hooks_and_a_tray_lose_no_update(tmp_path: Path) -> None:
    paths = app_paths()
    prompt = json.dumps(payloads.user_prompt_submit(cwd=str(tmp_path))).encode()
    status = json.dumps(payloads.status_new(percent=50)).encode()
    go = threading.Event()
    tray_errors: list[BaseException] = []

    def tray() -> None:  # the engine loop: read-modify-write of its own marks, many times
        go.wait()
        try:
            for n in range(TRAY_WRITES):

                def change(record: SessionRecord, n: int = n) -> None:
                    record.record_event("TrayWrite", float(n))  # a count that must reach 40
                    record.reset("ok", float(n))

                change_session(paths, SID, change)
        except BaseException as error:  # reported below (a thread's exception is lost)
            tray_errors.append(error)

    start_read, start_write = os.pipe()
    ready_read, ready_write = os.pipe()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(HOOKS + STATUS_LINES):
            args, data = (["hook"], prompt) if i < HOOKS else (["statusline"], status)
            proc = subprocess.Popen(
                [sys.executable, "-c", STARTER, str(start_read), str(ready_write), *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=os.environ,
                pass_fds=(start_read, ready_write),
            )
            procs.append(proc)
            assert proc.stdin is not None
            proc.stdin.write(data)  # it waits in the pipe, read past the starting line
            proc.stdin.close()
        os.close(start_read)
        os.close(ready_write)
        ready = _wait_until_ready(ready_read, procs)
        assert ready == len(procs), f"{ready} of {len(procs)} at the line: {_ended(procs)}"
        writer = threading.Thread(target=tray)
        writer.start()
        go.set()
        os.close(start_write)  # the start: every process past the line at once
        start_write = -1
        outputs = [_output(proc) for proc in procs]
        writer.join(timeout=120)
    finally:
        if start_write >= 0:
            os.close(start_write)  # a process still at the line ends at once
        os.close(ready_read)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            _output(proc)
    assert not writer.is_alive()
    assert tray_errors == []
    assert [proc.returncode for proc in procs] == [0] * len(procs), outputs
    assert [out for out, _ in outputs[:HOOKS]] == [b""] * HOOKS  # nobody blocked, nothing added
    log = hooks_log()  # a call that gave up (on the lock, on its input) says why here
    state = read_session(paths, SID)
    assert state is not None
    assert state.events == {"UserPromptSubmit": HOOKS, "TrayWrite": TRAY_WRITES}, log
    assert state.context_percent == 50
    folder = paths.sessions_state_dir
    assert sorted(p.name for p in folder.iterdir()) == [f"{SID}.json", f"{SID}.lock"]
    assert log == ""


def _wait_until_ready(ready: int, procs: list[subprocess.Popen[bytes]]) -> int:
    """How many processes said they are at the starting line: waits until all did, one ended
    before it, or `START_DEADLINE` passed."""
    deadline = time.monotonic() + START_DEADLINE
    seen = 0
    while seen < len(procs) and time.monotonic() < deadline:
        if any(proc.poll() is not None for proc in procs):
            break
        readable, _, _ = select.select([ready], [], [], 0.5)
        if readable:
            seen += len(os.read(ready, len(procs)))
    return seen


def _ended(procs: list[subprocess.Popen[bytes]]) -> list[tuple[int, bytes]]:
    """Exit code and stderr of each process that ended before the start."""
    return [(p.returncode, _output(p)[1]) for p in procs if p.poll() is not None]


def _output(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """What the process printed to stdout and stderr, once it ended (its stdin is closed)."""
    assert proc.stdout is not None and proc.stderr is not None
    if proc.stdout.closed:
        return b"", b""
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.wait(timeout=120)
    return out, err
