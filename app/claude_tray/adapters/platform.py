"""Which OS this is, and the few calls that exist on one OS only.

The one module that reads `sys.platform`. Its checks are written as `sys.platform == ...` so that
`mypy --platform darwin|win32` type-checks each branch for its OS.
"""

from __future__ import annotations

import os
import sys
from typing import Literal

if sys.platform == "win32":
    import winreg

OsName = Literal["linux", "macos", "windows"]
NOT_WINDOWS = "the Windows registry exists on Windows only"


_OS: OsName
if sys.platform == "darwin":
    _OS = "macos"
elif sys.platform == "win32":
    _OS = "windows"
else:
    _OS = "linux"


def current_os() -> OsName:
    """ "macos", "windows", or "linux" (any other Unix with X11/Wayland is treated as Linux)."""
    return _OS


def is_frozen() -> bool:
    """True in a PyInstaller build: `sys.executable` is then the app itself."""
    return bool(getattr(sys, "frozen", False))


def start_file(path: str) -> None:
    """Open `path` with its default app (Windows only: `os.startfile`)."""
    if sys.platform == "win32":
        os.startfile(path)
    else:
        raise OSError("os.startfile exists on Windows only")


class WindowsRegistry:
    """String values under one key of HKEY_CURRENT_USER (the `Registry` of `autostart`)."""

    def __init__(self, key_path: str) -> None:
        self.key_path = key_path

    def read(self, name: str) -> str | None:
        if sys.platform == "win32":
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key_path) as key:
                    value, kind = winreg.QueryValueEx(key, name)
            except FileNotFoundError:
                return None
            return str(value) if kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) else None
        raise OSError(NOT_WINDOWS)

    def write(self, name: str, value: str) -> None:
        if sys.platform == "win32":
            access = winreg.KEY_SET_VALUE
            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, self.key_path, 0, access) as key:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)
            return
        raise OSError(NOT_WINDOWS)

    def delete(self, name: str) -> None:
        if sys.platform == "win32":
            access = winreg.KEY_SET_VALUE
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key_path, 0, access) as key:
                    winreg.DeleteValue(key, name)
            except FileNotFoundError:
                pass
            return
        raise OSError(NOT_WINDOWS)
