"""Chart geometry: bar heights proportional to the values, the budget and average lines at the
right heights; checked on the SVG itself (parsed with ElementTree) and on the report's daily chart
made from a ledger with known costs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from claude_tray.core.formats import axis_money
from claude_tray.engine.workspace import Workspace
from claude_tray.report import svg, write_report
from tests.report.ledgers import clock, fill, message, write_config

SVG = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def bars(chart: ET.Element) -> list[ET.Element]:
    return [r for r in chart.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]


def num(element: ET.Element, name: str) -> float:
    return float(element.get(name, "nan"))


def path_points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([\d.]+),([\d.]+)", d)]


@pytest.mark.parametrize("values", [[1.0, 2.0, 4.0, 0.0, 3.5], [0.02, 0.01], [1234.0]])
def test_column_heights_are_proportional_and_stand_on_one_baseline(values: list[float]) -> None:
    chart = parse(
        svg.column_chart(
            [svg.Bar(str(i), v, f"{i}: {v}") for i, v in enumerate(values)],
            title="t",
            desc="d",
            axis=axis_money,
            reference=max(values) * 0.75,
        )
    )
    rects = bars(chart)
    assert [float(r.get("data-value", "nan")) for r in rects] == values
    baselines = {round(num(r, "y") + num(r, "height"), 1) for r in rects}
    assert len(baselines) == 1
    scale = {round(num(r, "height") / v, 6) for r, v in zip(rects, values, strict=True) if v}
    assert len(scale) == 1
    (line,) = [e for e in chart.iter(f"{SVG}line") if e.get("class") == "reference"]
    baseline = baselines.pop()
    assert (baseline - num(line, "y1")) / (max(values) * 0.75) == pytest.approx(scale.pop(), 1e-3)
    widths = {round(num(r, "width"), 2) for r in rects}
    assert len(widths) == 1  # equal slots


def test_the_scale_holds_the_tallest_of_bars_line_and_reference() -> None:
    chart = parse(
        svg.column_chart(
            [svg.Bar("a", 1.0, "a"), svg.Bar("b", 2.0, "b")],
            title="t",
            desc="d",
            axis=axis_money,
            line=[None, 3.0],
            reference=9.0,
        )
    )
    (line,) = [e for e in chart.iter(f"{SVG}line") if e.get("class") == "reference"]
    top_grid = min(num(e, "y1") for e in chart.iter(f"{SVG}line") if e.get("class") is None)
    assert num(line, "y1") >= top_grid  # the budget line is inside the plot
    (average,) = [e for e in chart.iter(f"{SVG}path") if e.get("class") == "average"]
    assert len(path_points(average.get("d", ""))) == 1  # None is not drawn
    labels = [t.text for t in chart.iter(f"{SVG}text")]
    assert "$10" in labels  # 9 rounds up to a top of 10
    assert chart.get("role") == "img"
    assert chart.find(f"{SVG}title") is not None and chart.find(f"{SVG}desc") is not None


@pytest.mark.parametrize(
    ("peak", "top", "step"),
    [
        (0.0, 1.0, 0.2),
        (4.5, 5.0, 1.0),
        (450.0, 500.0, 100.0),
        (18.0, 20.0, 5.0),
        (0.03, 0.03, 0.01),
        (1000.0, 1000.0, 200.0),
    ],
)
def test_nice_scale(peak: float, top: float, step: float) -> None:
    assert svg.nice_scale(peak) == pytest.approx((top, step))


def test_horizontal_bars_are_proportional_to_their_values() -> None:
    chart = parse(
        svg.bar_list(
            [
                svg.Bar("a", 4.0, "a: $4", shown="$4"),
                svg.Bar("b", 1.0, "b: $1", shown="$1"),
                svg.Bar("c", 0.0, "c: $0", shown="$0"),
            ],
            title="t",
            desc="d",
        )
    )
    widths = [num(r, "width") for r in bars(chart)]
    assert widths == pytest.approx([svg.LIST_WIDTH, svg.LIST_WIDTH / 4, 0.0])


@pytest.fixture
def workspace() -> Iterator[Workspace]:
    with Workspace.open() as ws:
        yield ws


def daily_chart(html: str) -> ET.Element:
    match = re.search(r'<svg[^>]*class="chart wide-only".*?</svg>', html, re.S)
    assert match, "no daily chart"
    return parse(match.group(0))


def test_the_reports_daily_chart_from_a_known_ledger(workspace: Workspace) -> None:
    write_config(workspace, "[budgets]\ndaily = 8.0\n")
    fill(
        workspace,
        [
            message("a", "2026-11-14T10:00:00", 4.0),
            message("b", "2026-11-16T09:00:00", 6.0),
            message("c", "2026-11-16T23:59:00", 6.0),  # the same day: $12, over the budget
            message("d", "2026-11-20T08:00:00", 2.0),
            message("old", "2026-11-01T08:00:00", 100.0),  # before the 7 days shown
        ],
    )
    html = write_report(workspace, clock(), days=7).read_text()
    chart = daily_chart(html)
    rects = bars(chart)
    values = [float(r.get("data-value", "nan")) for r in rects]
    assert values == pytest.approx([4.0, 0.0, 12.0, 0.0, 0.0, 0.0, 2.0])
    assert [("over" in r.get("class", "")) for r in rects] == [
        False,
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    per_dollar = num(rects[0], "height") / 4.0
    assert num(rects[2], "height") == pytest.approx(12.0 * per_dollar, rel=1e-3)
    assert num(rects[1], "height") == 0.0
    baseline = num(rects[0], "y") + num(rects[0], "height")
    (budget,) = [e for e in chart.iter(f"{SVG}line") if e.get("class") == "reference"]
    assert (baseline - num(budget, "y1")) == pytest.approx(8.0 * per_dollar, rel=1e-3)
    (average,) = [e for e in chart.iter(f"{SVG}path") if e.get("class") == "average"]
    points = path_points(average.get("d", ""))
    assert len(points) == 7
    # 7-day average on 20 Nov: (4 + 12 + 2) / 7 (the $100 day is 19 days earlier)
    assert (baseline - points[-1][1]) / per_dollar == pytest.approx(18 / 7, rel=1e-3)
    # the average on 14 Nov covers 8..14 Nov: only the $4 (1 Nov is outside the window)
    assert (baseline - points[0][1]) / per_dollar == pytest.approx(4 / 7, rel=1e-3)
    titles = [t.text for r in rects for t in r.iter(f"{SVG}title")]
    assert titles[2] == "Mon 16 Nov: $12.00"


@pytest.mark.parametrize("peak", [0.0007, 0.003, 0.012, 0.04, 0.09, 0.6, 1.3, 7.0, 42.0, 950.0])
def test_axis_money_ticks_never_repeat(peak: float) -> None:
    """The hourly chart of a cheap day had `$0.01 $0.01 $0.01`: every tick reads differently."""
    top, step = svg.nice_scale(peak)
    labels = [axis_money(i * step) for i in range(round(top / step) + 1)]
    assert len(set(labels)) == len(labels), labels
