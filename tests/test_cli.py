"""The CLI contract: JSON shapes, days in a timezone, tables, budgets, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import PLAIN_COMMANDS, _plain_args, build_parser, main
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def history(claude: ClaudeData) -> ClaudeData:
    # 19 Nov 23:30 UTC is 20 Nov 00:30 in Berlin: the day depends on the timezone.
    claude.write(
        "a",
        assistant(
            "a",
            "2026-11-19T23:30:00Z",
            "m1",
            model="claude-opus-4-5-20251101",
            input=1000,
            output=2000,
            cache_write=4000,
            write_1h=1000,
            cache_read=10_000,
        ),
        assistant(
            "a",
            "2026-11-20T09:00:00Z",
            "m2",
            model="claude-sonnet-4-5-20250929",
            input=100,
            output=200,
            cache_read=1000,
        ),
        assistant("a", "2026-11-20T09:05:00Z", "m3", model="mystery-1", input=50, output=50),
    )
    return claude


def test_daily_json_uses_ccusage_field_names(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    data = run_json(capsys, "daily", "--timezone", "UTC")
    assert [d["date"] for d in data["daily"]] == ["2026-11-19", "2026-11-20"]
    first = data["daily"][0]
    assert set(first) >= {
        "date",
        "inputTokens",
        "outputTokens",
        "cacheCreationTokens",
        "cacheReadTokens",
        "totalTokens",
        "totalCost",
        "modelsUsed",
        "modelBreakdowns",
    }
    assert first["cacheCreationTokens"] == 4000  # 3000 5m + 1000 1h
    assert first["totalTokens"] == 17_000
    # 1000*5 + 2000*25 + 3000*6.25 + 1000*10 + 10000*0.5 = 88,750 micro-dollars
    assert first["totalCost"] == pytest.approx(0.08875)
    assert first["modelsUsed"] == ["claude-opus-4-5-20251101"]
    (breakdown,) = first["modelBreakdowns"]
    assert set(breakdown) >= {
        "modelName",
        "inputTokens",
        "outputTokens",
        "cacheCreationTokens",
        "cacheReadTokens",
        "cost",
    }
    second = data["daily"][1]
    assert second["totalCost"] == pytest.approx((100 * 3 + 200 * 15 + 1000 * 0.3) / 1e6)
    unknown = [b for b in second["modelBreakdowns"] if b["modelName"] == "mystery-1"]
    assert unknown[0]["cost"] is None  # unpriced: unknown, not $0
    assert second["unpricedTokens"] == 100
    assert data["totals"]["totalTokens"] == 17_000 + 1300 + 100
    assert data["totals"]["totalCost"] == pytest.approx(first["totalCost"] + second["totalCost"])


def test_daily_days_follow_the_timezone(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    berlin = run_json(capsys, "daily", "--timezone", "Europe/Berlin")
    assert [d["date"] for d in berlin["daily"]] == ["2026-11-20"]
    la = run_json(capsys, "daily", "--timezone", "America/Los_Angeles")
    assert [d["date"] for d in la["daily"]] == ["2026-11-19", "2026-11-20"]


def test_daily_since_until(capsys: pytest.CaptureFixture[str], history: ClaudeData) -> None:
    data = run_json(
        capsys, "daily", "--since", "2026-11-20", "--until", "2026-11-20", "--timezone", "UTC"
    )
    assert [d["date"] for d in data["daily"]] == ["2026-11-20"]
    assert run_json(capsys, "daily", "--since", "2027-01-01")["daily"] == []


def test_today_json_and_budgets(
    capsys: pytest.CaptureFixture[str], history: ClaudeData, tray_home: Path
) -> None:
    tray_home.mkdir(parents=True, exist_ok=True)
    (tray_home / "config.toml").write_text(
        'timezone = "UTC"\n[budgets]\ndaily = 0.004\nweekly = 1.0\nmonthly = 0.09\n'
    )
    data = run_json(capsys, "today")
    assert data["date"] == "2026-11-20"
    assert data["totalCost"] == pytest.approx(0.0036)
    assert data["unpricedModels"] == ["mystery-1"]
    assert data["budgets"]["today"]["budgetLevel"] == "alert"
    assert data["budgets"]["week"]["budgetLevel"] == "ok"
    assert data["budgets"]["month"]["budgetLevel"] == "over"
    status = run_json(capsys, "status")
    assert status["level"] == "critical"  # a budget `over` maps to critical on the one scale
    assert status["today"]["budget"] == 0.004
    assert status["month"]["start"] == "2026-11-01"


def test_status_shape(capsys: pytest.CaptureFixture[str], claude: ClaudeData) -> None:
    claude.write("s", assistant("s", "2026-11-20T11:55:00Z", "m1", cache_read=150_000))
    status = run_json(capsys, "status", "--timezone", "UTC")
    assert set(status) >= {"level", "today", "week", "month", "sessions"}
    assert set(status["today"]) >= {"date", "cost", "budget", "budgetLevel"}
    assert status["level"] == "caution"  # 75% context
    (session,) = status["sessions"]
    assert session["level"] == "caution"
    assert session["contextPercent"] == 75.0


def test_human_tables(
    capsys: pytest.CaptureFixture[str], history: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "daily", "--breakdown", "--timezone", "UTC")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["Date", "Input"]
    assert any(line.startswith("2026-11-19") for line in lines)
    assert any("claude-opus-4-5-20251101" in line for line in lines)
    assert "\x1b[" not in out  # not a terminal: no colour
    assert "?" in out  # unpriced marker on the day with mystery-1
    monkeypatch.setenv("COLUMNS", "40")
    code, narrow, _ = run(capsys, "daily", "--timezone", "UTC")
    assert max(len(line) for line in narrow.splitlines() if not line.startswith("?")) <= 40
    assert "Cost" in narrow.splitlines()[0]


def test_colour_respects_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_tray.cli.render import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "xterm")
    assert use_color(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())  # type: ignore[arg-type]


def test_invalid_config_is_exit_2_naming_file_and_key(
    capsys: pytest.CaptureFixture[str], tray_home: Path
) -> None:
    tray_home.mkdir(parents=True)
    config = tray_home / "config.toml"
    config.write_text("[budgets]\ndaily = 'ten'\n")
    before = config.read_bytes()
    code, _, err = run(capsys, "today")
    assert code == 2
    assert err.count("\n") == 1
    assert str(config) in err and "budgets.daily" in err and "must be a number" in err
    assert config.read_bytes() == before
    config.write_text("[budgets\n")
    code, _, err = run(capsys, "status")
    assert code == 2 and "not valid TOML" in err


def test_bad_usage_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["frobnicate"],
        ["daily", "--since", "yesterday"],
        ["today", "--timezone", "Nowhere/X"],
        ["daily", "--since", "2026-02-02", "--until", "2026-01-01"],
    ):
        code, _, err = run(capsys, *args)
        assert code == 2, args
        assert err.startswith("claude-tray: ") and err.count("\n") == 1, err


def test_a_missing_claude_config_dir_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "today", "--json")
    assert code == 0
    assert (
        err == f"claude-tray: CLAUDE_CONFIG_DIR names {tmp_path / 'claude'}, which does not exist\n"
    )
    assert json.loads(out)["totalCost"] == 0


def test_no_claude_data_yet_is_a_welcome(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAUDE_CONFIG_DIR")
    code, _, err = run(capsys, "today")
    assert code == 0
    assert err.startswith("claude-tray: no Claude Code data yet (looked in ")
    assert "after your first Claude Code session" in err and "CLAUDE_CONFIG_DIR" not in err


def test_config_init_show_path(capsys: pytest.CaptureFixture[str], tray_home: Path) -> None:
    code, out, _ = run(capsys, "config", "path")
    assert out.strip() == str(tray_home / "config.toml")
    code, out, _ = run(capsys, "config", "init")
    assert code == 0
    written = (tray_home / "config.toml").read_text()
    assert "[context]" in written and "caution = 70.0" in written
    code, out, err = run(capsys, "config", "init")  # again: kept, and that is no error
    assert code == 0 and "already exists; left as it is" in out and err == ""
    code, out, _ = run(capsys, "config", "init", "--json")
    assert code == 0
    assert json.loads(out) == {"path": str(tray_home / "config.toml"), "created": False}
    assert (tray_home / "config.toml").read_text() == written
    code, out, _ = run(capsys, "config", "show", "--json")
    assert json.loads(out)["config"]["context"]["pause"] == 90.0


def test_unexpected_error_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.cli import usage_commands

    def boom(args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(usage_commands, "run_today", boom)
    code, _, err = run(capsys, "today")
    assert code == 1
    assert err == (
        "claude-tray: unexpected error: RuntimeError: disk on fire (run with --debug for details)\n"
    )


def test_doctor_lists_unknown_models_and_skips(
    capsys: pytest.CaptureFixture[str], history: ClaudeData
) -> None:
    history.write("a", "{broken")
    report = run_json(capsys, "doctor")
    assert report["unpricedModels"] == [{"model": "mystery-1", "tokens": 100}]
    assert report["skippedTotal"] == 1
    assert report["roots"][0]["found"] is True
    assert report["ledger"]["messages"] == 3
    code, out, _ = run(capsys, "doctor")
    assert code == 0
    assert "mystery-1" in out and "malformed JSON" in out


def test_cli_never_imports_the_desktop_libraries() -> None:
    code = (
        "import sys; from claude_tray.cli.main import main, build_parser; build_parser(['--help']);"
        "main(['today', '--json']); main(['doctor', '--json']);"
        "bad = [m for m in ('pystray', 'PIL', 'plyer', 'gi') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_projects_with_the_same_folder_name_add_up(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    from claude_tray.engine.snapshot import Clock
    from claude_tray.engine.workspace import Workspace

    claude.write(
        "a",
        assistant("a", "2026-11-20T10:00:00Z", "m1", input=1000, cwd="/w/one/app"),
        cwd="/w/one/app",
    )
    claude.write(
        "b",
        assistant("b", "2026-11-20T10:01:00Z", "m2", input=3000, cwd="/w/two/app"),
        cwd="/w/two/app",
    )
    with Workspace.open() as ws:
        ws.refresh()
        snapshot = ws.snapshot(Clock(NOW, UTC))
    (line,) = snapshot.today.by_project
    assert line.name == "app"
    assert line.tokens.input == 4000
    assert line.cost == pytest.approx(4000 * 5 / 1e6)


def test_json_floats_carry_no_binary_noise(capsys: pytest.CaptureFixture[str]) -> None:
    from claude_tray.cli.render import print_json

    print_json({"cost": 0.9644999999999999, "rates": [0.1 + 0.2], "at": 1796164086.759666})
    out = capsys.readouterr().out
    assert json.loads(out) == {"cost": 0.9645, "rates": [0.3], "at": 1796164086.76}


def test_export_refuses_csv_and_json_together(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "--format", "csv", "--json")
    assert code == 2 and out == ""
    assert err == "claude-tray: --format csv and --json disagree: give one of them\n"


def test_doctor_counts_agree_with_their_nouns(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write("one", assistant("one", "2026-11-18T10:00:00Z", "m1", input=10, output=10))
    code, out, _ = run(capsys, "doctor")
    assert code == 0
    ledger = next(line for line in out.splitlines() if line.startswith("Ledger:"))
    assert ledger.endswith(" bytes, 1 message, 1 session)"), ledger


def test_hooks_status_from_the_home_folder_lists_each_file_once(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
) -> None:
    monkeypatch.delenv("CLAUDE_CONFIG_DIR")
    monkeypatch.chdir(isolated_home)
    code, out, _ = run(capsys, "hooks", "status", "--json")
    assert code == 0
    paths = [item["path"] for item in json.loads(out)["files"]]
    assert len(paths) == len(set(paths))
    home_file = str(isolated_home / ".claude" / "settings.json")
    (item,) = [i for i in json.loads(out)["files"] if i["path"] == home_file]
    assert item["scope"] == "user" and item["alsoScopes"] == ["project"]
    code, out, _ = run(capsys, "hooks", "status")
    assert f"{home_file} (also the project file here)" in out


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_help_is_laid_out_for_the_terminal_s_width(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """The parser's formatter asks for the width only when it prints (`cli.main._Formatter`):
    the same text as argparse's own formatter gives at that width."""
    import argparse

    from claude_tray.cli.main import build_parser

    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit):
        main(["today", "--help"])
    printed = capsys.readouterr().out
    parser = build_parser(["today"])
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    today = commands.choices["today"]
    assert today.format_help() == printed
    today.formatter_class = argparse.HelpFormatter
    assert today.format_help() == printed
    assert (len(printed.splitlines()[0]) > 80) == (columns == 200)  # one usage line when wide


