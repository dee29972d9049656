"""The real gtk tray on Xvfb: a menu change published while the menu is open waits until it
closes (Gtk.Menu's `show` and `hide` signals mark the open menu)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.desktop import WAIT, running_desktop, wait_for
from tests.test_menu import ROOT, count, menu_is_open, tray_pixels

SCRIPT = textwrap.dedent(
    """
    import sys, threading, time
    from claude_tray.core.view import tray_view
    from claude_tray.ui.tray import TrayIcon
    from tests.tray_snapshots import options, session, snapshot

    calm = tray_view(snapshot(session(percent=50)), options())
    paused = tray_view(snapshot(session(percent=92, paused=True)), options())

    def on_ready():
        print("READY", tray.backend, flush=True)
        def commands():
            for line in sys.stdin:
                command = line.strip()
                if command == "paused":
                    tray.apply(paused)
                    deadline = time.monotonic() + 10  # until the UI loop has applied it
                    while tray._shown.title != paused.title and time.monotonic() < deadline:
                        time.sleep(0.02)
                elif command == "quit":
                    tray.stop()
                    return
                entries = tray._entries
                print("STATE", tray.menu_is_open, entries == paused.menu, flush=True)
        threading.Thread(target=commands, daemon=True).start()

    tray = TrayIcon(lambda action: None, calm)
    tray.run(on_ready)
    """
)


@pytest.mark.desktop
def test_gtk_menu_change_waits_for_the_open_menu(tmp_path: Path) -> None:
    with running_desktop(tmp_path / "desktop", notifications=False) as screen:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env=screen.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdin is not None and process.stdout is not None

        def say(command: str) -> str:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(command + "\n")
            process.stdin.flush()
            return process.stdout.readline().strip()

        try:
            assert process.stdout.readline().strip() == "READY gtk"
            green = (46, 160, 67)
            wait_for(lambda: count(tray_pixels(screen), green) > 50, WAIT, "the green icon")
            x, y, width, height = screen.tray_area()
            screen.click(x + width // 2, y + height // 2, 3)
            wait_for(lambda: menu_is_open(screen), WAIT, "the menu")
            assert say("paused") == "STATE True False"  # open: the old rows stay
            screen.key("Escape")
            wait_for(lambda: not menu_is_open(screen), WAIT, "the menu to close")
            wait_for(lambda: say("state") == "STATE False True", WAIT, "the held menu shown")
            process.stdin.write("quit\n")
            process.stdin.flush()
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
