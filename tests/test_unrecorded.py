"""The calls no transcript records: the core rule (a table), and the estimate reaching `daily`,
`today` and `sessions --json` as `unrecordedEstimateUSD`, never mixed into the exact totals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.core.tokens import Tokens
from claude_tray.core.unrecorded import compaction_call, title_call
from tests.transcripts import ClaudeData, assistant, compact

# Haiku 4.5 and Opus 4.5, USD per million tokens (input, output, cache read), written out here.
HAIKU = (1.0, 5.0, 0.10)
OPUS = (5.0, 25.0, 0.50)


@pytest.mark.parametrize(
    ("pre", "post", "expected"),
    [
        (184_009, 779, Tokens(input=1_600, output=779, cache_read=184_009)),
        (8_849, 12_000, Tokens(input=1_600, output=12_000, cache_read=8_849)),
        (0, 0, Tokens(input=1_600)),
        (8_849, None, None),  # an older client: it records the summarising call itself
        (None, 779, None),
        (-5, -1, Tokens(input=1_600)),  # nonsense never becomes a negative cost
    ],
)
def test_the_summarising_call_of_a_compaction(
    pre: int | None, post: int | None, expected: Tokens | None
) -> None:
    assert compaction_call(pre, post) == expected


def test_the_title_call() -> None:
    assert title_call() == Tokens(input=450, output=15)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def price(tokens: Tokens, rates: tuple[float, float, float]) -> float:
    return (tokens.input * rates[0] + tokens.output * rates[1] + tokens.cache_read * rates[2]) / 1e6


def test_the_estimate_is_its_own_figure(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    title = '{"type":"ai-title","aiTitle":"Fix the login","sessionId":"s-1"}'
    claude.write(
        "s-1",
        title,
        assistant("s-1", "2026-11-20T10:00:00Z", "m-1", input=10, output=100, cache_read=9_000),
        compact("s-1", "2026-11-20T10:05:00Z", post=2_000, pre=9_110),
        assistant("s-1", "2026-11-20T10:06:00Z", "m-2", input=20, output=50, cache_read=2_000),
        title,  # written again after the compaction: still one title request
        compact("s-1", "2026-11-21T09:00:00Z", post=None, pre=5_000),  # older: no estimate
    )
    claude.write(
        "s-2", assistant("s-2", "2026-11-21T09:00:00Z", "m-3", input=7, output=7, cache_read=7)
    )
    exact_1 = price(Tokens(input=30, output=150, cache_read=11_000), OPUS)
    exact_2 = price(Tokens(input=7, output=7, cache_read=7), OPUS)
    estimate_1 = price(title_call(), HAIKU) + price(
        Tokens(input=1_600, output=2_000, cache_read=9_110), OPUS
    )

    daily = run(capsys, "daily", "--timezone", "UTC")
    assert [(d["date"], d["unrecordedEstimateUSD"]) for d in daily["daily"]] == [
        ("2026-11-20", pytest.approx(estimate_1, abs=1e-9)),
        ("2026-11-21", 0.0),
    ]
    assert [d["totalCost"] for d in daily["daily"]] == [
        pytest.approx(exact_1, abs=1e-9),
        pytest.approx(exact_2, abs=1e-9),
    ]
    assert daily["totals"]["unrecordedEstimateUSD"] == pytest.approx(estimate_1, abs=1e-9)
    assert daily["totals"]["totalCost"] == pytest.approx(exact_1 + exact_2, abs=1e-9)

    sessions = {s["sessionId"]: s for s in run(capsys, "sessions")["sessions"]}
    assert sessions["s-1"]["unrecordedEstimateUSD"] == pytest.approx(estimate_1, abs=1e-9)
    assert sessions["s-1"]["cost"] == pytest.approx(exact_1, abs=1e-9)
    assert sessions["s-2"]["unrecordedEstimateUSD"] == 0.0

    # Read again (nothing new): the estimate is stored once, not added again.
    again = run(capsys, "daily", "--timezone", "UTC")
    assert again["totals"]["unrecordedEstimateUSD"] == daily["totals"]["unrecordedEstimateUSD"]


def test_today_carries_the_estimate(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", "1795168800")  # 2026-11-20T10:00:00Z
    claude.write(
        "s-1",
        assistant("s-1", "2026-11-20T09:00:00Z", "m-1", input=10, output=100, cache_read=9_000),
        compact("s-1", "2026-11-20T09:05:00Z", post=1_000, pre=9_110),
    )
    today = run(capsys, "today", "--timezone", "UTC")
    assert today["date"] == "2026-11-20"
    expected = price(Tokens(input=1_600, output=1_000, cache_read=9_110), OPUS)
    assert today["unrecordedEstimateUSD"] == pytest.approx(expected, abs=1e-9)
    assert today["totalCost"] == pytest.approx(
        price(Tokens(input=10, output=100, cache_read=9_000), OPUS), abs=1e-9
    )


def test_todays_cost_menu_shows_the_estimate_on_its_own_line() -> None:
    from claude_tray.core.view import tray_view
    from tests.tray_snapshots import options, session, snapshot, spend

    today = spend("today", 3.42, 10.0)._replace(unrecorded_estimate=0.0712)
    view = tray_view(snapshot(session(), today=today), options())
    [costs] = [e for e in view.menu if e.text == "Today's cost"]
    rows = [(e.text, e.enabled) for e in costs.children if not e.separator]
    assert rows[:2] == [
        ("Today $3.42 of $10", True),
        ("Unrecorded calls (title, /compact) ~$0.07, estimate", False),
    ]
    plain = tray_view(snapshot(session(), today=spend("today", 3.42, 10.0)), options())
    [costs] = [e for e in plain.menu if e.text == "Today's cost"]
    assert not any("Unrecorded" in e.text for e in costs.children)


def test_the_report_shows_the_estimate_apart_from_spent(
    claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.engine.snapshot import Clock
    from claude_tray.engine.workspace import Workspace
    from claude_tray.report import write_report
    from claude_tray.storage.zone import resolve_timezone

    claude.write(
        "s-1",
        assistant("s-1", "2026-11-20T09:00:00Z", "m-1", input=10, output=100, cache_read=9_000),
        compact("s-1", "2026-11-20T09:05:00Z", post=1_000, pre=9_110),
    )
    estimate = price(Tokens(input=1_600, output=1_000, cache_read=9_110), OPUS)  # $0.0355
    with Workspace.open() as workspace:
        workspace.refresh()
        html = write_report(workspace, Clock(1795168800.0, resolve_timezone("UTC")), 7).read_text()
    assert "Unrecorded calls" in html and f"~${estimate:.2f}" in html
    assert "not in Spent" in html


def test_each_budget_period_counts_the_calls_it_holds(claude: ClaudeData) -> None:
    """The day, its week and its month overlap: the snapshot asks the ledger once for all three
    (`unrecorded_by_period`), and each period's estimate is the one it has alone."""
    from datetime import UTC

    from claude_tray.engine.snapshot import Clock
    from claude_tray.engine.unrecorded import unrecorded_estimate
    from claude_tray.engine.workspace import Workspace

    for session, day, pre in (("s-1", 20, 9_110), ("s-2", 17, 5_000), ("s-3", 3, 7_000)):
        claude.write(
            session,
            assistant(session, f"2026-11-{day:02}T09:00:00Z", f"m-{day}", input=10, output=100),
            compact(session, f"2026-11-{day:02}T09:05:00Z", post=1_000, pre=pre),
        )
    with Workspace.open() as ws:
        ws.refresh()
        snap = ws.snapshot(Clock(1795168800.0, UTC), {})  # 2026-11-20T10:00:00Z, a Friday
        figures = []
        for spend in (snap.today, snap.week, snap.month):
            ranges = [(spend.name, spend.period.start, spend.period.end)]
            alone = unrecorded_estimate(ws.ledger, ws.prices, ranges).for_label(spend.name)
            assert spend.unrecorded_estimate == alone
            figures.append(alone)
    call = price(Tokens(input=1_600, output=1_000, cache_read=9_110), OPUS)
    assert figures[0] == pytest.approx(call, abs=1e-9)
    assert 0 < figures[0] < figures[1] < figures[2]
