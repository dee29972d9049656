"""The numbers behind the history views of the CLI: weeks, months, five-hour blocks, comparisons.

Runs on the caller's thread (it reads the workspace's ledger).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from claude_tray.core.blocks import BLOCK_SECONDS, Block, five_hour_blocks
from claude_tray.core.periods import Weekday, day_start
from claude_tray.core.trends import GroupStats, group_stats
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.usage import (
    Total,
    history_dates,
    priced_buckets,
    priced_sums,
    totals_by_label,
)
from claude_tray.engine.workspace import Workspace
from claude_tray.report.groups import SessionTotal, session_totals


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    """A week (labelled by its first day) or a month (`YYYY-MM`)."""

    label: str
    first: date
    last: date
    total: Total


def period_totals(
    workspace: Workspace,
    tz: tzinfo,
    unit: str,
    since: date | None,
    until: date | None,
    week_start: Weekday = Weekday.MONDAY,
) -> list[PeriodTotal]:
    """Weeks or months (`unit`) with any usage between `since` and `until`, oldest first."""
    span = history_dates(workspace.ledger, tz)
    if span is None:
        return []
    first, last = max(since or span[0], span[0]), min(until or span[1], span[1])
    if first > last:
        return []
    periods = _weeks(first, last, week_start) if unit == "week" else _months(first, last)
    ranges = [
        (label, day_start(max(a, first), tz), day_start(min(b, last) + timedelta(days=1), tz))
        for label, a, b in periods
    ]
    totals = totals_by_label(priced_sums(workspace.ledger, workspace.prices, ranges))
    return [PeriodTotal(label, a, b, totals[label]) for label, a, b in periods if label in totals]


def _weeks(first: date, last: date, week_start: Weekday) -> list[tuple[str, date, date]]:
    start = first - timedelta(days=(first.weekday() - week_start) % 7)
    out = []
    while start <= last:
        out.append((start.isoformat(), start, start + timedelta(days=6)))
        start += timedelta(days=7)
    return out


def _months(first: date, last: date) -> list[tuple[str, date, date]]:
    start = first.replace(day=1)
    out = []
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        out.append((f"{start:%Y-%m}", start, following - timedelta(days=1)))
        start = following
    return out


BLOCK_LEAD_IN = 2 * 86400
"""Blocks chain from the first request after a quiet gap of five hours or more: reading this far
before the period finds such a gap for all but round-the-clock use."""


def recent_blocks(workspace: Workspace, clock: Clock, days: int) -> list[Block]:
    """Five-hour blocks that reach into the last `days` days (the active one included)."""
    since = clock.now - days * 86400
    buckets = priced_buckets(
        workspace.ledger, workspace.prices, since - BLOCK_LEAD_IN, clock.now + BLOCK_SECONDS
    )
    return [b for b in five_hour_blocks(buckets, clock.now) if b.end > since]


def compare_before(workspace: Workspace, tz: tzinfo, before: date) -> list[GroupStats]:
    """Sessions that started before `before` against those that started on or after it."""
    cut = day_start(before, tz)
    sessions = session_totals(workspace)
    return [
        _stats(f"before {before.isoformat()}", [s for s in sessions if s.first < cut]),
        _stats(f"from {before.isoformat()}", [s for s in sessions if s.first >= cut]),
    ]


def compare_tags(workspace: Workspace, tags: Sequence[str]) -> list[GroupStats]:
    """Sessions with each tag; a single tag is compared with the sessions without it."""
    sessions = session_totals(workspace)
    groups = [_stats(tag, [s for s in sessions if tag in s.tags]) for tag in tags]
    if len(tags) == 1:
        groups.append(_stats(f"not {tags[0]}", [s for s in sessions if tags[0] not in s.tags]))
    return groups


def _stats(name: str, sessions: Sequence[SessionTotal]) -> GroupStats:
    return group_stats(name, [(s.tokens.total, s.cost) for s in sessions])
