"""kill -9 at several points of a write: the next run counts every line exactly once, and the
history whose transcripts are gone, the notes and the tags are unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.scene import EXPECTED, KEPT_T, Scene, history
from tests.transcripts import assistant

FILES, LINES = 16, 1500
DEADLINE = 300.0


def write_many(scene: Scene) -> int:
    """Many transcripts of new usage (one commit after another); returns their output tokens."""
    for f in range(FILES):
        scene.claude.write(
            f"bulk-{f}",
            *[
                assistant(
                    f"bulk-{f}",
                    KEPT_T.format(f, i // 60 % 60, i % 60),
                    f"b{f}-{i}",
                    output=3,
                )
                for i in range(LINES)
            ],
        )
    return FILES * LINES * 3


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def kill_when(scene: Scene, args: list[str], ready: object) -> None:
    """Start `claude-tray args`, poll until `ready()` is true, then kill -9 it mid-write."""
    process = subprocess.Popen(
        [sys.executable, "-m", "claude_tray", *args],
        env=scene.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + DEADLINE
    assert callable(ready)
    while not ready():
        assert process.poll() is None, "the write finished before the kill point was reached"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("wal_bytes", [1, 512 << 10, 3 << 19])
def test_kill_9_while_ingesting(scene: Scene, wal_bytes: int) -> None:
    new = write_many(scene)
    wal = Path(f"{scene.ledger}-wal")
    kill_when(scene, ["daily", "--json"], lambda: size(wal) >= wal_bytes)
    run, report = scene.daily()
    assert run.returncode == 0, run.stderr
    assert report["totals"]["outputTokens"] == EXPECTED.gone_output + 10 * 1000 + new
    assert history(scene.ledger) == EXPECTED
    assert scene.cli("ledger", "check").returncode == 0


def test_kill_9_while_backing_up(scene: Scene) -> None:
    write_many(scene)
    assert scene.cli("daily", "--json").returncode == 0
    folder = scene.ledger.parent / "backups"
    kill_when(scene, ["ledger", "backup"], lambda: any(folder.glob("*.part")))
    run = scene.cli("ledger", "check")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Backups: none yet" in run.stdout  # the half-made copy does not count as one
    again = scene.cli("ledger", "backup")
    assert again.returncode == 0, again.stderr
    assert history(scene.ledger) == EXPECTED
