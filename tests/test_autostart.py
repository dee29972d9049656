"""Start at login: real files under the test's home (Linux, macOS), a fake registry (Windows)."""

from __future__ import annotations

import configparser
import json
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

from claude_tray.adapters.autostart import (
    BUNDLE_ID,
    RUN_KEY,
    LaunchAgent,
    RunKey,
    XdgAutostart,
    desktop_keys,
    exec_line,
    launch_command,
    make_autostart,
    parse_exec,
    split_windows_command,
)
from claude_tray.cli.main import main
from tests.tools import require_tools

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ["/opt/py env/bin/python3", "-m", "claude_tray", "run"]
MOVED = ["/home/u/new venv/bin/python3", "-m", "claude_tray", "run"]


class FakeRegistry:
    """The `Registry` interface over a dict: what HKCU\\...\\Run would hold."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    def read(self, name: str) -> str | None:
        return self.values.get(name)

    def write(self, name: str, value: str) -> None:
        self.values[name] = value
        self.writes += 1

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


# --- Linux --------------------------------------------------------------------------------------


def test_xdg_entry_under_xdg_config_home(isolated_home: Path) -> None:
    autostart = make_autostart("linux")
    path = isolated_home / ".config" / "autostart" / "claude-tray.desktop"
    assert autostart.location == str(path)
    assert not autostart.is_enabled() and autostart.command() is None
    autostart.enable(COMMAND)
    assert autostart.is_enabled()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "claude-tray"
    assert entry["Exec"] == '"/opt/py env/bin/python3" -m claude_tray run'
    assert entry["Terminal"] == "false"
    assert autostart.command() == COMMAND
    autostart.disable()
    assert not path.exists() and not autostart.is_enabled()
    autostart.disable()  # twice is fine


def test_xdg_honours_another_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    make_autostart("linux").enable(COMMAND)
    assert (tmp_path / "elsewhere" / "autostart" / "claude-tray.desktop").is_file()
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")  # the spec wants absolute paths
    assert make_autostart("linux").location.startswith(str(Path.home() / ".config"))


def test_xdg_sync_rewrites_only_when_the_command_changed(tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path / "autostart")
    assert autostart.sync(COMMAND) is False and not autostart.path.exists()  # not enabled: no entry
    autostart.enable(COMMAND)
    before = autostart.path.stat().st_mtime_ns
    assert autostart.sync(COMMAND) is False
    assert autostart.path.stat().st_mtime_ns == before
    assert autostart.sync(MOVED) is True
    assert autostart.command() == MOVED


def test_xdg_entry_turned_off_by_the_desktop_counts_as_disabled(tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path)
    autostart.enable(COMMAND)
    text = autostart.path.read_text().replace(
        "X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"
    )
    autostart.path.write_text(text)
    assert not autostart.is_enabled()
    assert autostart.sync(MOVED) is False  # the user's choice is kept
    autostart.path.write_text("[Desktop Entry]\nExec=x\nHidden=true\n")
    assert not autostart.is_enabled()
    autostart.path.write_bytes(b"\xff\xfe garbage")
    assert not autostart.is_enabled() and autostart.command() is None


@pytest.mark.parametrize(
    "command",
    [
        ["/usr/bin/python3", "-m", "claude_tray", "run"],
        ['/home/a b/$HOME/`x`/"q"/back\\slash/100%/py', "run"],
        ["C:\\odd path\\app.exe", ""],
        ["/x/with'quote", "tab\there", "%U"],
    ],
)
def test_exec_line_round_trips(command: list[str], tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path)
    autostart.enable(command)
    assert autostart.command() == command
    assert "\n" not in exec_line(command)


def test_exec_line_follows_the_desktop_entry_spec() -> None:
    assert exec_line(["/a b/py", "100%"]) == '"/a b/py" 100%%'
    assert exec_line(['/x/"y"']) == '"/x/\\\\"y\\\\""'
    assert parse_exec("app %U --flag") == ["app", "--flag"]  # field codes are not our arguments
    assert desktop_keys("[Other]\nExec=no\n[Desktop Entry]\nExec=a\\sb\n")["Exec"] == "a b"


def test_xdg_entry_validates(tmp_path: Path) -> None:
    validate = require_tools("desktop-file-validate", install="apt-get install desktop-file-utils")
    autostart = XdgAutostart(tmp_path)
    autostart.enable(COMMAND)
    result = subprocess.run(
        [validate["desktop-file-validate"], str(autostart.path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- macOS --------------------------------------------------------------------------------------


def test_launch_agent_plist(isolated_home: Path) -> None:
    agent = make_autostart("macos")
    path = isolated_home / "Library" / "LaunchAgents" / f"{BUNDLE_ID}.plist"
    assert agent.location == str(path)
    assert not agent.is_enabled()
    agent.enable(COMMAND)
    data = plistlib.loads(path.read_bytes())
    assert data["Label"] == BUNDLE_ID
    assert data["ProgramArguments"] == COMMAND
    assert data["RunAtLoad"] is True
    assert data["LimitLoadToSessionType"] == "Aqua"
    assert agent.is_enabled() and agent.command() == COMMAND
    assert agent.sync(COMMAND) is False
    assert agent.sync(MOVED) is True
    assert plistlib.loads(path.read_bytes())["ProgramArguments"] == MOVED
    agent.disable()
    assert not path.exists() and not agent.is_enabled()


def test_launch_agent_unreadable_or_disabled(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path)
    agent.folder.mkdir(exist_ok=True)
    agent.path.write_text("not a plist")
    assert not agent.is_enabled() and agent.command() is None
    agent.path.write_bytes(plistlib.dumps({**agent.agent(COMMAND), "Disabled": True}))
    assert not agent.is_enabled()
    assert agent.sync(MOVED) is False


def test_info_plist_uses_the_same_bundle_id() -> None:
    info = plistlib.loads((ROOT / "packaging" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == BUNDLE_ID
    assert info["LSUIElement"] is True


# --- Windows ------------------------------------------------------------------------------------


def test_run_key_through_the_registry_interface() -> None:
    registry = FakeRegistry()
    run = RunKey(registry)
    assert run.location == f"HKEY_CURRENT_USER\\{RUN_KEY}\\claude-tray"
    assert not run.is_enabled() and run.command() is None
    command = ["C:\\Program Files\\Python311\\pythonw.exe", "-m", "claude_tray", "run"]
    run.enable(command)
    assert registry.values == {
        "claude-tray": '"C:\\Program Files\\Python311\\pythonw.exe" -m claude_tray run'
    }
    assert run.is_enabled() and run.command() == command
    assert run.sync(command) is False and registry.writes == 1
    assert run.sync(["C:\\new\\claude-tray.exe", "run"]) is True
    assert registry.values["claude-tray"] == "C:\\new\\claude-tray.exe run"
    run.disable()
    assert registry.values == {} and not run.is_enabled()
    assert run.sync(command) is False and registry.values == {}


@pytest.mark.parametrize(
    "command",
    [["C:\\a b\\x.exe", 'say "hi"', "", "tail\\", 'C:\\q\\"x\\\\']],
)
def test_windows_command_lines_round_trip(command: list[str]) -> None:
    assert split_windows_command(subprocess.list2cmdline(command)) == command


def test_windows_registry_is_refused_elsewhere() -> None:
    from claude_tray.adapters.platform import WindowsRegistry, current_os

    if current_os() == "windows":
        pytest.skip("this checks the guard on other systems")
    with pytest.raises(OSError, match="Windows only"):
        WindowsRegistry(RUN_KEY).read("claude-tray")


# --- the command that starts us -----------------------------------------------------------------


def test_launch_command_is_this_python(monkeypatch: pytest.MonkeyPatch) -> None:
    assert launch_command("linux") == [sys.executable, "-m", "claude_tray", "run"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command("linux") == [sys.executable, "run"]


def test_frozen_windows_build_starts_its_windowed_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "claude-tray.exe"))
    assert launch_command("windows") == [str(tmp_path / "claude-tray.exe"), "run"]
    (tmp_path / "claude-tray-tray.exe").write_text("")
    assert launch_command("windows") == [str(tmp_path / "claude-tray-tray.exe"), "run"]


def test_launch_command_on_windows_prefers_pythonw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "python.exe").write_text("")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python.exe"))
    assert launch_command("windows")[0] == str(tmp_path / "python.exe")  # no pythonw next to it
    (tmp_path / "pythonw.exe").write_text("")
    assert launch_command("windows") == [str(tmp_path / "pythonw.exe"), "-m", "claude_tray", "run"]


def test_the_entry_really_starts_the_cli(tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path)
    autostart.enable(launch_command("linux"))
    command = autostart.command()
    assert command is not None
    result = subprocess.run([*command[:-1], "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("claude-tray ")


# --- the command line ---------------------------------------------------------------------------


def test_cli_enable_status_disable(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = isolated_home / ".config" / "autostart" / "claude-tray.desktop"
    assert main(["autostart", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status == {
        "enabled": False,
        "location": str(path),
        "command": None,
        "current": False,
        "expected_command": launch_command(),
    }
    assert main(["autostart", "enable"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Start at login enabled.") and str(path) in out
    assert path.is_file()
    assert main(["autostart", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["enabled"] is True and status["current"] is True
    assert status["command"] == launch_command()
    XdgAutostart(path.parent).enable(MOVED)
    assert main(["autostart", "status"]) == 0
    assert "not this installation" in capsys.readouterr().out
    assert main(["autostart", "disable"]) == 0
    assert capsys.readouterr().out.startswith("Start at login disabled.")
    assert not path.exists()


def test_cli_reports_a_folder_it_cannot_write(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_home / ".config").mkdir(parents=True, exist_ok=True)
    (isolated_home / ".config" / "autostart").write_text("a file where the folder should be")
    assert main(["autostart", "enable"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("claude-tray: cannot change ") and err.count("\n") == 1
