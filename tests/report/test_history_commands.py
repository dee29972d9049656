"""The history commands end to end: transcripts on disk, `main([...])`, tables and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.storage.paths import app_paths
from tests.report.ledgers import NOW
from tests.states import write_state
from tests.transcripts import ClaudeData, assistant

# Opus 4.5: $5 per million input tokens; 200,000 input tokens = $1.


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))  # Fri 20 Nov 2026 15:00 UTC


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--timezone", "UTC"])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def history(claude: ClaudeData) -> ClaudeData:
    claude.write("old-1111", assistant("old-1111", "2026-10-28T10:00:00Z", "o1", input=400_000))
    claude.write(
        "mid-2222",
        assistant("mid-2222", "2026-11-10T10:00:00Z", "m1", input=200_000),
        assistant("mid-2222", "2026-11-10T12:00:00Z", "m2", input=200_000),
    )
    claude.write(
        "new-3333",
        assistant("new-3333", "2026-11-20T12:10:00Z", "n1", cwd="/home/u/web", input=200_000),
        assistant("new-3333", "2026-11-20T13:10:00Z", "n2", cwd="/home/u/web", input=400_000),
        cwd="/home/u/web",
    )
    return claude


def test_report_writes_the_file_and_can_open_it(
    capsys: pytest.CaptureFixture[str],
    history: ClaudeData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[Path] = []

    def open_path(path: Path) -> bool:
        opened.append(Path(path))
        return True

    monkeypatch.setattr("claude_tray.adapters.opener.open_path", open_path)
    target = tmp_path / "r.html"
    data = run_json(capsys, "report", "--days", "7", "--output", str(target), "--open")
    assert data == {"path": str(target), "days": 7, "opened": True}
    assert opened == [target]
    assert "Daily cost" in target.read_text()
    code, out, _ = run(capsys, "report")
    assert code == 0
    assert str(app_paths().data_dir / "report.html") in out


@pytest.mark.parametrize("days", ["0", "x", "4000"])
def test_report_refuses_bad_days(capsys: pytest.CaptureFixture[str], days: str) -> None:
    code, _, err = run(capsys, "report", "--days", days)
    assert code == 2 and "--days" in err


def test_weekly_and_monthly(capsys: pytest.CaptureFixture[str], history: ClaudeData) -> None:
    weeks = run_json(capsys, "weekly")["weekly"]
    assert [(w["week"], w["totalCost"]) for w in weeks] == [
        ("2026-10-26", 2.0),
        ("2026-11-09", 2.0),
        ("2026-11-16", 3.0),
    ]
    months = run_json(capsys, "monthly", "--since", "2026-11-01")
    assert [(m["month"], m["totalCost"]) for m in months["monthly"]] == [("2026-11", 5.0)]
    assert months["totals"]["totalCost"] == 5.0
    code, out, _ = run(capsys, "weekly")
    assert code == 0 and "2026-11-16" in out and "$7.00" in out


def test_projects_and_categories(capsys: pytest.CaptureFixture[str], history: ClaudeData) -> None:
    paths = app_paths()
    write_state(
        paths,
        "new-3333",
        category="client",
        git={"root": "/home/u/web", "repository": "/srv/git/website", "branch": "main"},
    )
    projects = run_json(capsys, "projects")["projects"]
    assert [(p["name"], p["sessions"], p["totalCost"]) for p in projects] == [
        ("app", 2, 4.0),
        ("website", 1, 3.0),
    ]
    assert projects[1]["project"] == "/srv/git/website"
    categories = run_json(capsys, "categories", "--since", "2026-11-01")["categories"]
    assert [(c["category"], c["totalCost"]) for c in categories] == [
        ("client", 3.0),
        ("uncategorised", 2.0),
    ]
    code, out, _ = run(capsys, "projects")
    assert code == 0 and "website" in out


def test_notes_tags_and_sessions_all(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    assert run_json(capsys, "note", "new", "tried plan mode") == {
        "sessionId": "new-3333",
        "note": "tried plan mode",
    }
    assert run_json(capsys, "tag", "new-3333", "plan", "fast")["tags"] == ["fast", "plan"]
    assert run_json(capsys, "tag", "mid", "plan")["tags"] == ["plan"]
    assert run_json(capsys, "tag", "mid", "plan", "--remove")["changed"] == ["plan"]
    sessions = run_json(capsys, "sessions", "--all")["sessions"]
    assert [s["sessionId"] for s in sessions] == ["new-3333", "mid-2222", "old-1111"]
    newest = sessions[0]
    assert (newest["note"], newest["tags"], newest["durationSeconds"], newest["cost"]) == (
        "tried plan mode",
        ["fast", "plan"],
        3600,
        3.0,
    )
    tagged = run_json(capsys, "sessions", "--tag", "plan")["sessions"]
    assert [s["sessionId"] for s in tagged] == ["new-3333"]
    code, out, _ = run(capsys, "sessions", "--all")
    assert code == 0 and "tried plan mode" in out and "1h 00m" in out
    assert run_json(capsys, "note", "new-3333", "")["note"] is None


@pytest.mark.parametrize(
    ("session", "message"), [("nope", "no session"), ("", "give a session id")]
)
def test_note_refuses_unknown_sessions(
    capsys: pytest.CaptureFixture[str], history: ClaudeData, session: str, message: str
) -> None:
    code, _, err = run(capsys, "note", session, "x")
    assert code == 2 and message in err


def test_an_ambiguous_prefix_is_refused(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    for sid in ("abc-1", "abc-2"):
        claude.write(sid, assistant(sid, "2026-11-20T10:00:00Z", sid, input=10))
    code, _, err = run(capsys, "tag", "abc", "x")
    assert code == 2 and "matches 2 sessions" in err


def test_a_tag_with_control_characters_is_refused(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    code, _, err = run(capsys, "tag", "new", "bad\x1b[31mtag")
    assert code == 2 and "printable" in err


def test_compare_by_date_and_by_tag(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    groups = run_json(capsys, "compare", "--before", "2026-11-05")["groups"]
    assert [(g["name"], g["sessions"], g["averageCost"], g["averageTokens"]) for g in groups] == [
        ("before 2026-11-05", 1, 2.0, 400_000),
        ("from 2026-11-05", 2, 2.5, 500_000),
    ]
    run(capsys, "tag", "old", "x")
    run(capsys, "tag", "new", "y")
    by_tag = run_json(capsys, "compare", "--tag", "x", "--tag", "y")["groups"]
    assert [(g["name"], g["totalCost"]) for g in by_tag] == [("x", 2.0), ("y", 3.0)]
    one = run_json(capsys, "compare", "--tag", "y")["groups"]
    assert [(g["name"], g["sessions"]) for g in one] == [("y", 1), ("not y", 2)]
    code, out, _ = run(capsys, "compare", "--before", "2026-11-05")
    assert code == 0 and "Average cost" in out and "+25%" in out
    code, _, err = run(capsys, "compare")
    assert code == 2 and "--before" in err


def test_trends(capsys: pytest.CaptureFixture[str], history: ClaudeData) -> None:
    data = run_json(capsys, "trends", "--days", "14")
    assert (data["from"], data["to"]) == ("2026-11-07", "2026-11-20")
    assert data["weekOverWeek"] == {"current": 3.0, "previous": 2.0, "changePercent": 50.0}
    assert data["rollingAverage"] == pytest.approx(3 / 7)
    assert data["peakHours"] == [12, 13, 10]  # $2, $2 (a tie: the earlier first), $1
    assert [m["model"] for m in data["modelMix"]] == ["Opus 4.5"]
    code, out, _ = run(capsys, "trends")
    assert code == 0 and "+50%" in out


def test_blocks_with_the_active_ones_projection(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    blocks = run_json(capsys, "blocks", "--days", "30")["blocks"]
    assert [(b["start"], b["cost"], b["active"]) for b in blocks] == [
        ("2026-10-28T10:00:00+00:00", 2.0, False),
        ("2026-11-10T10:00:00+00:00", 2.0, False),
        ("2026-11-20T12:00:00+00:00", 3.0, True),
    ]
    active = blocks[-1]
    assert active["burnRatePerHour"] == pytest.approx(3.0)  # $3 between 12:10 and 13:10
    assert active["projectedCost"] == pytest.approx(3.0 + 3.0 * 2)  # 15:00 -> 17:00
    assert active["minutesLeft"] == 120
    only = run_json(capsys, "blocks", "--active")["blocks"]
    assert [b["start"] for b in only] == ["2026-11-20T12:00:00+00:00"]


def test_a_block_ending_the_next_day_shows_its_end_date(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write("late", assistant("late", "2026-11-18T22:30:00Z", "m-late", input=10, output=10))
    code, out, _ = run(capsys, "blocks", "--days", "7")
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith("2026-11-18")]
    assert row.split()[:4] == ["2026-11-18", "22:00", "2026-11-19", "03:00"]


def test_prune_needs_its_flag_and_removes_only_old_history(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    code, _, err = run(capsys, "prune")
    assert code == 2 and "--older-than" in err
    run(capsys, "note", "old", "going")
    removed = run_json(capsys, "prune", "--older-than", "20d")
    assert removed["removed"] == {"messages": 1, "sessions": 1, "notes": 1, "tags": 0}
    assert removed["olderThanDays"] == 20
    assert [s["sessionId"] for s in run_json(capsys, "sessions", "--all")["sessions"]] == [
        "new-3333",
        "mid-2222",
    ]
    code, _, err = run(capsys, "prune", "--older-than", "0d")
    assert code == 2


def test_terminal_output_drops_control_characters(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    cwd = "/home/u/\x1b[31mred\x1b]0;title\x07"
    claude.write("esc", assistant("esc", "2026-11-20T10:00:00Z", "e1", cwd=cwd, input=10), cwd=cwd)
    run(capsys, "note", "esc", "line one\nline two\x1b[2J")
    for command in (["projects"], ["sessions", "--all"]):
        code, out, _ = run(capsys, *command)
        assert code == 0
        assert "\x1b" not in out and "\x07" not in out
    assert "line one line two" in run(capsys, "sessions", "--all")[1]
