"""The tray keeps GL out: GDK's own switch set before GTK loads, and taken back out of what the
tray's children inherit. Memory figures themselves are measured by benchmarks/tray_latency.py;
here: which libraries a real tray process maps, under Xvfb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
