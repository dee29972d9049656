"""Where the app's config, state and logs are, found without importing `storage.paths`.

`storage.paths.app_paths()` is the one definition; it imports platformdirs, pathlib and dataclasses,
which together cost a hook call about 20 ms. Here the two common cases are answered directly:
`CLAUDE_TRAY_HOME` (exactly as `app_paths`) and Linux with the XDG defaults or absolute XDG
variables (as platformdirs answers them). Anything else (macOS, Windows, a relative `HOME` or XDG
variable, Android) asks `app_paths()` itself. `tests/hooks/test_lean_paths.py` checks both agree.
"""

from __future__ import annotations

import os
import sys

APP_DIR = "claude-tray"  # claude_tray.APP_NAME, the folder platformdirs names
HOME_VARIABLE = "CLAUDE_TRAY_HOME"


class HookPaths:
    """The app's files the hooks use (plain strings; no pathlib on the hook path)."""

    __slots__ = ("config_file", "log_dir", "state_dir")

    def __init__(self, config_file: str, state_dir: str, log_dir: str) -> None:
        self.config_file = config_file
        self.state_dir = state_dir
        self.log_dir = log_dir

    @property
    def sessions_dir(self) -> str:
        """Same as `AppPaths.sessions_state_dir`."""
        return os.path.join(self.state_dir, "sessions")

    def __repr__(self) -> str:
        return f"HookPaths({self.config_file!r}, {self.state_dir!r}, {self.log_dir!r})"


def hook_paths() -> HookPaths:
    env = os.environ
    home = env.get(HOME_VARIABLE)
    if home:
        root = os.path.expanduser(home)
        return HookPaths(
            os.path.join(root, "config.toml"),
            os.path.join(root, "state"),
            os.path.join(root, "logs"),
        )
    direct = _linux_xdg(env) if sys.platform.startswith("linux") else None
    if direct is not None:
        return direct
    from claude_tray.storage.paths import app_paths

    paths = app_paths()
    return HookPaths(str(paths.config_file), str(paths.state_dir), str(paths.log_dir))


def _linux_xdg(env: os._Environ[str]) -> HookPaths | None:
    if env.get("ANDROID_DATA") or env.get("ANDROID_ROOT"):
        return None
    user_home = env.get("HOME", "")
    if not os.path.isabs(user_home):
        return None
    config = _xdg(env, "XDG_CONFIG_HOME", user_home, ".config")
    state = _xdg(env, "XDG_STATE_HOME", user_home, ".local/state")
    if config is None or state is None:
        return None
    state_dir = os.path.join(state, APP_DIR)
    return HookPaths(
        os.path.join(config, APP_DIR, "config.toml"), state_dir, os.path.join(state_dir, "log")
    )


def _xdg(env: os._Environ[str], name: str, user_home: str, default: str) -> str | None:
    value = env.get(name, "")
    if not value:
        return os.path.join(user_home.rstrip("/") or "/", default)
    return value if os.path.isabs(value) else None  # relative: platformdirs versions differ
