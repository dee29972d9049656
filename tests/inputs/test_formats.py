"""One formatting module: money, tokens, percentages, durations, dates and level colours are
defined once (`core.formats`) and read the same in the tray, the CLI, the report and the status
line."""

from __future__ import annotations

import ast
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import claude_tray
from claude_tray.core import formats
from claude_tray.core.formats import budget_money, money, percent, tokens
from claude_tray.hooks.fast import run_statusline
from tests.hooks import payloads

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
PACKAGE = Path(claude_tray.__file__).parent


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0.0, "$0.00"),
        (0.004, "<$0.01"),
        (0.0049, "<$0.01"),
        (0.005, "$0.01"),
        (1234.5, "$1,234.50"),
        (-2.5, "-$2.50"),
        (None, "?"),
    ],
)
def test_money(amount: float | None, shown: str) -> None:
    assert money(amount) == shown


def test_money_marks_unpriced_and_budgets_drop_whole_cents() -> None:
    assert money(0.004, unpriced=True) == "<$0.01?"
    assert (budget_money(10.0), budget_money(12.5), budget_money(1000)) == (
        "$10",
        "$12.50",
        "$1,000",
    )


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (950, "950"),
        (12_300, "12.3k"),
        (144_000, "144k"),
        (999_999, "1M"),
        (1_000_000, "1M"),
        (1_500_000, "1.5M"),
        (4_560_000, "4.56M"),
        (1_200_000_000, "1.2B"),
    ],
)
def test_tokens(n: int, shown: str) -> None:
    assert tokens(n) == shown


def test_percent_rounds_down_so_a_level_never_shows_early() -> None:
    assert (percent(89.99), percent(90.0), percent(None), percent(-1)) == ("89%", "90%", "—", "0%")


def test_dates_and_durations() -> None:
    assert formats.day(date(2026, 11, 3)) == "Tue 3 Nov"
    assert formats.duration(2 * 3600 + 5 * 60) == "2h 05m"
    assert formats.reset_text(NOW + 3600, NOW, UTC) == "13:00"
    assert formats.reset_text(NOW + 3 * 86400, NOW, UTC) == "Mon 23 Nov"


def test_the_status_line_uses_the_same_money(
    tray_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    monkeypatch.setenv("NO_COLOR", "1")
    tray_home.mkdir(parents=True, exist_ok=True)
    (tray_home / "config.toml").write_text('[statusline]\nformat = "{cost} · {tokens}"\n')
    payload = payloads.status_new(percent=72)
    payload["cost"]["total_cost_usd"] = 0.004
    out = io.BytesIO()
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), out, None) == 0
    assert out.getvalue().decode() == f"<$0.01 · {tokens(144_000)}/{tokens(200_000)}\n"


FORMATTERS = {
    "money",
    "budget_money",
    "axis_money",
    "paint",
    "duration",
    "reset_text",
    "clock_text",
}
COPIES = {"_money", "_short", "_thousands", "_COLORS", "_LEVEL_COLORS", "_BUDGET_COLORS"}


def test_no_module_keeps_a_copy_of_the_formats() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "core" / "formats.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level
            if isinstance(node, ast.FunctionDef) and node.name in FORMATTERS | COPIES:
                found.append(f"{path.relative_to(PACKAGE)}: def {node.name}")
            if isinstance(node, ast.Assign):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                found += [f"{path.relative_to(PACKAGE)}: {n}" for n in names & COPIES]
    assert found == []
