"""Windows and macOS notifications, with each platform's rules faked on Linux.

- Windows balloon: `NOTIFYICONDATAW` keeps the balloon's title in `WCHAR szInfoTitle[64]` and its
  text in `WCHAR szInfo[256]`, each including the terminating NUL (Microsoft's documentation of
  the NOTIFYICONDATAW structure); a WCHAR is a UTF-16 code unit. pystray 0.19.5's win32 backend
  assigns the strings to those ctypes arrays, and ctypes raises `ValueError` for a string longer
  than the array. `Win32Balloon` reproduces that in UTF-16 units (on Linux ctypes' c_wchar is
  UTF-32, so a real array here would count differently).
- desktop-notifier (6.x): `DesktopNotifierSync(app_name, app_icon).send(title, message, urgency,
  timeout)`, `has_authorisation()`; on macOS outside an app bundle `get_backend_class()` gives its
  `DummyNotificationCenter`, which shows nothing (its documentation and source). The fake module
  below offers exactly that surface.
"""

from __future__ import annotations

import enum
import importlib.machinery
import os
import stat
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from claude_tray.adapters import notify
from claude_tray.adapters.notify import (
    BALLOON_BODY_UNITS,
    BALLOON_TITLE_UNITS,
    fit_utf16,
    make_notifier,
    route,
)

LONG_TITLE = (
    "my-very-long-project-name-for-the-payments-service · Sonnet 4.5: context 91% — auto-paused"
)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Win32Balloon:
    """pystray's win32 `Icon.notify(message, title)` as it behaves on Windows."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, message: str, title: str) -> None:
        for text, size in ((title, 64), (message, 256)):
            if utf16_units(text) + 1 > size:  # the array must hold the text and its NUL
                raise ValueError("string too long")
        self.shown.append((title, message))

    def tray_notify(self, title: str, body: str) -> bool:
        """What `ui.tray.TrayIcon.notify` does: pystray's failure is reported as False."""
        try:
            self.notify(body, title)
        except ValueError:
            return False
        return True


def test_the_fake_refuses_a_long_title_as_pystray_does() -> None:
    with pytest.raises(ValueError):
        Win32Balloon().notify("body", LONG_TITLE)
    with pytest.raises(ValueError):  # 32 emoji are 64 UTF-16 units: no room for the NUL
        Win32Balloon().notify("body", "🔥" * 32)


def test_the_balloon_gets_text_cut_to_its_limits_and_keeps_working() -> None:
    balloon = Win32Balloon()
    notifier = make_notifier(balloon.tray_notify, os_name="windows")
    body = "Context 182k of 200k tokens. " * 20
    assert notifier.send(LONG_TITLE, body, "critical") is True
    assert notifier.send("Today's cost $8.12 — 81% of the $10 budget", "$1.88 left.") is True
    assert notifier.working == ("pystray",)  # not given up
    (title, text), second = balloon.shown
    assert utf16_units(title) == BALLOON_TITLE_UNITS and title.endswith("…")
    assert utf16_units(text) <= BALLOON_BODY_UNITS and text.endswith("…")
    assert LONG_TITLE.startswith(title[:-1])
    assert second == ("Today's cost $8.12 — 81% of the $10 budget", "$1.88 left.")


@pytest.mark.parametrize(
    ("text", "units", "expected"),
    [
        ("short", 63, "short"),
        ("a" * 63, 63, "a" * 63),
        ("a" * 64, 63, "a" * 62 + "…"),
        # an emoji is two units: it is never split in half
        ("a" * 61 + "🔥🔥", 63, "a" * 61 + "…"),
        ("🔥" * 40, 63, "🔥" * 31 + "…"),
    ],
)
def test_fit_utf16(text: str, units: int, expected: str) -> None:
    fitted = fit_utf16(text, units)
    assert fitted == expected
    assert utf16_units(fitted) <= units
    fitted.encode("utf-16-le")  # no lone surrogate


# --- desktop-notifier, faked ---------------------------------------------------------------------


class Urgency(enum.Enum):
    Critical = "critical"
    Normal = "normal"
    Low = "low"


@dataclass(frozen=True)
class Icon:
    path: Path | None = None
    name: str | None = None


