"""claude-tray: live context and exact cost of Claude Code sessions, in the tray and in a CLI."""

__version__ = "0.1.0"
APP_NAME = "claude-tray"
