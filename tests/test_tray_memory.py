"""The tray keeps GL out: GDK's own switch set before GTK loads, and taken back out of what the
tray's children inherit. Memory figures themselves are measured by benchmarks/tray_latency.py;
here: which libraries a real tray process maps, under Xvfb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claude_tray.adapters import platform
from claude_tray.adapters.platform import GDK_GL, child_env, keep_gl_out
from tests.tools import missing
from tests.transcripts import ClaudeData, assistant

GL_LIBRARIES = ("libGL", "libEGL", "_dri.so", "libLLVM", "libgbm", "libglapi")


def test_the_switch_is_set_only_where_gtk_runs_and_never_over_the_users() -> None:
    env: dict[str, str] = {}
    assert keep_gl_out(env) is (sys.platform.startswith("linux"))
    if sys.platform.startswith("linux"):
        assert env == {GDK_GL: "disable"}
    mine = {GDK_GL: "always"}
    assert keep_gl_out(mine) is False and mine == {GDK_GL: "always"}


def test_children_do_not_inherit_the_trays_own_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GDK_GL, raising=False)
    monkeypatch.setattr(platform, "_switched", [])
    assert child_env({GDK_GL: "disable"}) == {GDK_GL: "disable"}  # the user's own: kept
    if keep_gl_out():
        assert os.environ[GDK_GL] == "disable"
        assert GDK_GL not in child_env(dict(os.environ))
        assert child_env({GDK_GL: "always"}) == {GDK_GL: "always"}


@pytest.mark.parametrize("backend", ["gtk", "appindicator"])
def test_a_running_tray_maps_no_gl_library(
    tmp_path: Path, claude: ClaudeData, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        import psutil
    except ImportError:
        missing("psutil", "pip install -e '.[test]'")
    from tests.desktop import running_desktop, wait_for

    if backend == "appindicator":
        probe = "import gi; gi.require_version('AyatanaAppIndicator3', '0.1')"
        if subprocess.run([sys.executable, "-c", probe], check=False).returncode != 0:
            missing(
                "the AyatanaAppIndicator3 typelib",
                "apt-get install gir1.2-ayatanaappindicator3-0.1",
            )
    monkeypatch.delenv(GDK_GL, raising=False)
    claude.write("s1", assistant("s1", "2026-11-20T10:00:00.000Z", "m1", input=5, output=5))
    view = tmp_path / "view.json"
    with running_desktop(tmp_path / "desktop", notifications=False) as desktop:
        env = {**desktop.env, "PYSTRAY_BACKEND": backend, "CLAUDE_TRAY_DEBUG_VIEW": str(view)}
        env.pop(GDK_GL, None)
        command = [sys.executable, "-m", "claude_tray", "run"]
        process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_for(view.exists, timeout=60, what="the first view")
            tray = psutil.Process(process.pid)
            wait_for(lambda: tray.num_threads() >= 3, timeout=30, what="the tray's threads")
            mapped = {Path(m.path).name for m in tray.memory_maps() if m.path.startswith("/")}
            assert any(name.startswith("libgtk-3") for name in mapped), "GTK is not loaded"
            assert not [n for n in mapped if any(g in n for g in GL_LIBRARIES)]
        finally:
            process.terminate()
            assert process.wait(30) == 0


def test_the_history_is_read_by_a_reader_process_that_dies_with_the_tray(
    tmp_path: Path, claude: ClaudeData
) -> None:
    """A first start on a history of old transcripts: the real tray reads today's file itself and
    starts the history reader (`claude-tray read-history`) for the rest. The tray process reads
    far fewer bytes than the old files hold; the reader waits on the ledger's write lock (held
    here), and when the tray is killed (SIGKILL: no clean-up of its own) the reader exits too,
    leaving the ledger sound."""
    import signal
    import sqlite3
    import time
    from datetime import UTC, datetime

    try:
        import psutil
    except ImportError:
        missing("psutil", "pip install -e '.[test]'")
    from claude_tray.storage.paths import app_paths
    from tests.desktop import running_desktop, wait_for

    now = time.time()
    filler = "x" * 2000
    old_bytes = 0
    for n in range(40):  # 40 old sessions, ~1 MB each, one a day before yesterday
        moment = now - (n + 2) * 86400
        stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        lines = [
            assistant(f"old-{n}", stamp, f"old-{n}-{k}", input=10, output=100, content=filler)
            for k in range(400)
        ]
        path = claude.write(f"old-{n}", *lines)
        os.utime(path, (moment + 60, moment + 60))
        old_bytes += path.stat().st_size
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    claude.write("live", assistant("live", stamp, "live-1", input=5, output=5))
    view = tmp_path / "view.json"
    ledger = app_paths().ledger
    with running_desktop(tmp_path / "desktop", notifications=False) as desktop:
        env = {**desktop.env, "CLAUDE_TRAY_DEBUG_VIEW": str(view)}
        process = subprocess.Popen(
            [sys.executable, "-m", "claude_tray", "run"], env=env, stderr=subprocess.DEVNULL
        )
        holder = None
        try:
            wait_for(view.exists, timeout=60, what="the first view")
            holder = sqlite3.connect(ledger, isolation_level=None, timeout=60)
            holder.execute("BEGIN IMMEDIATE")  # the reader now waits to write its first file
            tray = psutil.Process(process.pid)

            def the_reader() -> Any:
                for child in tray.children():
                    if "read-history" in child.cmdline():
                        return child
                return None

            reader = wait_for(the_reader, timeout=60, what="the history reader")
            assert tray.io_counters().read_chars < old_bytes / 2  # the old files are not its
            process.send_signal(signal.SIGKILL)
            process.wait(30)

            def gone() -> bool:
                try:
                    return reader.status() == psutil.STATUS_ZOMBIE
                except psutil.NoSuchProcess:
                    return True

            wait_for(gone, timeout=30, what="the history reader to exit with the tray")
        finally:
            if holder is not None:
                holder.execute("ROLLBACK")
                holder.close()
            if process.poll() is None:
                process.kill()
                process.wait(30)
    with sqlite3.connect(ledger) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        read = {Path(p).stem for (p,) in check.execute("SELECT path FROM files")}
    assert "live" in read and len(read) < 41  # the reader stopped before the end
