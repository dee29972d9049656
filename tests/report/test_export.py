"""Export: CSV (RFC 4180, parsed back with the csv module) with formulas neutralised, and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.engine.workspace import Workspace
from claude_tray.report.export import Table, spreadsheet_safe, write_csv
from tests.report.ledgers import NOW, fill, message

HOSTILE = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
        (-5, -5),
        (-0.25, -0.25),
        (None, None),
    ],
)
def test_spreadsheet_safe(cell: object, expected: object) -> None:
    assert spreadsheet_safe(cell) == expected  # type: ignore[arg-type]


def test_csv_quotes_by_rfc_4180_and_round_trips() -> None:
    table = Table(
        ["name", "n", "cost"], [['a "quoted", text\nwith a newline', -3, 1.5], [FORMULA, 0, None]]
    )
    buffer = io.StringIO(newline="")
    write_csv(buffer, table)
    raw = buffer.getvalue()
    assert raw.startswith("name,n,cost\r\n")
    assert '"a ""quoted"", text\nwith a newline"' in raw
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert rows == [
        ["name", "n", "cost"],
        ['a "quoted", text\nwith a newline', "-3", "1.5"],
        ["'" + FORMULA, "0", ""],
    ]


@pytest.fixture
def history(monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    with Workspace.open() as workspace:
        fill(
            workspace,
            [
                message("a", "2026-11-18T10:00:00", 2.0, session="s-evil", project=f"/u/{HOSTILE}"),
                message("b", "2026-11-19T10:00:00", 1.0, session="s-evil", project=f"/u/{HOSTILE}"),
                message(
                    "c",
                    "2026-11-19T11:00:00",
                    0.5,
                    session="s-ok",
                    project="/u/-rm -rf",
                    model="claude-haiku-4-5",
                ),
            ],
        )
        workspace.ledger.set_note("s-evil", FORMULA, 0.0)
        workspace.ledger.add_tag("s-evil", "@risky")
        yield workspace


def export(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["export", "--timezone", "UTC", *args]) == 0
    return capsys.readouterr().out


def test_export_by_session_as_csv(capsys: pytest.CaptureFixture[str], history: Workspace) -> None:
    rows = list(csv.DictReader(io.StringIO(export(capsys, "--by", "session"), newline="")))
    assert [r["session"] for r in rows] == ["s-evil", "s-ok"]
    evil, ok = rows
    assert evil["project"] == f"/u/{HOSTILE}"  # not a formula: left as it is
    assert evil["note"] == "'" + FORMULA
    assert evil["tags"] == "'@risky"
    assert ok["project"] == "/u/-rm -rf"
    assert float(evil["cost_usd"]) == pytest.approx(3.0)
    assert int(evil["total_tokens"]) == 600_000
    assert evil["start"] == "2026-11-18T10:00:00+00:00"
    assert int(evil["duration_seconds"]) == 86400


def test_export_by_day_model_and_project(
    capsys: pytest.CaptureFixture[str], history: Workspace
) -> None:
    days = list(csv.DictReader(io.StringIO(export(capsys), newline="")))
    assert [(d["date"], round(float(d["cost_usd"]), 6)) for d in days] == [
        ("2026-11-18", 2.0),
        ("2026-11-19", 1.0 + 0.5 / 5),
    ]  # Haiku input is $1/M, not $5
    since = list(csv.DictReader(io.StringIO(export(capsys, "--since", "2026-11-19"), newline="")))
    assert [d["date"] for d in since] == ["2026-11-19"]
    models = json.loads(export(capsys, "--by", "model", "--format", "json"))
    assert [(m["model_name"], m["total_tokens"]) for m in models["rows"]] == [
        ("Opus 4.5", 600_000),
        ("Haiku 4.5", 100_000),
    ]
    projects: dict[str, Any] = json.loads(export(capsys, "--by", "project", "--format", "json"))
    assert [p["name"] for p in projects["rows"]] == [HOSTILE, "-rm -rf"]


def test_export_to_a_file(
    capsys: pytest.CaptureFixture[str], history: Workspace, tmp_path: Any
) -> None:
    target = tmp_path / "out.csv"
    assert main(["export", "--by", "project", "--output", str(target)]) == 0
    rows = list(csv.reader(target.open(newline="")))
    assert rows[0][:3] == ["project", "name", "sessions"]
    assert rows[2][1] == "'-rm -rf"
    assert "Wrote 2 rows" in capsys.readouterr().err
