"""Today's spend against the daily budget, as last computed by the tray or the CLI.

`state/budget.json` lets the hook gate (`[auto_pause] budget = true`) and the status line know
today's cost without scanning transcripts: the tray's engine loop writes it after each pass, and the
CLI's `today` and `status` write it too. Readers check that it covers the moment they ask about
(`covers(now)`), so yesterday's figures never block today.
"""

from __future__ import annotations

from claude_tray.storage import json_c
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.regular import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from claude_tray.core.snapshot import Spend
    from claude_tray.storage.paths import AppPaths

log = LazyLogger(__name__)  # `logging` only when used: the hooks load this module

BUDGET_STATE_VERSION = 1
BUDGET_FILE = "budget.json"


class BudgetState:
    """One day's spend: `start`..`end` are the epoch range of the local day it covers.

    A plain class, not a dataclass: the hook gate reads it, and importing `dataclasses` alone
    costs a hook call ~10 ms.
    """

    __slots__ = (
        "budget",
        "cost",
        "date",
        "end",
        "level",
        "over_since",
        "start",
        "unpriced_tokens",
        "written_at",
    )

    def __init__(
        self,
        *,
        date: str,
        start: float,
        end: float,
        cost: float,
        budget: float | None,
        level: str,
        unpriced_tokens: int = 0,
        written_at: float = 0.0,
        over_since: float | None = None,
    ) -> None:
        self.date = date
        self.start = start
        self.end = end
        self.cost = cost
        self.budget = budget
        self.level = level
        """`ok`, `alert` or `over` (`BudgetLevel.label`)."""
        self.unpriced_tokens = unpriced_tokens
        self.written_at = written_at
        self.over_since = over_since
        """When today's spend was first seen over the budget (a reset after it acknowledges it)."""

    @property
    def over(self) -> bool:
        return self.level == "over"

    def covers(self, moment: float) -> bool:
        return self.start <= moment < self.end

    def __repr__(self) -> str:
        return (
            f"BudgetState(date={self.date!r}, cost={self.cost!r}, budget={self.budget!r}, "
            f"level={self.level!r})"
        )


def budget_state_file(paths: AppPaths) -> Path:
    return paths.state_dir / BUDGET_FILE


def write_budget_state(paths: AppPaths, today: Spend, now: float) -> bool:
    """Record today's `Spend`; skips the write (returns False) when nothing but the time changed.

    Called from one thread per process (the tray's engine loop, or a CLI command); the write is
    atomic, so readers in other processes see the old or the new file, never half of one.
    """
    record = {
        "version": BUDGET_STATE_VERSION,
        "date": today.period.first.isoformat(),
        "start": today.period.start,
        "end": today.period.end,
        "cost": round(today.cost, 6),
        "budget": today.budget,
        "level": today.level.label,
        "unpriced_tokens": today.unpriced_tokens,
    }
    from claude_tray.storage.atomic import write_atomic

    path = budget_state_file(paths)
    try:
        old = json_c.loads(path.read_bytes())
    except (OSError, ValueError):
        old = None
    old = old if isinstance(old, dict) else {}
    if {k: old.get(k) for k in record} == record:
        return False
    if record["level"] == "over":
        same_day = old.get("date") == record["date"] and old.get("level") == "over"
        since = old.get("over_since") if same_day else None
        record["over_since"] = since if _is_number(since) else now
    record["written_at"] = now
    write_atomic(path, json_c.dumps(record, separators=(",", ":")).encode())
    return True


def record_budget_state(paths: AppPaths, today: Spend, now: float) -> bool:
    """`write_budget_state` for the tray's passes and the CLI: a failure to write (a read-only
    state folder) is logged, never raised; the hooks then read the older file or none."""
    try:
        return write_budget_state(paths, today, now)
    except OSError as error:
        log.info("cannot record today's budget state: %s", error)
        return False


def read_budget_state(paths: AppPaths) -> BudgetState | None:
    """The last recorded day, or None when there is none or it cannot be read (logged)."""
    return read_budget_file(str(budget_state_file(paths)))


def read_budget_file(path: str) -> BudgetState | None:
    """`read_budget_state` by the file's path (the hooks' way, without pathlib)."""
    try:
        data = json_c.loads(read_regular(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("cannot read %s: %s", path, error)
        return None
    return budget_state_from(data)


def budget_state_from(data: object) -> BudgetState | None:
    if not isinstance(data, dict):
        return None
    start, end, cost = (_number(data.get(k)) for k in ("start", "end", "cost"))
    if start is None or end is None or cost is None:
        return None
    level = data.get("level")
    return BudgetState(
        date=str(data.get("date", "")),
        start=start,
        end=end,
        cost=cost,
        budget=_number(data.get("budget")),
        level=level if level in ("ok", "alert", "over") else "ok",
        unpriced_tokens=int(_number(data.get("unpriced_tokens")) or 0),
        written_at=_number(data.get("written_at")) or 0.0,
        over_since=_number(data.get("over_since")),
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
