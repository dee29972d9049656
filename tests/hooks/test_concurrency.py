"""Hooks, status lines and the tray writing one session's state at once lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from claude_tray.storage.paths import app_paths
from claude_tray.storage.state import SessionRecord, change_session, read_session
from tests.hooks import payloads
from tests.hooks.conftest import PROGRAM, hooks_log

SID = payloads.SESSION
HOOKS = 20
STATUS_LINES = 5
TRAY_WRITES = 40


@pytest.mark.slow
def test_twenty_hooks_and_a_tray_lose_no_update(tmp_path: Path) -> None:
    paths = app_paths()
    prompt = json.dumps(payloads.user_prompt_submit(cwd=str(tmp_path))).encode()
    status = json.dumps(payloads.status_new(percent=50)).encode()
    start = threading.Event()

    def tray() -> None:  # the engine loop: read-modify-write of its own marks, many times
        start.wait()
        for n in range(TRAY_WRITES):

            def change(record: SessionRecord, n: int = n) -> None:
                record.record_event("TrayWrite", float(n))  # a count that must reach 40
                record.reset("ok", float(n))

            change_session(paths, SID, change)

    procs = []
    for i in range(HOOKS + STATUS_LINES):
        args, data = (["hook"], prompt) if i < HOOKS else (["statusline"], status)
        proc = subprocess.Popen(
            [str(PROGRAM), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=os.environ,
        )
        procs.append((proc, data))
    time.sleep(2.0)  # every process started and waits for its stdin: the starting line
    writer = threading.Thread(target=tray)
    writer.start()
    start.set()
    for proc, data in procs:  # all at once: each reads its input and writes the same file
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
    outputs = []
    for proc, _ in procs:
        assert proc.stdout is not None and proc.stderr is not None
        outputs.append((proc.stdout.read(), proc.stderr.read()))
        proc.wait(timeout=60)
    writer.join(timeout=60)
    assert all(proc.returncode == 0 for proc, _ in procs)
    assert [out for out, _ in outputs[:HOOKS]] == [b""] * HOOKS  # nobody blocked, nothing added
    state = read_session(paths, SID)
    assert state is not None
    assert state.events == {"UserPromptSubmit": HOOKS, "TrayWrite": TRAY_WRITES}
    assert state.context_percent == 50
    folder = paths.sessions_state_dir
    assert sorted(p.name for p in folder.iterdir()) == [f"{SID}.json", f"{SID}.lock"]
    assert hooks_log() == ""
