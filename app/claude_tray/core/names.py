"""Names the layers pass each other, as types: budget periods, the icon's looks, menu actions.

Each is a `StrEnum`, so its value is the string it always was (in JSON, the debug view file, a
config key) while the code names the member; the words shown for a member are defined here, once.
"""

from __future__ import annotations

import enum


class PeriodName(enum.StrEnum):
    """The budget periods of the tray, the CLI and the notifications."""

    TODAY = "today"
    WEEK = "week"
    MONTH = "month"

    @property
    def label(self) -> str:
        """`Today`, `This week`, `This month`."""
        return _PERIOD_WORDS[self][0]

    @property
    def within(self) -> str:
        """`today`, `this week`, `this month` (inside a sentence)."""
        return _PERIOD_WORDS[self][1]

    @property
    def budget_key(self) -> str:
        """The period's key under `[budgets]` in the config: `daily`, `weekly`, `monthly`."""
        return _PERIOD_WORDS[self][2]


_PERIOD_WORDS = {
    PeriodName.TODAY: ("Today", "today", "daily"),
    PeriodName.WEEK: ("This week", "this week", "weekly"),
    PeriodName.MONTH: ("This month", "this month", "monthly"),
}


class Look(enum.StrEnum):
    """The tray icon's look: one per context level, plus no active session and no data."""

    OK = "ok"
    CAUTION = "caution"
    WARNING = "warning"
    PAUSE = "pause"
    CRITICAL = "critical"
    IDLE = "idle"
    """No active session."""
    ERROR = "error"
    """No Claude Code data found."""


class MenuAction(enum.StrEnum):
    """What a menu row does; some take an argument (`Action`)."""

    RESET = "reset"
    """Reset the session named by the argument."""
    RESET_CURRENT = "reset-current"
    PAUSE_NOTIFICATIONS = "pause-notifications"
    """For the argument's seconds, or until `tomorrow`."""
    RESUME_NOTIFICATIONS = "resume-notifications"
    OPEN_REPORT = "open-report"
    OPEN_CONFIG = "open-config"
    TOGGLE_AUTOSTART = "toggle-autostart"
    REFRESH = "refresh"
    ABOUT = "about"
    QUIT = "quit"


class Action(str):
    """A menu row's action id: `<kind>` or `<kind>:<argument>` (`reset:5f2d…`,
    `pause-notifications:3600`). A `str`, so the ui layer hands it on as it is; `parse` gives the
    typed action back (the one place the id is taken apart)."""

    kind: MenuAction
    argument: str | None

    def __new__(cls, kind: MenuAction, argument: str | None = None) -> Action:
        text = kind.value if argument is None else f"{kind.value}:{argument}"
        action = super().__new__(cls, text)
        action.kind = kind
        action.argument = argument
        return action

    def __reduce__(self) -> tuple[type[Action], tuple[MenuAction, str | None]]:
        """Copied and pickled by kind and argument (`dataclasses.asdict` deep-copies the view
        for the debug file; the default would call `Action(<the id string>)`)."""
        return (Action, (self.kind, self.argument))

    @classmethod
    def parse(cls, text: str) -> Action | None:
        """The action an id names; None for an unknown one."""
        if isinstance(text, Action):
            return text
        name, colon, argument = text.partition(":")
        try:
            kind = MenuAction(name)
        except ValueError:
            return None
        return cls(kind, argument if colon else None)
