"""Start at login: an XDG autostart entry (Linux), a LaunchAgent (macOS), HKCU Run (Windows).

Each kind has the same small interface (`Autostart`). The entry runs the same interpreter or
executable that runs now (`launch_command()`); `sync(command)` rewrites an enabled entry only when
it names another command (a moved venv, a new app version), so calling it at every start is cheap.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from claude_tray import APP_NAME
from claude_tray.adapters.platform import OsName, WindowsRegistry, current_os, is_frozen
from claude_tray.storage.atomic import write_atomic

BUNDLE_ID = "org.claude-tray.ClaudeTray"
"""The macOS bundle identifier; also the LaunchAgent's label (packaging/Info.plist has it too)."""
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
DESKTOP_FILE = f"{APP_NAME}.desktop"
WINDOWED_EXE = f"{APP_NAME}-tray.exe"
"""The Windows build's tray executable without a console window (packaging/claude-tray.spec)."""


class Autostart(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: list[str]) -> None: ...

    def disable(self) -> None: ...

    def command(self) -> list[str] | None:
        """The command the entry starts, None when there is no entry."""
        ...

    def sync(self, command: list[str]) -> bool:
        """Point an enabled entry at `command`; True when it had to be rewritten."""
        ...

    @property
    def location(self) -> str:
        """Where the entry lives (a file, or a registry value), for messages."""
        ...


def launch_command(os_name: OsName | None = None) -> list[str]:
    """The command that starts this tray as it runs now: the frozen app, or this Python."""
    windows = (os_name or current_os()) == "windows"
    if is_frozen():
        app = Path(sys.executable)
        windowless = app.with_name(WINDOWED_EXE)  # the spec's console-less twin
        return [str(windowless if windows and windowless.exists() else app), "run"]
    python = Path(sys.executable)
    if windows and python.name.lower() == "python.exe":
        windowless = python.with_name("pythonw.exe")  # no console window at login
        if windowless.exists():
            python = windowless
    return [str(python), "-m", "claude_tray", "run"]


def make_autostart(os_name: OsName | None = None) -> Autostart:
    os_name = os_name or current_os()
    if os_name == "macos":
        return LaunchAgent(Path.home() / "Library" / "LaunchAgents")
    if os_name == "windows":
        return RunKey(WindowsRegistry(RUN_KEY))
    return XdgAutostart(xdg_config_home() / "autostart")


