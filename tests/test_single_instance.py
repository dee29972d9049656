"""One tray per user: while one holds the instance lock, `claude-tray run` says so and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys

from claude_tray.storage.locking import try_lock_forever
from claude_tray.storage.paths import app_paths


def start(*args: str) -> subprocess.CompletedProcess[str]:
    # A display is named but never opened: the lock is checked before the tray is imported.
    env = {**os.environ, "DISPLAY": ":9999", "PYSTRAY_BACKEND": "dummy"}
    return subprocess.run(
        [sys.executable, "-m", "claude_tray", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_start_says_it_is_running_and_exits_0() -> None:
    held = try_lock_forever(app_paths().lock_file)
    assert held is not None
    try:
        for args in ([], ["run"]):
            result = start(*args)
            assert result.returncode == 0, result.stderr
            assert result.stdout == "claude-tray is already running\n"
        assert try_lock_forever(app_paths().lock_file) is None  # still ours
    finally:
        os.close(held)
    assert app_paths().lock_file.read_text() == str(os.getpid())
