"""Where claude-tray keeps its files, and where Claude Code keeps its data.

`CLAUDE_TRAY_HOME=DIR` puts config, ledger, state and logs all under DIR; otherwise each goes to
the per-OS folder platformdirs names (XDG on Linux, ~/Library on macOS, %LOCALAPPDATA% on Windows).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from claude_tray import APP_NAME

HOME_VARIABLE = "CLAUDE_TRAY_HOME"
CLAUDE_CONFIG_VARIABLE = "CLAUDE_CONFIG_DIR"


@dataclass(frozen=True, slots=True)
class AppPaths:
    config_file: Path
    data_dir: Path
    state_dir: Path
    log_dir: Path

    @property
    def ledger(self) -> Path:
        return self.data_dir / "ledger.sqlite3"

    @property
    def sessions_state_dir(self) -> Path:
        """One JSON file per Claude Code session, written by our hooks and the tray."""
        return self.state_dir / "sessions"

    @property
    def tray_state(self) -> Path:
        """The tray's own memory: alerts sent, notification pause."""
        return self.state_dir / "tray.json"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "tray.lock"


def app_paths(env: Mapping[str, str] | None = None) -> AppPaths:
    env = os.environ if env is None else env
    home = env.get(HOME_VARIABLE)
    if home:
        root = Path(home).expanduser()
        return AppPaths(root / "config.toml", root / "data", root / "state", root / "logs")
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        Path(dirs.user_config_dir) / "config.toml",
        Path(dirs.user_data_dir),
        Path(dirs.user_state_dir),
        Path(dirs.user_log_dir),
    )


def claude_roots(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """Every Claude Code data root to read, existing or not, without duplicates.

    `CLAUDE_CONFIG_DIR` may list several, comma-separated; when unset, both `~/.config/claude`
    (used by some 1.0.x builds) and `~/.claude`.
    """
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
