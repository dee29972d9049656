"""The one definition of how a number, an amount, a time or a level looks to a person: the tray,
the CLI, the report, the status line and notifications all format through here, so $0.004 reads
`<$0.01` everywhere and 144,000 tokens read `144k` everywhere.

Stdlib only and cheap to import (the status line uses it on every message). Pure: times are
formatted for the `now` and the timezone the caller passes.
"""

from __future__ import annotations

import math

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date, tzinfo

UNPRICED_MARK = "?"
"""After a cost that leaves out tokens of models with no known price."""
DAY_SECONDS = 86_400.0

SGR = {
    "ok": "32",
    "caution": "33",
    "warning": "33;1",
    "pause": "31",
    "critical": "31;1",
    "alert": "33;1",
    "over": "31;1",
    "dim": "2",
    "bold": "1",
}
"""The ANSI colour (SGR parameters) of each level of context or budget, and two text styles."""


def paint(text: str, style: str | None, enabled: bool = True) -> str:
    """`text` in the colour of `style` (a level label or `dim`/`bold`) when `enabled`."""
    code = SGR.get(style) if style else None
    return f"\x1b[{code}m{text}\x1b[0m" if enabled and code else text


# --- money --------------------------------------------------------------------------------------


def money(amount: float | None, unpriced: bool = False) -> str:
    """`$1,234.56`; an amount under half a cent but above zero is `<$0.01` (never a misleading
    `$0.00`); None (no price known at all) is `?`; `unpriced` appends `?` (part has no price)."""
    if amount is None:
        return UNPRICED_MARK
    if 0 < abs(amount) < 0.005:
        text = "<$0.01" if amount > 0 else "-<$0.01"
    else:
        text = f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"
    return text + UNPRICED_MARK if unpriced else text


def budget_money(amount: float) -> str:
    """A budget as the user set it: whole dollars without cents (`$10`), others with (`$12.50`)."""
    return f"${amount:,.0f}" if float(amount).is_integer() else money(amount)


def axis_money(amount: float) -> str:
    """Short money for chart axes: `$0`, `$2.50`, `$15`, `$1.2k`."""
    if amount >= 1000:
        return f"${amount / 1000:.3g}k"
    if amount == int(amount):
        return f"${int(amount)}"
    if amount >= 1:
        return f"${amount:.2f}".rstrip("0").rstrip(".")
    # Below $1, two significant digits (at least cents): the ticks of a small scale, 0.002 apart,
    # stay apart (`$0.002`, `$0.004` rather than `$0.00`, `$0.00`).
    decimals = max(2, 1 - math.floor(math.log10(amount)))
    whole, _, cents = f"{amount:.{decimals}f}".rstrip("0").partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


# --- counts and percentages -----------------------------------------------------------------------


def count(n: int) -> str:
    """A whole number with thousands separators: `1,234,567`."""
    return f"{n:,}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 session`, `2 sessions`, `1,204 messages`: the number and its noun, agreeing."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def tokens(n: int) -> str:
    """A token count in three significant digits: `950`, `12.3k`, `144k`, `1M`, `4.56M`, `1.2B`."""
    if n < 1000:
        return str(n)
    units = ((1e3, "k"), (1e6, "M"), (1e9, "B"))
    for size, suffix in units:
        value = n / size
        shown = f"{value:.3g}"
        if float(shown) < 1000:  # 999,999 rounds to 1000k: that is 1M
            return shown + suffix
    return f"{n / 1e9:,.0f}B"


def shown_percent(value: float) -> int:
    """A percentage as shown: rounded down, so a threshold never shows before it is reached."""
    return max(0, math.floor(value))


def percent(value: float | None) -> str:
    """`72%` (rounded down, see `shown_percent`), `—` when unknown."""
    return "—" if value is None else f"{shown_percent(value)}%"


def signed_percent(value: float | None) -> str:
    """A change: `+12%`, `-3%`, `—` when there is nothing to compare with."""
    return "—" if value is None else f"{value:+.0f}%"


def share(fraction: float) -> str:
    """A part of a whole: `0.25` is `25%`."""
    return f"{fraction * 100:.0f}%"


def signed_share(fraction: float | None) -> str:
    """A relative difference: `0.013` is `+1.3%` (one decimal: it is compared with margins of a
    few percent), `—` when there is nothing to compare."""
    return "—" if fraction is None else f"{fraction * 100:+.1f}%"


# --- durations, dates and times -----------------------------------------------------------------


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


def day(d: date) -> str:
    """`Mon 3 Nov`."""
    return f"{d:%a} {d.day} {d:%b}"


def short_day(d: date) -> str:
    """`3 Nov`."""
    return f"{d.day} {d:%b}"


def moment(epoch: float, tz: tzinfo) -> str:
    """`2026-11-03 14:05` in `tz`."""
    from datetime import datetime  # here: the status line loads this module on every call

    return datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d %H:%M")


def clock_text(epoch: float, now: float, tz: tzinfo) -> str:
    """`14:05` today, else `Tue 09:00`."""
    from datetime import datetime

    when = datetime.fromtimestamp(epoch, tz)
    if when.date() == datetime.fromtimestamp(now, tz).date():
        return when.strftime("%H:%M")
    return when.strftime("%a %H:%M")


def reset_text(epoch: float, now: float, tz: tzinfo) -> str:
    """When a plan limit resets: `14:30` today, `Tue 09:00` within a day, else the date
    (`Sat 21 Nov`)."""
    if epoch - now > DAY_SECONDS:
        from datetime import datetime

        return day(datetime.fromtimestamp(epoch, tz).date())
    return clock_text(epoch, now, tz)
