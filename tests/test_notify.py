"""Notifications: the fallback chain, a failure logged once, escaping, a real daemon (dunst)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_tray.adapters import notify
from claude_tray.adapters.notify import (
    Backend,
    FallbackNotifier,
    Message,
    escape_markup,
    make_notifier,
)
from tests.desktop import Desktop, running_desktop
from tests.tools import missing


def through_jeepney(icon: Path | None = None) -> Backend:
    return notify.dbus_backend(icon, notify.jeepney_session)


def through_gio(icon: Path | None = None) -> Backend:
    """The tray's way where GTK runs: GLib's own D-Bus client (PyGObject)."""
    try:
        import gi

        gi.require_version("Gio", "2.0")
        from gi.repository import Gio  # noqa: F401
    except (ImportError, ValueError):
        missing("PyGObject", "apt-get install python3-gi")
    return notify.dbus_backend(icon, notify.gio_session)


DBUS_WAYS = [through_jeepney, through_gio]


class Recorder:
    """A backend that records what it got and answers as told (True, False or an exception)."""

    def __init__(self, name: str, answer: bool | Exception, markup: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.urgencies: list[str] = []
        self.answer = answer
        self.backend = Backend(name, self.deliver, markup)

    def deliver(self, message: Message) -> bool:
        self.calls.append((message.title, message.body))
        self.urgencies.append(message.urgency)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_falls_through_in_order_and_skips_failed_backends(caplog: pytest.LogCaptureFixture) -> None:
    broken = Recorder("broken", OSError("no bus"))
    refusing = Recorder("refusing", False)
    working = Recorder("working", True)
    spare = Recorder("spare", True)
    notifier = FallbackNotifier([broken.backend, refusing.backend, working.backend, spare.backend])
    caplog.set_level(logging.WARNING)
    for n in range(3):
        assert notifier.send("claude-tray", f"message {n}") is True
    assert broken.calls == [("claude-tray", "message 0")]
    assert refusing.calls == [("claude-tray", "message 0")]
    assert working.calls == [("claude-tray", f"message {n}") for n in range(3)]
    assert spare.calls == []
    assert notifier.working == ("working", "spare")
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2  # each failure logged once
    assert "broken failed (OSError: no bus)" in warnings[0]
    assert "refusing failed (it reported a failure)" in warnings[1]


def test_when_every_way_fails_the_message_goes_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    only = Recorder("only", RuntimeError("gone"))
    notifier = FallbackNotifier([only.backend])
    caplog.set_level(logging.WARNING)
    assert notifier.send("Budget", "today $12 of $10") is False
    assert notifier.send("Budget", "again") is False
    assert len(only.calls) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert sum("only failed" in m for m in messages) == 1
    assert any("Budget: today $12 of $10" in m for m in messages)
    assert any("Budget: again" in m for m in messages)
    assert FallbackNotifier([]).send("t", "b") is False


def test_markup_is_escaped_only_for_daemons_that_read_it() -> None:
    reads_markup = Recorder("dbus-ish", False, markup=True)
    plain = Recorder("plain", True)
    notifier = FallbackNotifier([reads_markup.backend, plain.backend])
    body = "R&D <script> · context 91% > pause"
    assert notifier.send("R&D <b>", body)
    assert reads_markup.calls == [("R&D <b>", "R&amp;D &lt;script&gt; · context 91% &gt; pause")]
    assert plain.calls == [("R&D <b>", body)]  # the summary is plain text by the spec
    assert escape_markup("a&amp;b") == "a&amp;amp;b"  # escaped once, as given


@pytest.mark.parametrize(
    ("os_name", "expected"),
    [("windows", ["pystray"]), ("macos", ["osascript"])],  # no desktop-notifier on Linux
)
def test_order_per_os(os_name: notify.OsName, expected: list[str]) -> None:
    notifier = make_notifier(lambda title, body: True, os_name=os_name)
    assert [b.name for b in notifier.backends] == expected
    without_tray = make_notifier(None, os_name=os_name)
    assert [b.name for b in without_tray.backends] == [n for n in expected if n != "pystray"]


def test_linux_order() -> None:
    names = [b.name for b in make_notifier(lambda title, body: True, os_name="linux").backends]
    order = ["dbus", "plyer", "notify-send", "pystray"]
    assert names == sorted(names, key=order.index)
    assert "dbus" in names  # jeepney is a dependency on Linux
    assert names[-1] == "pystray"
    assert all(
        b.markup
        for b in make_notifier(lambda t, b: True, os_name="linux").backends
        if b.name != "dbus"
    )


def fake_tool(folder: Path, name: str, exit_code: int) -> Path:
    """An executable on PATH that writes its arguments, one per line, to `<name>.args`."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    complaint = f'echo "{name} says no" >&2\n' if exit_code else ""
    script.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do printf "%s\\n" "$a"; done > "{folder / name}.args"\n'
        f"{complaint}exit {exit_code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder / f"{name}.args"


