"""Charts as inline SVG text: columns over time (with an average line and a budget line), and
horizontal bars for breakdowns.

Every chart is `role="img"` with a `<title>` and `<desc>`, and each bar has its own `<title>` (the
value as text, also shown on hover). Colours come from CSS classes, so the page's light and dark
themes apply. Every text is escaped; values are plain numbers. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

COLUMN_WIDTH = 360
COLUMN_HEIGHT = 200
WIDE_WIDTH = 720
WIDE_HEIGHT = 260
LIST_WIDTH = 420
MAX_X_LABELS = 8
LABEL_CHARS = 34
"""A horizontal bar's label is cut to this many characters (the full text is in its title)."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    """Axis label ("" for none)."""
    value: float
    text: str
    """The bar's value as words, for its tooltip and screen readers (`Tue 3 Nov: $12.34`)."""
    mark: str = ""
    """A CSS class that draws the bar in another colour: `over` (budget), `peak` (busiest)."""
    shown: str = ""
    """The value as printed beside a horizontal bar (`$12.34 · 40%`)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """The plot area of a column chart and its value scale (exposed for tests)."""

    left: float
    top: float
    width: float
    height: float
    scale_max: float
    step: float

    @property
    def baseline(self) -> float:
        return self.top + self.height

    def y(self, value: float) -> float:
        return self.baseline - value / self.scale_max * self.height


def nice_scale(peak: float, intervals: int = 5) -> tuple[float, float]:
    """(top, step) of an axis from 0 that holds `peak`: a step of 1, 2 or 5 times a power of ten,
    and at most `intervals` steps."""
    if peak <= 0:
        return 1.0, 0.2
    rough = peak / intervals
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= rough * (1 - 1e-9))
    return step * max(1, math.ceil(peak / step - 1e-9)), step


def column_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    axis: Callable[[float], str],
    line: Sequence[float | None] | None = None,
    line_text: str = "",
    reference: float | None = None,
    reference_text: str = "",
    width: int = COLUMN_WIDTH,
    height: int = COLUMN_HEIGHT,
    max_labels: int = MAX_X_LABELS,
    classes: str = "chart",
) -> str:
    """Vertical bars, one per item, with an optional line (e.g. a rolling average) through their
    centres and an optional horizontal reference (e.g. the daily budget)."""
    peak = max(
        [b.value for b in bars]
        + [v for v in line or () if v is not None]
        + [reference or 0.0]
        + [0.0]
    )
    top, step = nice_scale(peak)
    frame = Frame(
        left=58, top=14, width=width - 58 - 10, height=height - 14 - 30, scale_max=top, step=step
    )
    slot = frame.width / max(1, len(bars))
    parts = [_open(width, height, title, desc, classes), _grid(frame, axis, width)]
    for i, bar in enumerate(bars):
        parts.append(_column(frame, i, slot, bar))
    parts.append(_x_labels(frame, slot, bars, max_labels))
    if line is not None:
        parts.append(_line(frame, slot, line, line_text))
    if reference is not None and reference > 0:
        y = frame.y(reference)
        parts.append(
            f'<line class="reference" x1="{frame.left:.2f}" x2="{frame.left + frame.width:.2f}" '
            f'y1="{y:.2f}" y2="{y:.2f}" data-value="{reference!r}">'
            f"<title>{escape(reference_text)}</title></line>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_list(rows: Sequence[Bar], *, title: str, desc: str, width: int = LIST_WIDTH) -> str:
    """Horizontal bars, one per row: the label and value on a line, the bar under it."""
    row_height = 40
    height = max(1, len(rows)) * row_height
    peak = max([r.value for r in rows] + [0.0]) or 1.0
    parts = [_open(width, height, title, desc, "chart list")]
    for i, row in enumerate(rows):
        y = i * row_height
        length = max(0.0, row.value) / peak * width
        parts.append(
            f'<g class="row"><title>{escape(row.text)}</title>'
            f'<text class="label" x="0" y="{y + 15}">{escape(_clip(row.label, LABEL_CHARS))}</text>'
            f'<text class="value" x="{width}" y="{y + 15}" text-anchor="end">'
            f"{escape(row.shown)}</text>"
            f'<rect class="track" x="0" y="{y + 22}" width="{width}" height="10" rx="3"/>'
            f'<rect class="bar" x="0" y="{y + 22}" width="{length:.2f}" height="10" rx="3" '
            f'data-value="{row.value!r}"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str, desc: str, classes: str) -> str:
    key = f"{width}x{height}\n{title}\n{desc}"
    n = hashlib.blake2b(key.encode(), digest_size=5).hexdigest()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" '
        f'viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart{n}-title chart{n}-desc" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="chart{n}-title">{escape(title)}</title>'
        f'<desc id="chart{n}-desc">{escape(desc)}</desc>'
    )


def _grid(frame: Frame, axis: Callable[[float], str], width: int) -> str:
    parts = ['<g class="grid" aria-hidden="true">']
    for n in range(round(frame.scale_max / frame.step) + 1):
        value = n * frame.step
        y = frame.y(value)
        parts.append(
            f'<line x1="{frame.left:.2f}" x2="{width - 10}" y1="{y:.2f}" y2="{y:.2f}"/>'
            f'<text class="axis" x="{frame.left - 6:.2f}" y="{y + 4:.2f}" text-anchor="end">'
            f"{escape(axis(value))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _column(frame: Frame, i: int, slot: float, bar: Bar) -> str:
    gap = min(slot * 0.2, 8.0)
    height = max(0.0, bar.value) / frame.scale_max * frame.height
    classes = f"bar {bar.mark}" if bar.mark else "bar"
    return (
        f'<rect class="{classes}" x="{frame.left + i * slot + gap / 2:.2f}" '
        f'y="{frame.baseline - height:.2f}" width="{slot - gap:.2f}" height="{height:.2f}" '
        f'data-value="{bar.value!r}"><title>{escape(bar.text)}</title></rect>'
    )


def _x_labels(frame: Frame, slot: float, bars: Sequence[Bar], most: int) -> str:
    labelled = [i for i, b in enumerate(bars) if b.label]
    every = max(1, math.ceil(len(labelled) / most))
    keep = set(labelled[::-1][::every])  # count from the last bar: the latest is always labelled
    parts = ['<g class="x-labels" aria-hidden="true">']
    for i in sorted(keep):
        x = frame.left + (i + 0.5) * slot
        parts.append(
            f'<text class="axis" x="{x:.2f}" y="{frame.baseline + 20:.2f}" '
            f'text-anchor="middle">{escape(bars[i].label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _line(frame: Frame, slot: float, values: Sequence[float | None], text: str) -> str:
    commands = []
    pen_down = False
    for i, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        x, y = frame.left + (i + 0.5) * slot, frame.y(value)
        commands.append(f"{'L' if pen_down else 'M'}{x:.2f},{y:.2f}")
        pen_down = True
    if not commands:
        return ""
    return (
        f'<path class="average" d="{" ".join(commands)}" fill="none">'
        f"<title>{escape(text)}</title></path>"
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
