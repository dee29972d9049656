"""Where claude-tray keeps its files, and where Claude Code keeps its data.

`CLAUDE_TRAY_HOME=DIR` puts config, ledger, state and logs all under DIR; otherwise each goes to
the per-OS folder platformdirs names (XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows).

`app_dirs()` is the one rule, answered with `os` alone: every hook call and status-line call asks
it, and importing platformdirs (with pathlib and tempfile) would cost each of them more than the
rest of its work. The two common cases are answered directly, `CLAUDE_TRAY_HOME` and Linux with
absolute (or unset) XDG variables, exactly as platformdirs answers them (`tests/test_paths.py`
compares); anything else asks platformdirs, imported then. `app_paths()` is the same answer as
`pathlib.Path`s, for the rest of the app.
"""

from __future__ import annotations

import os
import sys

from claude_tray import APP_NAME

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

HOME_VARIABLE = "CLAUDE_TRAY_HOME"
CLAUDE_CONFIG_VARIABLE = "CLAUDE_CONFIG_DIR"
SESSIONS_FOLDER = "sessions"
LEDGER_NAME = "ledger.sqlite3"


class AppDirs:
    """The app's folders and files as plain strings (what the hooks use; no pathlib)."""

    __slots__ = ("config_file", "data_dir", "log_dir", "state_dir")

    def __init__(self, config_file: str, data_dir: str, state_dir: str, log_dir: str) -> None:
        self.config_file = config_file
        self.data_dir = data_dir
        self.state_dir = state_dir
        self.log_dir = log_dir

    @property
    def sessions_dir(self) -> str:
        """One JSON file per Claude Code session, written by our hooks and the tray."""
        return os.path.join(self.state_dir, SESSIONS_FOLDER)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AppDirs) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, str, str, str]:
        return (self.config_file, self.data_dir, self.state_dir, self.log_dir)

    def __repr__(self) -> str:
        return "AppDirs({!r}, {!r}, {!r}, {!r})".format(*self._key())


class AppPaths:
    """The same folders as `pathlib.Path`s, with the files the app keeps in them."""

    __slots__ = ("dirs",)

    def __init__(self, dirs: AppDirs) -> None:
        self.dirs = dirs

    @property
    def config_file(self) -> Path:
        return _path(self.dirs.config_file)

    @property
    def data_dir(self) -> Path:
        return _path(self.dirs.data_dir)

    @property
    def state_dir(self) -> Path:
        return _path(self.dirs.state_dir)

    @property
    def log_dir(self) -> Path:
        return _path(self.dirs.log_dir)

    @property
    def ledger(self) -> Path:
        return self.data_dir / LEDGER_NAME

    @property
    def sessions_state_dir(self) -> Path:
        return _path(self.dirs.sessions_dir)

    @property
    def tray_state(self) -> Path:
        """The tray's own memory: alerts sent, notification pause."""
        return self.state_dir / "tray.json"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "tray.lock"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AppPaths) and self.dirs == other.dirs

    def __hash__(self) -> int:
        return hash(self.dirs)

    def __repr__(self) -> str:
        return f"AppPaths({self.dirs!r})"


def _path(value: str) -> Path:
    from pathlib import Path

    return Path(value)


def app_paths(env: Mapping[str, str] | None = None) -> AppPaths:
    return AppPaths(app_dirs(env))


def app_dirs(env: Mapping[str, str] | None = None) -> AppDirs:
    env = os.environ if env is None else env
    home = env.get(HOME_VARIABLE)
    if home:
        root = os.path.normpath(os.path.expanduser(home))
        return AppDirs(
            os.path.join(root, "config.toml"),
            os.path.join(root, "data"),
            os.path.join(root, "state"),
            os.path.join(root, "logs"),
        )
    direct = _linux_xdg(env) if sys.platform.startswith("linux") else None
    return direct if direct is not None else _platformdirs()


def _linux_xdg(env: Mapping[str, str]) -> AppDirs | None:
    """The XDG folders platformdirs gives on Linux, when every variable involved is absolute or
    unset (relative ones are treated differently by different platformdirs versions)."""
    if env.get("ANDROID_DATA") or env.get("ANDROID_ROOT"):
        return None
    user_home = env.get("HOME", "")
    if not os.path.isabs(user_home):
        return None
    found = [
        _xdg(env, name, user_home, default)
        for name, default in (
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_STATE_HOME", ".local/state"),
        )
    ]
    config, data, state = found
    if config is None or data is None or state is None:
        return None
    state_dir = os.path.join(state, APP_NAME)
    return AppDirs(
        os.path.join(config, APP_NAME, "config.toml"),
        os.path.join(data, APP_NAME),
        state_dir,
        os.path.join(state_dir, "log"),
    )


def _xdg(env: Mapping[str, str], name: str, user_home: str, default: str) -> str | None:
    value = env.get(name, "")
    if not value.strip():
        return os.path.join(os.path.normpath(user_home), default)
    return os.path.normpath(value) if os.path.isabs(value) else None


def _platformdirs() -> AppDirs:
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppDirs(
        os.path.join(dirs.user_config_dir, "config.toml"),
        dirs.user_data_dir,
        dirs.user_state_dir,
        dirs.user_log_dir,
    )


def claude_roots(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """Every Claude Code data root to read, existing or not, without duplicates.

    `CLAUDE_CONFIG_DIR` may list several, comma-separated; when unset, both `~/.config/claude`
    (used by some 1.0.x builds) and `~/.claude`.
    """
    from pathlib import Path

    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    configured = env.get(CLAUDE_CONFIG_VARIABLE, "").strip()
    if configured:
        candidates = [
            Path(part.strip()).expanduser() for part in configured.split(",") if part.strip()
        ]
    else:
        candidates = [home / ".config" / "claude", home / ".claude"]
    roots: list[Path] = []
    for root in candidates:
        if root not in roots:
            roots.append(root)
    return roots


def missing_configured_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """The folders `CLAUDE_CONFIG_DIR` names that do not exist ([] when it is unset): a setting
    that points nowhere is a fault to name, while no data under the defaults is a first run."""
    env = os.environ if env is None else env
    if not env.get(CLAUDE_CONFIG_VARIABLE, "").strip():
        return []
    return [root for root in claude_roots(env) if not root.is_dir()]
