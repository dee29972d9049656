"""The smaller per-OS rules of issue 14, each with the platform's behaviour faked on Linux.

- Windows `os.startfile`: "if there is no application associated with the file, OSError is
  raised" (Python's documentation), winerror 1155 (ERROR_NO_ASSOCIATION), as for a `.toml` on a
  stock Windows.
- macOS FSEvents: a stream covers the whole tree under its path (Apple's File System Events
  Programming Guide); watchdog's FSEvents observer receives every event below a watched folder
  and filters the deeper ones itself, so waiting on the home folder means hearing about every
  file written anywhere in it.
- macOS App Translocation (Gatekeeper Path Randomization): an app opened from where it was
  downloaded runs from a random read-only copy under `/private/var/folders/…/AppTranslocation/`,
  gone after a restart.
- The Microsoft Store's Python runs from `…\\WindowsApps\\PythonSoftwareFoundation.Python.…`; as a
  packaged app its HKCU writes go to a per-package copy of the registry (Microsoft's documentation
  of packaged desktop apps), so Windows' login never reads its Run entry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_tray.adapters import platform
from claude_tray.adapters.opener import TEXT_EDITOR, open_path
from claude_tray.adapters.platform import is_store_python, is_translocated
from claude_tray.cli.main import main
from claude_tray.runtime.watcher import Watcher

TRANSLOCATED = (
    "/private/var/folders/x7/abc/T/AppTranslocation/1F2E3D4C/d/claude-tray.app/Contents/MacOS/"
    "claude-tray"
)


class NoAssociation:
    """`os.startfile` on a stock Windows: files of an unknown type raise, folders open."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, path: str) -> None:
        if Path(path).is_file() and Path(path).suffix == ".toml":
            error = OSError(22, "No application is associated with the specified file")
            error.winerror = 1155  # type: ignore[attr-defined]
            raise error
        self.opened.append(path)


def test_open_config_without_a_toml_app_opens_it_in_notepad(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[tray]\n")
    start, spawned = NoAssociation(), []
    assert open_path(config, "windows", as_text=True, start=start, spawn=spawned.append)
    assert spawned == [[TEXT_EDITOR, str(config)]]
    assert start.opened == []


def test_other_files_without_an_app_open_their_folder(tmp_path: Path) -> None:
    data = tmp_path / "ledger.toml"
    data.write_text("")
    start, spawned = NoAssociation(), []
    assert open_path(data, "windows", start=start, spawn=spawned.append)
    assert start.opened == [str(tmp_path)] and spawned == []


def test_other_startfile_errors_are_reported_not_hidden(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("")

    def denied(path: str) -> None:
        raise PermissionError(13, "Access is denied")

    assert open_path(target, "windows", start=denied, spawn=lambda c: None) is False


class FakeObserver:
    def __init__(self) -> None:
        self.scheduled: list[tuple[str, bool]] = []

    def schedule(self, handler: Any, path: str, recursive: bool, event_filter: Any) -> object:
        self.scheduled.append((path, recursive))
        return object()


class FSEventsObserver(FakeObserver):
    """Named as watchdog's macOS observer is."""


def test_with_recursive_events_the_home_folder_is_never_watched(tmp_path: Path) -> None:
    home = tmp_path / "home-of-user"
    (home / "Library" / "Application Support" / "claude-tray").mkdir(parents=True)
    config = home / "Library" / "Application Support" / "claude-tray" / "config.toml"
    roots = [home / ".config" / "claude", home / ".claude"]  # neither exists yet
    mac = Watcher(roots, home / "Library" / "state", config, print, FSEventsObserver, home=home)
    mac.sync()
    assert home not in [path for path, _ in mac.watched()]
    assert mac.recursive_events
    linux = Watcher(roots, home / "Library" / "state", config, print, FakeObserver, home=home)
    linux.sync()
    assert (home, False) in linux.watched()  # inotify: one folder, not its tree
    (home / ".claude" / "projects").mkdir(parents=True)
    mac.sync()  # what the engine's safety rescan does
    assert (home / ".claude" / "projects", True) in mac.watched()


def test_translocation_is_recognised() -> None:
    assert is_translocated(TRANSLOCATED)
    assert not is_translocated("/Applications/claude-tray.app/Contents/MacOS/claude-tray")


def test_a_translocated_app_writes_no_hooks_and_no_login_item(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import sys

    settings = tmp_path / "claude" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("{}\n")
    monkeypatch.setattr(sys, "argv", [TRANSLOCATED])
    monkeypatch.setattr(sys, "executable", TRANSLOCATED)
    monkeypatch.setattr("claude_tray.hooks.install.os.path.isfile", lambda p: p == TRANSLOCATED)
    assert main(["hooks", "install"]) == 1
    assert "move claude-tray.app to Applications" in capsys.readouterr().err
    assert settings.read_text() == "{}\n"
    assert main(["autostart", "enable"]) == 1
    assert "App Translocation" in capsys.readouterr().err
    assert not list((Path.home() / ".config").glob("autostart/*"))


STORE = (
    r"C:\Users\jo\AppData\Local\Microsoft\WindowsApps\PythonSoftwareFoundation.Python.3.12_qbz5n2"
    r"kfra8p0\python.exe"
)


@pytest.mark.parametrize(
    ("path", "store"),
    [
        (STORE, True),
        (
            r"C:\Program Files\WindowsApps\PythonSoftwareFoundation.Python.3.12_x\python3.12.exe",
            True,
        ),
        (r"C:\Users\jo\AppData\Local\Programs\Python\Python312\python.exe", False),
        ("/usr/bin/python3", False),
    ],
)
def test_store_python_is_recognised(path: str, store: bool) -> None:
    assert is_store_python(path) is store


def test_autostart_status_says_the_store_python_entry_may_be_ignored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(platform, "is_store_python", lambda path=None: True)
    assert main(["autostart", "status"]) == 0
    assert "Microsoft Store" in capsys.readouterr().out
    assert main(["autostart", "status", "--json"]) == 0
    assert "Microsoft Store" in json.loads(capsys.readouterr().out)["note"]


class RecordingAutostart:
    """The `Autostart` interface, recording what the tray asks of it."""

    location = "~/Library/LaunchAgents/org.claude-tray.ClaudeTray.plist"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def is_enabled(self) -> bool:
        return False

    def enable(self, command: list[str]) -> None:
        self.calls.append("enable")

    def disable(self) -> None:
        self.calls.append("disable")

    def command(self) -> list[str] | None:
        return None

    def sync(self, command: list[str]) -> bool:
        self.calls.append("sync")
        return False


def test_a_translocated_tray_never_points_start_at_login_at_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from claude_tray.adapters import autostart as autostart_module
    from claude_tray.app import tray_app
    from claude_tray.storage.paths import app_paths

    recorder = RecordingAutostart()
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(tray_app, "is_translocated", lambda: True)
    monkeypatch.setattr(autostart_module, "make_autostart", lambda: recorder)
    app = tray_app.TrayApp(app_paths())
    app._build()
    assert app.notifier is not None
    monkeypatch.setattr(app.notifier, "send", lambda t, b, u="normal": sent.append((t, b)) or True)
    app._toggle_autostart()  # "Start at login" clicked in the menu
    assert recorder.calls == []  # neither synced at start nor enabled
    assert sent and "Applications" in sent[0][0] and "App Translocation" in sent[0][1]
    monkeypatch.setattr(tray_app, "is_translocated", lambda: False)
    not_moved = tray_app.TrayApp(app_paths())
    not_moved._build()
    assert recorder.calls == ["sync"]
