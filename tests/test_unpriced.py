"""A cost that leaves out tokens of a model with no known price says so at every level above the
model: the day, the period totals, the session, the tables, the tray's menu and the report."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.core.view import ViewOptions, tray_view
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.report import write_report
from claude_tray.storage.state import read_all_facts
from claude_tray.storage.zone import resolve_timezone
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
SONNET = "claude-sonnet-4-5-20250929"  # 100 in + 200 out = $0.0033


@pytest.fixture(autouse=True)
def history(claude: ClaudeData, monkeypatch: pytest.MonkeyPatch) -> ClaudeData:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    claude.write(
        "mixed",
        assistant("mixed", "2026-11-20T11:55:00Z", "m1", model=SONNET, input=100, output=200),
        assistant("mixed", "2026-11-20T11:58:00Z", "m2", model="mystery-1", input=50, output=50),
    )
    # a day with nothing but an unpriced model: its priced cost is 0, which must not read as $0
    claude.write(
        "dark", assistant("dark", "2026-11-19T09:05:00Z", "m3", model="mystery-1", input=30)
    )
    return claude


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    return json.loads(run(capsys, *args, "--json"))


def test_daily_days_and_totals_count_unpriced_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "daily")
    days = {d["date"]: d for d in data["daily"]}
    assert days["2026-11-19"]["totalCost"] == 0.0
    assert days["2026-11-19"]["unpricedTokens"] == 30
    assert days["2026-11-20"]["unpricedTokens"] == 100
    assert days["2026-11-20"]["totalCost"] == pytest.approx(0.0033)
    assert data["totals"]["unpricedTokens"] == 130
    assert data["totals"]["unpricedModels"] == ["mystery-1"]
    assert data["totals"]["totalCost"] == pytest.approx(0.0033)


@pytest.mark.parametrize("command", ["weekly", "monthly"])
def test_period_totals_count_unpriced_tokens(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    data = run_json(capsys, command)
    assert [p["unpricedTokens"] for p in data[command]] == [130]
    assert data["totals"]["unpricedTokens"] == 130
    assert data["totals"]["unpricedModels"] == ["mystery-1"]


def test_sessions_carry_their_unpriced_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    sessions = {s["sessionId"]: s for s in run_json(capsys, "sessions")["sessions"]}
    assert sessions["mixed"]["cost"] == pytest.approx(0.0033)
    assert sessions["mixed"]["unpricedTokens"] == 100
    assert sessions["mixed"]["unpricedTokensSinceReset"] == 100
    assert sessions["dark"]["cost"] is None  # nothing priced: unknown, not $0
    assert sessions["dark"]["unpricedTokens"] == 30


def test_trends_and_export_carry_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    trends = run_json(capsys, "trends")
    assert trends["unpricedTokens"] == 130
    assert {d["date"]: d["unpricedTokens"] for d in trends["daily"]}["2026-11-19"] == 30
    assert {m["model"]: m["unpricedTokens"] for m in trends["modelMix"]} == {
        "Sonnet 4.5": 0,
        "mystery-1": 130,
    }
    rows = list(csv.DictReader(io.StringIO(run(capsys, "export", "--by", "session"))))
    assert {r["session"]: r["unpriced_tokens"] for r in rows} == {"mixed": "100", "dark": "30"}
    assert {r["session"]: r["cost_usd"] for r in rows}["dark"] == ""


@pytest.mark.parametrize(
    "command", ["daily", "weekly", "monthly", "sessions", "projects", "blocks", "trends"]
)
def test_tables_mark_the_cost_and_say_why(capsys: pytest.CaptureFixture[str], command: str) -> None:
    out = run(capsys, command)
    assert re.search(r"\$\d[\d,]*\.\d\d\?", out), out
    assert "tokens of models with no known price" in out


def test_the_daily_total_row_is_marked(capsys: pytest.CaptureFixture[str]) -> None:
    lines = run(capsys, "daily").splitlines()
    total = next(line for line in lines if line.startswith("Total"))
    assert total.rstrip().endswith("?")
    dark = next(line for line in lines if line.startswith("2026-11-19"))
    assert dark.rstrip().endswith("$0.00?")


def test_the_trays_menu_marks_costs_with_unpriced_tokens() -> None:
    tz = resolve_timezone("UTC")
    with Workspace.open() as workspace:
        workspace.refresh()
        snapshot = workspace.snapshot(Clock(NOW, tz), read_all_facts(workspace.paths))
    options = ViewOptions(
        show_percent=True,
        notifications_paused_until=None,
        autostart_enabled=False,
        now=NOW,
        tz=tz,
    )
    texts = []
    stack = list(tray_view(snapshot, options).menu)
    while stack:
        entry = stack.pop(0)
        texts.append(entry.text)
        stack[:0] = entry.children
    # $0.0033 of Sonnet: under half a cent, shown `<$0.01` as everywhere (`core.formats.money`)
    assert "Today <$0.01?" in texts
    assert any(t.startswith("This week <$0.01?") for t in texts)
    assert any("<$0.01? since reset" in t for t in texts)  # the session's own line
    assert any(t.startswith("mystery-1") and "no price" in t for t in texts)


def test_the_report_marks_costs_with_unpriced_tokens() -> None:
    with Workspace.open() as workspace:
        workspace.refresh()
        html = write_report(workspace, Clock(NOW, resolve_timezone("UTC")), 7).read_text()
    assert "$0.00*" in html  # the day with only the unpriced model, and the budgets
    assert "$0.00* · 0%" in html  # the unpriced model's bar in the breakdown
    assert "130 tokens of models with no known price" in html
