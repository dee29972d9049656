"""The pystray menu built from the view (PYSTRAY_BACKEND=dummy), and the real icon under Xvfb."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from claude_tray.core.view import MenuEntry, tray_view
from claude_tray.ui.menu import build_menu, menu_item, win32_label
from claude_tray.ui.tray import backend_name
from tests.desktop import WAIT, Desktop, running_desktop, wait_for
from tests.tray_snapshots import line, options, session, snapshot, spend

ROOT = Path(__file__).resolve().parents[1]


def walk(menu: Any, depth: int = 0) -> list[tuple[int, str, bool, Any]]:
    """(depth, text, enabled, checked) of every item, submenus included, separators as "-"."""
    import pystray

    rows = []
    for item in menu:
        if item is pystray.Menu.SEPARATOR:
            rows.append((depth, "-", True, None))
            continue
        rows.append((depth, item.text, item.enabled, item.checked))
        if item.submenu:
            rows += walk(item.submenu, depth + 1)
    return rows


def find(menu: Any, *path: str) -> Any:
    for item in menu:
        if item.text == path[0] or item.text.startswith(path[0]):
            return item if len(path) == 1 else find(item.submenu, *path[1:])
    raise AssertionError(f"no item {path[0]!r}")


def test_menu_mirrors_the_view() -> None:
    today = spend("today", 3.42, 10.0, by_model=(line("Opus 4.5", 3.42),))
    snap = snapshot(session(percent=91, paused=True), today=today)
    view = tray_view(snap, options(autostart=True))
    menu = build_menu(lambda: view.menu, lambda action: None)
    rows = walk(menu)
    top = [text for depth, text, _, _ in rows if depth == 0]
    assert top == [
        "app · Opus 4.5 · context 91% · paused",
        "Today $3.42 of $10",
        "-",
        "Today's cost",
        "Sessions",
        "Reset session",
        "Pause notifications",
        "-",
        "Open usage report",
        "Open config",
        "Start at login",
        "Refresh now",
        "-",
        "About claude-tray",
        "Quit",
    ]
    assert find(menu, "Start at login").checked is True
    assert find(menu, "Quit").checked is None
    session_row = find(menu, "Sessions", "app · Opus 4.5")
    assert [i.text for i in session_row.submenu][-1] == "Reset session"
    assert find(menu, "Today's cost", "By model").enabled is False
    assert len([r for r in rows if r[0] == 1]) > 5  # submenus are there


def test_choosing_an_item_calls_on_action_with_its_id() -> None:
    chosen: list[str] = []
    view = tray_view(snapshot(session("abc-123", percent=50)), options())
    menu = build_menu(lambda: view.menu, chosen.append)
    find(menu, "Quit")(None)
    find(menu, "Sessions", "app", "Reset session")(None)
    find(menu, "Pause notifications", "Until tomorrow")(None)
    find(menu, "Reset session")(None)
    find(menu, "app · Opus 4.5")(None)  # an informational row does nothing
    assert chosen == ["quit", "reset:abc-123", "pause-notifications:tomorrow", "reset-current"]


def test_menu_follows_the_current_entries() -> None:
    current = {"view": tray_view(snapshot(), options())}
    menu = build_menu(lambda: current["view"].menu, lambda action: None)
    assert find(menu, "Reset session").enabled is False
    assert find(menu, "Start at login").checked is False
    current["view"] = tray_view(snapshot(session(percent=80)), options(autostart=True))
    assert find(menu, "Reset session").enabled is True  # no rebuild: update_menu re-reads
    assert find(menu, "Start at login").checked is True
    assert find(menu, "app").text == "app · Opus 4.5 · context 80%"


def test_windows_labels_double_the_ampersand() -> None:
    entry = MenuEntry("R&D · Today", children=(MenuEntry("A&B", "x"),))
    windows = menu_item(entry, lambda action: None, win32_label)
    assert windows.text == "R&&D · Today"
    assert next(iter(windows.submenu)).text == "A&&B"
    assert menu_item(entry, lambda action: None).text == "R&D · Today"
    view = tray_view(snapshot(session(project="/w/R&D")), options())
    assert "R&D" in view.title  # the title is never escaped


def test_backend_names() -> None:
    import pystray

    assert backend_name(pystray.Icon) == "dummy"

    class Fake:
        pass

    for module, name in (("pystray._gtk", "gtk"), ("pystray._win32", "win32"), ("x", "x")):
        Fake.__module__ = module
        assert backend_name(Fake) == name


# --- the real icon ---------------------------------------------------------------------------

TRAY_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    from claude_tray.core.view import tray_view
    from claude_tray.ui.tray import TrayIcon
    from tests.tray_snapshots import options, session, snapshot

    calm = tray_view(snapshot(session(percent=50)), options())
    paused = tray_view(snapshot(session(percent=92, paused=True)), options())

    def on_action(action):
        print("ACTION", action, flush=True)
        if action == "quit":
            tray.stop()

    def on_ready():
        print("READY", tray.backend, flush=True)
        def commands():
            for line in sys.stdin:
                view = paused if line.strip() == "paused" else calm
                for _ in range(5):
                    tray.apply(view)  # the same view again and again: one redraw
                print("APPLIED", line.strip(), flush=True)
        threading.Thread(target=commands, daemon=True).start()

    tray = TrayIcon(on_action, calm)
    tray.run(on_ready)
    print("STOPPED", flush=True)
    """
)


def tray_pixels(screen: Desktop) -> list[tuple[int, int, int]]:
    x, y, width, height = screen.tray_area()
    shot = screen.screenshot().crop((x, y, x + width, y + height))
    data = shot.tobytes()
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


def count(pixels: list[tuple[int, int, int]], colour: tuple[int, int, int]) -> int:
    return sum(1 for p in pixels if all(abs(a - b) <= 10 for a, b in zip(p, colour, strict=True)))


def menu_is_open(screen: Desktop) -> bool:
    """A light menu below the tray (the screen is black elsewhere)."""
    _, y, _, height = screen.tray_area()
    below = screen.screenshot().crop((0, y + height, screen.width, screen.height))
    return sum(below.convert("L").histogram()[200:]) > 5000


@pytest.mark.desktop
def test_real_tray_icon_applies_views_and_runs_menu_actions(tmp_path: Path) -> None:
    with running_desktop(tmp_path / "desktop", notifications=False) as screen:
        process = subprocess.Popen(
            [sys.executable, "-c", TRAY_SCRIPT],
            cwd=ROOT,
            env=screen.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            assert process.stdout.readline().strip() == "READY gtk"
            green, red = (46, 160, 67), (217, 48, 37)
            wait_for(lambda: count(tray_pixels(screen), green) > 50, WAIT, "the green icon")
            process.stdin.write("paused\n")
            process.stdin.flush()
            assert process.stdout.readline().strip() == "APPLIED paused"
            wait_for(lambda: count(tray_pixels(screen), red) > 50, WAIT, "the red icon")
            assert count(tray_pixels(screen), green) == 0
            x, y, width, height = screen.tray_area()
            screen.click(x + width // 2, y + height // 2, 3)
            try:
                wait_for(lambda: menu_is_open(screen), WAIT, "the menu")
            except pytest.fail.Exception:
                screen.screenshot().save(tmp_path / "menu-not-open.png")  # to look at
                raise
            screen.key("Up")  # from the bottom: "Quit"
            screen.key("Return")
            assert process.stdout.readline().strip() == "ACTION quit"
            assert process.wait(timeout=WAIT) == 0
            assert process.stdout.read().strip() == "STOPPED"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
