"""The tray end to end on a real desktop: Xvfb, a private D-Bus bus, trayer, dunst, pystray's gtk
backend, `claude-tray` started as its own process against a temporary Claude data root.

A session climbs from 50% to 92% by appended transcript lines: the icon turns from the green disc
to the red square with the pause mark within 2 s, dunst receives caution, warning and auto-pause
once each, the right-click menu opens with today's cost, "Reset session" chosen in it lifts the
pause in the session's state file, and SIGTERM stops the app cleanly (exit 0, ledger closed).

What the menu says is read from the view the app publishes (`CLAUDE_TRAY_DEBUG_VIEW`), as reading
text back from pixels is not reliable; the screenshots show that the menu really opened.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.storage.paths import app_paths
from claude_tray.ui.icon import LOOKS
from tests.desktop import WAIT, Desktop, running_desktop, wait_for
from tests.states import hooks_ran, read_state
from tests.transcripts import ClaudeData, assistant

pytestmark = pytest.mark.desktop

SID = "e2e-5e55"
ICON_WAIT = 30.0
"""How long the icon may take to change before the test gives up (a deadline, not a measure)."""
RGB = tuple[int, int, int]


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def line(pct: float, n: int) -> dict[str, Any]:
    return assistant(
        SID,
        iso(time.time()),
        f"msg-e2e-{n}",
        cwd="/home/u/app",
        input=12,
        cache_read=int(pct * 2000) - 12,
        output=300,
    )


def tray_command() -> list[str]:
    script = Path(sys.executable).parent / "claude-tray"
    return [str(script)] if script.exists() else [sys.executable, "-m", "claude_tray"]


class App:
    """The running `claude-tray` process and the view it last published."""

    def __init__(self, screen: Desktop, folder: Path) -> None:
        self.view_file = folder / "view.json"
        self.log = (folder / "app.log").open("wb")
        env = {**screen.env, "CLAUDE_TRAY_DEBUG_VIEW": str(self.view_file)}
        self.process = subprocess.Popen(
            [*tray_command(), "run", "--debug"], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.folder = folder

    def published(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.view_file.read_text())  # type: ignore[no-any-return]
        except (FileNotFoundError, ValueError):
            return None

    def view(self) -> dict[str, Any]:
        data = self.published()
        return data["view"] if data else {}

    def wait_view(self, what: str, check: Any, timeout: float = WAIT) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            self.assert_running()
            view = self.view()
            return view if view and check(view) else None

        return wait_for(ready, timeout, what)

    def assert_running(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"claude-tray exited with {self.process.returncode}:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.folder / "app.log").read_text(errors="replace")[-4000:]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        finally:
            self.log.close()


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Desktop]:
    """Xvfb, D-Bus, dunst and trayer of this test (tests/desktop.py)."""
    with running_desktop(tmp_path / "desktop") as running:
        yield running


@pytest.fixture
def app(screen: Desktop, tmp_path: Path) -> Iterator[App]:
    running = App(screen, tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)


# --- reading the screen ---------------------------------------------------------------------


def near(pixel: RGB, color: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color[:3], strict=False))


def tray_pixels(screen: Desktop, folder: Path, name: str) -> Any:
    """The tray area of a screenshot (the whole screen is saved as `name`.png)."""
    shot = screen.screenshot()
    shot.save(folder / f"{name}.png")
    x, y, width, height = screen.tray_area()
    return shot.crop((x, y, x + width, y + height))


def count(image: Any, color: tuple[int, ...]) -> int:
    return sum(1 for pixel in image.get_flattened_data() if near(pixel, color))


def pause_mark_bars(image: Any) -> int:
    """How many separate white vertical bars lie inside the red square (the pause mark); the
    square is the red rows from the top down to the first row without red (the band with the
    percentage below it is left out)."""
    red = LOOKS["pause"].fill
    width, height = image.size
    rows = [[x for x in range(width) if near(image.getpixel((x, y)), red)] for y in range(height)]
    first = next((y for y, xs in enumerate(rows) if xs), None)
    if first is None:
        return 0
    last = next((y for y in range(first, height) if not rows[y]), height)
    left = min(min(xs) for xs in rows[first:last])
    right = max(max(xs) for xs in rows[first:last])
    columns = [
        x
        for x in range(left, right + 1)
        if any(all(c >= 225 for c in image.getpixel((x, y))) for y in range(first, last))
    ]
    bars, previous = 0, None
    for x in columns:
        if previous is None or x > previous + 1:
            bars += 1
        previous = x
    return bars


def looks_green(tray: Any) -> bool:
    return count(tray, LOOKS["ok"].fill) >= 20 and count(tray, LOOKS["pause"].fill) == 0


def looks_paused(tray: Any) -> bool:
    return (
        count(tray, LOOKS["pause"].fill) >= 20
        and count(tray, LOOKS["ok"].fill) == 0
        and pause_mark_bars(tray) == 2
    )


def changed_pixels(before: Any, after: Any) -> int:
    return sum(
        1
        for a, b in zip(before.get_flattened_data(), after.get_flattened_data(), strict=True)
        if a != b
    )


def selectable_before(entries: list[dict[str, Any]], action: str) -> int:
    """Key presses (Down) that take a fresh GTK menu to the row of `action` (separators and
    insensitive rows are skipped by keyboard navigation)."""
    presses = 0
    for entry in entries:
        if entry["separator"] or not entry["enabled"]:
            continue
        presses += 1
        if entry["action"] == action:
            return presses
    pytest.fail(f"no {action!r} row in the menu")


# --- the test -------------------------------------------------------------------------------


def test_the_tray_end_to_end(
    screen: Desktop,
    app: App,
    claude: ClaudeData,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = claude.write(SID, line(50, 1))

    # 1. up, green, 50%
    app.wait_view("the first view", lambda v: v["icon"]["text"] == "50", timeout=30)
    wait_for(
        lambda: looks_green(tray_pixels(screen, tmp_path, "1-green")),
        WAIT,
        "the green icon in trayer",
    )

    # 2. the climb: 72% and 87% seen one by one, then 92%: the auto-pause level. No hook of
    # ours runs in this session, so nothing stops it: the level shows, not a pause
    for n, pct in ((2, 72), (3, 87)):
        claude.append(path, line(pct, n))
        app.wait_view(f"{pct}%", lambda v, p=pct: v["icon"]["text"] == str(p))
    claude.append(path, line(92, 4))
    level = app.wait_view("92%", lambda v: v["icon"]["text"] == "92")
    assert level["icon"]["look"] == "warning" and "(auto-pause level)" in level["title"]
    assert "paused" not in level["title"]
    state = read_state(app_paths(), SID)
    assert state is not None and state["pause"]["paused"] is True  # the mark a gate obeys

    # 3. dunst got caution, warning, auto-pause level: once each, nothing else; the last says
    # nothing is paused and how to turn it on
    def all_three() -> list[str] | None:
        summaries = [n.summary for n in screen.notifications()]
        return summaries if any("auto-pause" in s for s in summaries) else None

    summaries = wait_for(all_three, WAIT, "the auto-pause notification")
    assert [s.rsplit("— ", 1)[-1] for s in summaries] == ["caution", "warning", "auto-pause level"]
    assert summaries[-1] == "app · Opus 4.5: context 92% — auto-pause level"
    body = screen.notifications()[-1].body
    assert "184k of 200k tokens" in body and "claude-tray hooks install" in body, body
    assert len(set(summaries)) == len(summaries)

    # 3b. our hooks run in the session (installed): the pause holds, red with the pause mark
    hooks_ran(app_paths(), SID)
    wait_for(  # how fast is `benchmarks/`'s to measure; here only that it happens
        lambda: looks_paused(tray_pixels(screen, tmp_path, "2-paused")),
        ICON_WAIT,
        "the red icon with the pause mark",
    )
    view = app.wait_view("the paused view", lambda v: v["icon"]["look"] == "pause")
    assert "paused" in view["title"]

    # 4. right click: the menu opens; it holds today's cost
    assert main(["today", "--json"]) == 0
    cost = json.loads(capsys.readouterr().out)["totalCost"]
    assert view["menu"][1]["text"].startswith(f"Today ${cost:,.2f}")
    before = screen.screenshot()
    x, y, width, height = screen.tray_area()
    screen.click(x + width // 2, y + height // 2, button=3)
    below = (screen.width // 2, y + height, screen.width, screen.height)  # dunst is top left

    def menu_shown() -> Any:
        shot = screen.screenshot()
        return shot if changed_pixels(before.crop(below), shot.crop(below)) > 2000 else None

    wait_for(menu_shown, WAIT, "the menu to open below the tray").save(tmp_path / "3-menu.png")

    # 5. "Reset session" from the menu, by keyboard: the pause is lifted in the state file
    unselected = screen.screenshot()
    for _ in range(selectable_before(view["menu"], "reset-current")):
        screen.key("Down")
    wait_for(  # the row is highlighted (drawn) before Return is pressed
        lambda: changed_pixels(unselected.crop(below), screen.screenshot().crop(below)) > 100,
        WAIT,
        "the Reset session row to be selected",
    )
    screen.screenshot().save(tmp_path / "4-reset-row.png")
    screen.key("Return")
    wait_for(
        lambda: (read_state(app_paths(), SID) or {}).get("pause", {}).get("paused") is False,
        WAIT,
        "the pause to be lifted",
    )
    state = read_state(app_paths(), SID)
    assert state is not None and state["reset"]["level"] == "pause"
    app.wait_view("the reset view", lambda v: "paused" not in v["title"])
    tray_pixels(screen, tmp_path, "5-reset")

    # 6. SIGTERM: exit 0, cleanly
    assert app.stop() == 0, app.output()
    output = app.output()
    assert "Traceback" not in output
    assert "claude-tray stopped" in output
    assert not Path(str(app_paths().ledger) + "-wal").exists()  # the ledger was closed
    # the reset was confirmed, and nothing more was sent
    assert [n.summary for n in screen.notifications()] == [
        *summaries,
        "app · Opus 4.5: session reset at context 92%",
    ]


def test_quit_from_the_menu_exits_cleanly(
    screen: Desktop, app: App, claude: ClaudeData, tmp_path: Path
) -> None:
    claude.write(SID, line(30, 1))
    app.wait_view("the first view", lambda v: v["icon"]["text"] == "30", timeout=30)
    wait_for(lambda: looks_green(tray_pixels(screen, tmp_path, "1-up")), WAIT, "the icon")
    x, y, width, height = screen.tray_area()
    before = screen.screenshot()
    screen.click(x + width // 2, y + height // 2, button=3)
    below = (screen.width // 2, y + height, screen.width, screen.height)  # dunst is top left
    wait_for(
        lambda: changed_pixels(before.crop(below), screen.screenshot().crop(below)) > 2000,
        WAIT,
        "the menu to open",
    )
    unselected = screen.screenshot()
    screen.key("Up")  # from a fresh menu, Up selects the last row: Quit
    wait_for(
        lambda: changed_pixels(unselected.crop(below), screen.screenshot().crop(below)) > 100,
        WAIT,
        "the Quit row to be selected",
    )
    screen.screenshot().save(tmp_path / "2-quit-row.png")
    screen.key("Return")
    assert app.process.wait(timeout=20) == 0, app.output()
    assert "claude-tray stopped" in app.output()