def test_osascript_gets_title_and_body_as_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = fake_tool(tmp_path / "bin", "osascript", 0)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    backend = notify.osascript_backend()
    assert backend.deliver(Message('say "hi" \\ & quit', "body")) is True
    lines = args.read_text().splitlines()
    assert lines[-2:] == ['say "hi" \\ & quit', "body"]  # data, never spliced into the script
    assert "item 1 of argv" in "\n".join(lines[:-2])


def test_failing_notify_send_falls_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    args = fake_tool(tmp_path / "bin", "notify-send", 1)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    after = Recorder("after", True)
    notifier = FallbackNotifier([notify.notify_send_backend(), after.backend])
    assert notifier.send("Context", "app <91%>") is True
    assert args.read_text().splitlines() == [
        "--app-name=claude-tray",
        "--urgency=normal",
        "--expire-time=10000",
        "--",
        "Context",
        "app &lt;91%&gt;",
    ]
    assert after.calls == [("Context", "app <91%>")]
    assert "notify-send failed (OSError: notify-send says no)" in caplog.text


@pytest.mark.parametrize("make", DBUS_WAYS)
def test_no_session_bus_means_dbus_fails_and_is_skipped(
    make: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    after = Recorder("after", True)
    notifier = FallbackNotifier([make(), after.backend])  # type: ignore[operator]
    assert notifier.send("t", "b") is True
    assert notifier.working == ("after",)


# --- a real notification daemon ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dunst(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    with running_desktop(tmp_path_factory.mktemp("notify"), tray=False) as desktop:
        yield desktop


@pytest.mark.desktop
@pytest.mark.parametrize("make", [*DBUS_WAYS, notify.notify_send_backend])
def test_real_daemon_receives_escaped_body(
    make: object, dunst: Desktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    dunst.activate(monkeypatch)
    before = {n.id for n in dunst.notifications()}
    backend = make()  # type: ignore[operator]
    notifier = FallbackNotifier([backend])
    title = f"{backend.name}: app · Opus 4.5"
    assert notifier.send(title, "R&D <x>: context 91% — auto-paused") is True
    new = [n for n in dunst.notifications() if n.id not in before]
    assert len(new) == 1
    assert (new[0].appname, new[0].summary) == ("claude-tray", title)
    assert new[0].body == "R&amp;D &lt;x&gt;: context 91% — auto-paused"


@pytest.mark.desktop
def test_factory_on_a_real_desktop_sends_once(
    dunst: Desktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    dunst.activate(monkeypatch)
    before = {n.id for n in dunst.notifications()}
    tray_calls: list[str] = []
    notifier = make_notifier(lambda t, b: tray_calls.append(t) or True, os_name="linux")
    assert notifier.send("Budget", "today $9.00 of $10") is True
    new = [n for n in dunst.notifications() if n.id not in before]
    assert [(n.summary, n.body) for n in new] == [("Budget", "today $9.00 of $10")]
    assert tray_calls == []  # the first working way only


@pytest.mark.desktop
@pytest.mark.parametrize("make", [*DBUS_WAYS, notify.notify_send_backend])
def test_urgency_and_icon_reach_the_daemon(
    make: object, dunst: Desktop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Critical stays (urgency hint 2, no expiry); normal is normal; the app's icon comes along."""
    from PIL import Image

    icon = tmp_path / "icon.png"
    Image.new("RGBA", (64, 64), (46, 160, 67, 255)).save(icon)
    dunst.activate(monkeypatch)
    before = {n.id for n in dunst.notifications()}
    notifier = FallbackNotifier([make(icon)])  # type: ignore[operator]
    assert notifier.send("app: context 96% — critical", "now", "critical") is True
    assert notifier.send("app: context 72% — caution", "soon", "normal") is True
    new = [n for n in dunst.notifications() if n.id not in before]
    assert [(n.summary, n.urgency) for n in new] == [
        ("app: context 96% — critical", "CRITICAL"),
        ("app: context 72% — caution", "NORMAL"),
    ]
    assert all(n.appname == "claude-tray" and n.icon_path for n in new)