PLAIN = [[command, *flags] for command in PLAIN_COMMANDS for flags in ([], ["--json"])] + [
    ["--json", command] for command in PLAIN_COMMANDS
]


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_a_plain_command_line_is_read_as_the_parser_reads_it(argv: list[str]) -> None:
    """`today`, `status` (with or without `--json`) are read without building the parser: what
    the command gets is what the parser would give it, option by option."""
    parsed = build_parser(argv).parse_args(argv)
    assert vars(_plain_args(argv)) == vars(parsed)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["today", "--debug"],
        ["today", "--json", "--json"],
        ["today", "--timezone", "UTC"],
        ["today", "--machine", "a"],
        ["status", "-h"],
        ["today", "extra"],
        ["daily", "--json"],
        ["--json"],
        ["today", "--js"],  # argparse takes a prefix of an option: it decides
    ],
    ids=" ".join,
)
def test_any_other_command_line_goes_through_the_parser(argv: list[str]) -> None:
    assert _plain_args(argv) is None


ENTRY = """
import atexit, sys
{before}
atexit.register(lambda: print("teardown", file=sys.stderr))
from claude_tray.cli.main import main
sys.exit(main())
"""


def entry(before: str) -> subprocess.CompletedProcess[str]:
    """`today --json` as the process's own command line, with `before` run first."""
    return subprocess.run(
        [sys.executable, "-c", ENTRY.format(before=before), "today", "--json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


@pytest.mark.parametrize(
    ("before", "teardown"), [("", False), ("import threading", True), ("import logging", True)]
)
def test_a_plain_command_s_process_ends_without_python_s_teardown(
    claude: ClaudeData, tray_home: Path, before: str, teardown: bool
) -> None:
    """The process of a plain `today --json` ends once its output is flushed, without Python's
    teardown (no exit hook runs); not when a module whose work that teardown finishes was
    loaded (threads, log handlers...). Its output and exit code are the same either way."""
    moment = datetime.fromtimestamp(NOW - 60, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    claude.write("s1", assistant("s1", moment, "m1", input=1000, output=50))
    for _ in range(2):  # a first read, then a warm run
        done = entry(before)
        assert done.returncode == 0
        assert json.loads(done.stdout)["totalTokens"] == 1050
        assert done.stderr == ("teardown\n" if teardown else "")
    (tray_home / "config.toml").write_text("timezone = 5\n")  # a command that fails: exit 2
    done = entry(before)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("claude-tray: ")
    assert done.stderr.endswith("teardown\n" if teardown else "\n")


def test_a_plain_command_started_without_stderr_still_ends_well(claude: ClaudeData) -> None:
    """A process started with no stderr (closed: `sys.stderr` is None) ends as before."""
    moment = datetime.fromtimestamp(NOW - 60, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    claude.write("s1", assistant("s1", moment, "m1", input=1000, output=50))
    done = entry("sys.stderr = None")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totalTokens"] == 1050  # (an exit hook would print here)