@dataclass
class Center:
    """What the fake records; `allowed` is what `has_authorisation()` answers."""

    allowed: bool = True
    backend: str = "CocoaNotificationCenter"
    made: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def center(monkeypatch: pytest.MonkeyPatch) -> Center:
    record = Center()

    class DesktopNotifierSync:
        def __init__(self, app_name: str = "Python", app_icon: Icon | None = None) -> None:
            record.made.append({"app_name": app_name, "app_icon": app_icon})

        def send(
            self, title: str, message: str, urgency: Urgency = Urgency.Normal, **kw: Any
        ) -> str:
            record.sent.append({"title": title, "message": message, "urgency": urgency, **kw})
            return "id"

        def has_authorisation(self) -> bool:
            return record.allowed

    def get_backend_class() -> type:
        return type(record.backend, (), {})

    package = types.ModuleType("desktop_notifier")
    package.__spec__ = importlib.machinery.ModuleSpec("desktop_notifier", None)
    package.DesktopNotifierSync = DesktopNotifierSync  # type: ignore[attr-defined]
    package.Icon = Icon  # type: ignore[attr-defined]
    package.Urgency = Urgency  # type: ignore[attr-defined]
    main = types.ModuleType("desktop_notifier.main")
    main.__spec__ = importlib.machinery.ModuleSpec("desktop_notifier.main", None)
    main.get_backend_class = get_backend_class  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "desktop_notifier", package)
    monkeypatch.setitem(sys.modules, "desktop_notifier.main", main)
    return record


def test_windows_toasts_come_first_with_urgency_name_and_icon(
    center: Center, tmp_path: Path
) -> None:
    balloon = Win32Balloon()
    icon = tmp_path / "icon.png"
    notifier = make_notifier(balloon.tray_notify, os_name="windows", icon=icon)
    assert [b.name for b in notifier.backends] == ["Windows toast notifications", "pystray"]
    assert notifier.send(LONG_TITLE, "body", "critical") is True
    assert notifier.send("caution", "body", "normal") is True
    assert center.made == [{"app_name": "claude-tray", "app_icon": Icon(path=icon)}]
    assert [(s["urgency"], s["timeout"]) for s in center.sent] == [
        (Urgency.Critical, -1),
        (Urgency.Normal, notify.SHOW_S),
    ]
    assert center.sent[0]["title"] == LONG_TITLE  # a toast has no 64-unit limit
    assert balloon.shown == []
    assert "Windows toast notifications" in notifier.describe()


def test_toasts_turned_off_fall_back_to_the_balloon_and_say_what_to_allow(
    center: Center,
) -> None:
    center.allowed = False
    balloon = Win32Balloon()
    notifier = make_notifier(balloon.tray_notify, os_name="windows")
    assert notifier.send("title", "body") is True
    assert balloon.shown == [("title", "body")]
    assert "Settings → System → Notifications" in notifier.failed["Windows toast notifications"]
    assert notifier.describe().startswith("Notifications: through a balloon on the tray icon")


def fake_osascript(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / "osascript"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/osascript.args"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder / "osascript.args"


def test_macos_outside_a_bundle_posts_through_osascript_and_says_script_editor(
    center: Center, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """desktop-notifier's Dummy backend (no app bundle) shows nothing: it must not count."""
    center.backend = "DummyNotificationCenter"
    args = fake_osascript(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    notifier = make_notifier(None, os_name="macos")
    assert notifier.send("title", "body", "critical") is True
    assert center.sent == []
    assert args.read_text().splitlines()[-2:] == ["title", "body"]
    assert "Script Editor" in notifier.describe()


def test_macos_in_the_app_posts_as_the_app(center: Center) -> None:
    notifier = make_notifier(None, os_name="macos")
    assert notifier.send("title", "body", "critical") is True
    assert center.sent[0]["urgency"] is Urgency.Critical
    assert notifier.describe().startswith(
        "Notifications: through the macOS Notification Center, shown as claude-tray."
    )


def test_route_names_the_way_and_what_to_allow(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/usr/local/bin/python3")
    assert "Script Editor" in route("macos")
    app = "/Applications/claude-tray.app/Contents/MacOS/claude-tray"
    monkeypatch.setattr(sys, "executable", app)
    assert "macOS Notification Center" in route("macos")
    assert "Allow notifications" in route("macos")
    assert "Windows toast notifications" in route("windows")


def test_without_desktop_notifier_windows_uses_the_balloon() -> None:
    assert "balloon" in route("windows")


def test_doctor_says_which_way_notifications_take(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.cli.main import main

    monkeypatch.setattr(notify, "current_os", lambda: "macos")
    monkeypatch.setattr(sys, "executable", "/opt/homebrew/bin/python3")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "Notifications: through osascript, shown as Script Editor." in out
    assert "System Settings → Notifications → Script Editor" in out
