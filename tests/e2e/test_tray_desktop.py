"""The tray on a real desktop (Xvfb, trayer, dunst: tests/desktop.py) while the real Claude Code
works in print mode against the mock: the icon follows the session's context level; at the pause
level the tray marks the session paused and the real client's next prompt is refused by our hook
(print mode has no status line: the tray is what pauses it); `claude-tray reset` lets the next
prompt through.

Seen here: with the hooks installed from the start, every `claude -p` ends with SessionEnd, so the
tray counts a print-mode session as closed and its icon does not follow it; the hook then pauses
the session itself from the transcript (test_print_mode.py). So the hooks come after the climb."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop import Desktop, running_desktop, wait_for
from tests.e2e.client import Sandbox
from tests.e2e.mock_api import MockMessagesAPI, Usage
from tests.test_tray_e2e import ICON_WAIT, App, looks_green, looks_paused, tray_pixels

pytestmark = pytest.mark.desktop

PAUSED = "Paused by claude-tray"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Desktop]:
    with running_desktop(tmp_path / "desktop") as running:
        yield running


@pytest.fixture
def tray(screen: Desktop, sandbox: Sandbox, tmp_path: Path) -> Iterator[App]:
    """`claude-tray run` on the desktop, reading the sandbox's folders (the same as this test's
    isolated environment: tests/conftest.py)."""
    assert str(sandbox.config_dir) in screen.env["CLAUDE_CONFIG_DIR"]
    running = App(screen, tmp_path)
    yield running
    if running.process.poll() is None:
        running.stop()


def test_the_icon_follows_the_real_session(
    sandbox: Sandbox, api: MockMessagesAPI, screen: Desktop, tray: App, tmp_path: Path
) -> None:
    # No hooks yet: with them, each `claude -p` ends with SessionEnd and the tray counts the
    # session as closed. Installed below, once the tray paused it.
    first = sandbox.claude_print("hello MULTI")
    assert first.code == 0, first.stderr
    sid = first.result["session_id"]
    [call] = api.snapshot()
    shown = str(round(call.usage.prompt_tokens / 2000))
    tray.wait_view("the session's percentage", lambda v: v["icon"]["text"] == shown, timeout=30)
    wait_for(lambda: looks_green(tray_pixels(screen, tmp_path, "1-green")), 10, "a green icon")

    api.next_usage(Usage(input_tokens=4, output_tokens=9, cache_write_5m=996, cache_read=183_000))
    assert sandbox.claude_print("fill it", "--resume", sid).code == 0
    wait_for(
        lambda: looks_paused(tray_pixels(screen, tmp_path, "2-paused")),
        ICON_WAIT,
        "the red icon with the pause mark",
    )
    view = tray.wait_view("the paused view", lambda v: v["icon"]["look"] == "pause")
    assert view["icon"]["text"] == "92"
    [shown_session] = [
        s for s in sandbox.tray_json("sessions")["sessions"] if s["sessionId"] == sid
    ]
    assert shown_session["paused"] is True

    sandbox.tray("hooks", "install")
    before = len(api.snapshot())
    refused = sandbox.claude_print("refuse me", "--resume", sid)
    assert refused.code == 0
    if sandbox.client.version != "2.1.90":  # 2.1.90's JSON result is empty (see test_interactive)
        assert PAUSED in refused.result["result"]
    assert len(api.snapshot()) == before

    sandbox.tray("reset", sid)
    assert sandbox.claude_print("after reset", "--resume", sid).code == 0
    assert len(api.snapshot()) > before  # the prompt reached the model
    tray.assert_running()
