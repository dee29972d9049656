"""Calendar periods (day, week, month) in a timezone, as half-open epoch-second ranges."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple


class Weekday(enum.IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class Period(NamedTuple):
    """Local dates `first`..`last` inclusive, and the epoch range [start, end) they cover."""

    first: date
    last: date
    start: float
    end: float

    def contains(self, moment: float) -> bool:
        return self.start <= moment < self.end


def day_start(day: date, tz: tzinfo) -> float:
    """Epoch seconds of local midnight starting `day` (handles DST days of 23 or 25 hours)."""
    return datetime.combine(day, time(), tz).timestamp()


def period_of_days(first: date, last: date, tz: tzinfo) -> Period:
    return Period(first, last, day_start(first, tz), day_start(last + timedelta(days=1), tz))


def local_date(moment: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(moment, tz).date()


def day_period(now: float, tz: tzinfo) -> Period:
    today = local_date(now, tz)
    return period_of_days(today, today, tz)


def week_period(now: float, tz: tzinfo, week_start: Weekday = Weekday.MONDAY) -> Period:
    today = local_date(now, tz)
    first = today - timedelta(days=(today.weekday() - week_start) % 7)
    return period_of_days(first, first + timedelta(days=6), tz)


def month_period(now: float, tz: tzinfo) -> Period:
    today = local_date(now, tz)
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return period_of_days(first, next_first - timedelta(days=1), tz)


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
