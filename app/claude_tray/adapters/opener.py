"""Opening a file or folder with the user's default app (the report, the config)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from claude_tray.adapters.platform import OsName, child_env, current_os, is_frozen, start_file
from claude_tray.storage.private import user_umask

log = logging.getLogger(__name__)


def open_command(path: Path, os_name: OsName) -> list[str] | None:
    """The command that opens `path` on `os_name`; None where the OS has its own call (Windows)."""
    if os_name == "macos":
        return ["open", str(path)]
    if os_name == "linux":
        return ["xdg-open", str(path)]
    return None


ERROR_NO_ASSOCIATION = 1155
"""`os.startfile` on a file type no app is registered for (a `.toml` on a stock Windows)."""
TEXT_EDITOR = "notepad.exe"
"""In every Windows installation, on the PATH (System32)."""


def open_path(
    path: Path | str,
    os_name: OsName | None = None,
    as_text: bool = False,
    start: Callable[[str], None] = start_file,
    spawn: Callable[[list[str]], None] | None = None,
) -> bool:
    """Open `path` (xdg-open / open / startfile) without waiting; False, logged, if it cannot.
    On Windows, a file no app is registered for opens in Notepad when `as_text`, else its folder
    opens in Explorer (`os.startfile` raises ERROR_NO_ASSOCIATION there: Python's documentation of
    `os.startfile`, "if there is no application associated with the file, OSError is raised").

    Safe from any thread; never raises. (`start` and `spawn` are the OS calls; tests replace them.)
    """
    target = Path(path)
    os_name = os_name or current_os()
    spawn = spawn or _spawn
    if not target.exists():
        log.warning("cannot open %s: it does not exist", target)
        return False
    command = open_command(target, os_name)
    try:
        if command is None:
            try:
                start(str(target))
            except OSError as error:
                if getattr(error, "winerror", None) != ERROR_NO_ASSOCIATION:
                    raise
                how = "in Notepad" if as_text else "its folder"
                log.info("no app is registered for %s: opening %s", target, how)
                if as_text:
                    spawn([TEXT_EDITOR, str(target)])
                else:
                    start(str(target.parent))
            return True
        if shutil.which(command[0]) is None:
            log.warning("cannot open %s: %s is not installed", target, command[0])
            return False
        spawn(command)
    except OSError as error:
        log.warning("cannot open %s: %s", target, error)
        return False
    return True


LAUNCHER = '"$@" </dev/null >/dev/null 2>&1 &'
"""POSIX: a shell that starts the program in the background and exits at once."""
LAUNCH_TIMEOUT = 10.0


def launch(command: list[str], env: dict[str, str] | None = None, umask: int = -1) -> None:
    """Start `command` detached, without waiting for it and without leaving a zombie behind.

    On POSIX a short-lived shell starts it in the background and exits at once; we wait for
    that shell, and the program, orphaned, is reaped by init (or the session's subreaper) when
    it ends. A plain `Popen` that nobody waits for stays a zombie until the tray exits. Windows
    keeps no zombies: there it is a plain detached `Popen`."""
    if os.name == "posix":
        shell = subprocess.Popen(
            ["/bin/sh", "-c", LAUNCHER, "sh", *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            umask=umask,
        )
        shell.wait(timeout=LAUNCH_TIMEOUT)
        return
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        creationflags=getattr(subprocess, "DETACHED_PROCESS", 0),
    )


def _spawn(command: list[str]) -> None:
    try:
        launch(command, _clean_env(), umask=user_umask())  # the user's umask, not our private one
    except subprocess.SubprocessError as error:  # the launching shell hung
        raise OSError(str(error)) from error


def _clean_env() -> dict[str, str]:
    """The environment for the opener, without the library path a PyInstaller build sets for
    itself (it keeps the user's in `LD_LIBRARY_PATH_ORIG`), nor the tray's own GL switch."""
    env = dict(child_env(dict(os.environ)))
    if not is_frozen():
        return env
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        env.pop("LD_LIBRARY_PATH", None)
    else:
        env["LD_LIBRARY_PATH"] = original
    return env
