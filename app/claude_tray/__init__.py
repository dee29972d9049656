"""claude-tray: live context and exact cost of Claude Code sessions, in the tray and in a CLI."""

import sys

__version__ = "0.1.0"
APP_NAME = "claude-tray"


def is_frozen() -> bool:
    """True in a PyInstaller build: `sys.executable` is then the app itself."""
    return bool(getattr(sys, "frozen", False))