def xdg_config_home() -> Path:
    configured = os.environ.get("XDG_CONFIG_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".config"


# --- Linux ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class XdgAutostart:
    """`<folder>/claude-tray.desktop`, `folder` being `$XDG_CONFIG_HOME/autostart`."""

    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / DESKTOP_FILE

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        entry = self._entry()
        if entry is None:
            return False
        hidden = entry.get("Hidden", "false").lower() == "true"
        gnome_off = entry.get("X-GNOME-Autostart-enabled", "true").lower() == "false"
        return not (hidden or gnome_off)

    def command(self) -> list[str] | None:
        entry = self._entry()
        return None if entry is None or "Exec" not in entry else parse_exec(entry["Exec"])

    def enable(self, command: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, desktop_entry(command).encode("utf-8"))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def sync(self, command: list[str]) -> bool:
        if not self.is_enabled():
            return False
        if self._read() == desktop_entry(command):
            return False
        self.enable(command)
        return True

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def _entry(self) -> dict[str, str] | None:
        text = self._read()
        return None if text is None else desktop_keys(text)


def desktop_entry(command: list[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Claude Code context and cost in the tray\n"
        f"Exec={exec_line(command)}\n"
        f"Icon={APP_NAME}\n"
        "Terminal=false\n"
        "Categories=Development;\n"
        "X-GNOME-Autostart-enabled=true\n"
        "X-GNOME-Autostart-Delay=5\n"
    )


def desktop_keys(text: str) -> dict[str, str]:
    """The keys of the `[Desktop Entry]` group, values unescaped (`\\s`, `\\n`, `\\\\`...)."""
    keys: dict[str, str] = {}
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            group = line
            continue
        if group == "[Desktop Entry]" and "=" in line:
            key, value = line.split("=", 1)
            keys[key.strip()] = _unescape_value(value.strip())
    return keys


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_QUOTED_ESCAPES = set('"`$\\')


def exec_line(command: list[str]) -> str:
    """An `Exec=` value: each argument quoted when it needs it, then escaped as a string value."""
    parts = []
    for arg in command:
        arg = arg.replace("%", "%%")
        if arg and not (set(arg) & _RESERVED):
            parts.append(arg)
        else:
            parts.append('"' + "".join("\\" + c if c in _QUOTED_ESCAPES else c for c in arg) + '"')
    return " ".join(parts).replace("\\", "\\\\")


def parse_exec(value: str) -> list[str]:
    """The arguments of an (already unescaped) `Exec` value; field codes like `%U` dropped."""
    args: list[str] = []
    current: list[str] = []
    quoted = started = False
    chars = iter(value)
    for char in chars:
        if quoted:
            if char == "\\":
                current.append(next(chars, ""))
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted = started = True
        elif char.isspace():
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args if not _field_code(arg)]


def _field_code(arg: str) -> bool:
    """`%f`, `%U`...: filled in by launchers, not part of our command."""
    return len(arg) == 2 and arg[0] == "%" and arg[1].isalpha()


_VALUE_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def _unescape_value(value: str) -> str:
    out = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(_VALUE_ESCAPES.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


# --- macOS ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaunchAgent:
    """`~/Library/LaunchAgents/<BUNDLE_ID>.plist`, run at login (loaded by launchd then)."""

    folder: Path
    label: str = BUNDLE_ID

    @property
    def path(self) -> Path:
        return self.folder / f"{self.label}.plist"

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        agent = self._read()
        return agent is not None and not agent.get("Disabled", False)

    def command(self) -> list[str] | None:
        agent = self._read()
        arguments = None if agent is None else agent.get("ProgramArguments")
        return [str(a) for a in arguments] if isinstance(arguments, list) else None

    def enable(self, command: list[str]) -> None:
        import plistlib  # macOS only: not loaded (with an XML parser) into other trays

        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, plistlib.dumps(self.agent(command)))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def sync(self, command: list[str]) -> bool:
        if not self.is_enabled() or self._read() == self.agent(command):
            return False
        self.enable(command)
        return True

    def agent(self, command: list[str]) -> dict[str, object]:
        return {
            "Label": self.label,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "KeepAlive": False,
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",
        }

    def _read(self) -> dict[str, object] | None:
        import plistlib

        try:
            data = plistlib.loads(self.path.read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError):
            return None
        return data if isinstance(data, dict) else None


# --- Windows --------------------------------------------------------------------------------------


class Registry(Protocol):
    """String values under one registry key (HKCU\\...\\Run); `platform.WindowsRegistry` is the
    real one, tests use a dict."""

    def read(self, name: str) -> str | None: ...

    def write(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


@dataclass(frozen=True, slots=True)
class RunKey:
    """The `claude-tray` value of HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run."""

    registry: Registry
    name: str = APP_NAME

    @property
    def location(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{self.name}"

    def is_enabled(self) -> bool:
        return bool(self.registry.read(self.name))

    def command(self) -> list[str] | None:
        value = self.registry.read(self.name)
        return None if not value else split_windows_command(value)

    def enable(self, command: list[str]) -> None:
        self.registry.write(self.name, subprocess.list2cmdline(command))

    def disable(self) -> None:
        self.registry.delete(self.name)

    def sync(self, command: list[str]) -> bool:
        wanted = subprocess.list2cmdline(command)
        if not self.is_enabled() or self.registry.read(self.name) == wanted:
            return False
        self.enable(command)
        return True


def split_windows_command(line: str) -> list[str]:
    """The arguments of a Windows command line as `list2cmdline` writes it (MS C runtime rules)."""
    args: list[str] = []
    current: list[str] = []
    quoted = started = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            count = len(line) - index - len(line[index:].lstrip("\\"))
            index += count
            if index < len(line) and line[index] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    index += 1
            else:
                current.append("\\" * count)
            started = True
            continue
        if char == '"':
            quoted = not quoted
            started = True
        elif char in " \t" and not quoted:
            if started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
        index += 1
    if started:
        args.append("".join(current))
    return args
