"""Threshold levels of context and budgets, and the one scale the tray shows."""

from __future__ import annotations

import enum

from claude_tray.core.scale import LABELS, rung


class Level(enum.IntEnum):
    """The tray's one scale, ordered: a higher value is more urgent.

    Session context maps onto it directly. Budgets map as: `alert` → WARNING, `over` → CRITICAL
    (see `BudgetLevel.on_scale`).
    """

    OK = 0
    CAUTION = 1
    WARNING = 2
    PAUSE = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return LABELS[self]


class BudgetLevel(enum.IntEnum):
    OK = 0
    ALERT = 1
    OVER = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def on_scale(self) -> Level:
        return _BUDGET_ON_SCALE[self]


_BUDGET_ON_SCALE = {
    BudgetLevel.OK: Level.OK,
    BudgetLevel.ALERT: Level.WARNING,
    BudgetLevel.OVER: Level.CRITICAL,
}


class Thresholds:
    """Context percentages at which each level starts. Immutable, compared by value.

    A plain class, not a dataclass: the status line loads this module on every call, and
    `dataclasses` (with `inspect`, `ast`...) would add ~10 ms to each."""

    __slots__ = ("caution", "critical", "pause", "warning")
    caution: float
    warning: float
    pause: float
    critical: float

    def __init__(
        self,
        caution: float = 70.0,
        warning: float = 85.0,
        pause: float = 90.0,
        critical: float = 95.0,
    ) -> None:
        values = (caution, warning, pause, critical)
        if not all(0 < v <= 100 for v in values) or list(values) != sorted(values):
            raise ValueError("thresholds must rise from caution to critical, each in (0, 100]")
        for name, value in zip(("caution", "warning", "pause", "critical"), values, strict=True):
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[float, float, float, float]:
        return (self.caution, self.warning, self.pause, self.critical)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Thresholds is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Thresholds is immutable: cannot delete {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Thresholds):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        caution, warning, pause, critical = self._values()
        return (
            f"Thresholds(caution={caution!r}, warning={warning!r}, pause={pause!r}, "
            f"critical={critical!r})"
        )

    def starts(self) -> tuple[tuple[Level, float], ...]:
        return (
            (Level.CRITICAL, self.critical),
            (Level.PAUSE, self.pause),
            (Level.WARNING, self.warning),
            (Level.CAUTION, self.caution),
        )

    def start_of(self, level: Level) -> float:
        return dict(self.starts()).get(level, 0.0)


def level_for(percent: float | None, thresholds: Thresholds) -> Level:
    """The level a context percentage is at; unknown context is OK."""
    if percent is None:
        return Level.OK
    return Level(rung(percent, thresholds._values()))


def budget_level(spent: float, budget: float | None, alert_fraction: float) -> BudgetLevel:
    """`over` once spending exceeds the budget, `alert` from `alert_fraction` of it."""
    if budget is None or budget <= 0:
        return BudgetLevel.OK
    if spent > budget:
        return BudgetLevel.OVER
    if spent >= budget * alert_fraction:
        return BudgetLevel.ALERT
    return BudgetLevel.OK
