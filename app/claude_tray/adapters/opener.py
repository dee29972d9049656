"""Opening a file or folder with the user's default app (the report, the config)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from claude_tray.adapters.platform import OsName, current_os, is_frozen, start_file

log = logging.getLogger(__name__)


def open_command(path: Path, os_name: OsName) -> list[str] | None:
    """The command that opens `path` on `os_name`; None where the OS has its own call (Windows)."""
    if os_name == "macos":
        return ["open", str(path)]
    if os_name == "linux":
        return ["xdg-open", str(path)]
    return None


def open_path(path: Path | str, os_name: OsName | None = None) -> bool:
    """Open `path` (xdg-open / open / startfile) without waiting; False, logged, if it cannot.

    Safe from any thread; never raises.
    """
    target = Path(path)
    os_name = os_name or current_os()
    if not target.exists():
        log.warning("cannot open %s: it does not exist", target)
        return False
    command = open_command(target, os_name)
    try:
        if command is None:
            start_file(str(target))
            return True
        if shutil.which(command[0]) is None:
            log.warning("cannot open %s: %s is not installed", target, command[0])
            return False
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=_clean_env(),
        )
    except OSError as error:
        log.warning("cannot open %s: %s", target, error)
        return False
    return True


def _clean_env() -> dict[str, str]:
    """The environment for the opener, without the library path a PyInstaller build sets for
    itself (it keeps the user's in `LD_LIBRARY_PATH_ORIG`)."""
    env = dict(os.environ)
    if not is_frozen():
        return env
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        env.pop("LD_LIBRARY_PATH", None)
    else:
        env["LD_LIBRARY_PATH"] = original
    return env
