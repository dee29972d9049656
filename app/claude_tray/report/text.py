"""How the report's numbers and the user's strings are written as text (page and terminal)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from claude_tray.core.sanitize import clean as clean  # the one sanitizer, re-exported here


def money(amount: float | None) -> str:
    """`$1,234.56`; a positive amount under half a cent is `<$0.01`, not a misleading `$0.00`."""
    if amount is None:
        return "?"
    if 0 < amount < 0.005:
        return "<$0.01"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def axis_money(amount: float) -> str:
    """Short money for chart axes: `$0`, `$2.50`, `$15`, `$1.2k`."""
    if amount >= 1000:
        return f"${amount / 1000:.3g}k"
    if amount == int(amount):
        return f"${int(amount)}"
    return f"${amount:.2f}".rstrip("0").rstrip(".") if amount >= 1 else f"${amount:.2f}"


def tokens(count: int) -> str:
    """`950`, `12.3k`, `4.56M`, `1.20B`."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if count >= size:
            value = count / size
            return f"{value:.3g}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(count)


def duration(seconds: float) -> str:
    """`<1m`, `14m`, `2h 05m`, `3d 4h`."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def signed_percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.0f}%"


def share(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def day(d: date) -> str:
    """`Mon 3 Nov`."""
    return f"{d:%a} {d.day} {d:%b}"


def short_day(d: date) -> str:
    """`3 Nov`."""
    return f"{d.day} {d:%b}"


def moment(epoch: float, tz: tzinfo) -> str:
    """`2026-11-03 14:05` in the report's timezone."""
    return datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d %H:%M")
