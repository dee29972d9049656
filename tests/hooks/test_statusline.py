"""`claude-tray statusline`: what it records from each Claude Code generation, the one line it
prints, chaining the user's own status line, and what `sessions` and `status` make of it."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from claude_tray.cli.main import main
from claude_tray.core.levels import BudgetLevel, Level, Thresholds, level_for
from claude_tray.core.periods import day_period
from claude_tray.core.snapshot import Spend
from claude_tray.core.tokens import Tokens
from claude_tray.hooks.hook_settings import settings_from_config
from claude_tray.hooks.statusline import _level_label
from claude_tray.storage.budget_state import write_budget_state
from claude_tray.storage.config import Config
from claude_tray.storage.paths import AppDirs, app_paths
from tests.hooks import payloads
from tests.hooks.conftest import Result, facts_of, hooks_log, state_of, write_config
from tests.transcripts import ClaudeData, assistant

Call = Callable[..., Result]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
SID = payloads.SESSION
ESC = "\x1b["


@pytest.fixture(autouse=True)
def fixed_now_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    monkeypatch.setenv("NO_COLOR", "1")


def line(result: Result) -> str:
    assert result.code == 0
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    return result.stdout[:-1]


def test_old_versions_give_model_and_cost_only(statusline: Call, paths: AppDirs) -> None:
    assert line(statusline(payloads.status_old())) == "Sonnet 4"
    record = state_of(paths, SID)["statusline"]
    assert record == {
        "at": NOW,
        "model": {"id": "claude-sonnet-4-20250514", "display_name": "Sonnet 4"},
        "cost": {"total_cost_usd": 0.42, "total_duration_ms": 120000},
        "version": "1.0.88",
    }
    facts = facts_of(app_paths(), SID)
    assert (facts.context_percent, facts.context_window, facts.five_hour) == (None, None, None)


def test_middle_versions_give_the_window_and_usage(statusline: Call, paths: AppDirs) -> None:
    text = line(statusline(payloads.status_middle(tokens=150_000)))
    assert text == "Sonnet 4.5 · ctx 75%"
    window = state_of(paths, SID)["statusline"]["context_window"]
    assert "used_percentage" not in window
    assert window["context_window_size"] == 200_000
    facts = facts_of(app_paths(), SID)
    assert (facts.context_tokens, facts.context_window, facts.context_percent) == (
        150_000,
        200_000,
        None,
    )


def test_new_versions_give_percent_and_plan_limits(statusline: Call, paths: AppDirs) -> None:
    text = line(statusline(payloads.status_new(percent=72, five_hour=40, seven_day=12)))
    assert text == "Opus 4.5 · ctx 72% · 5h 40%"
    record = state_of(paths, SID)["statusline"]
    assert record["context_window"]["used_percentage"] == 72
    assert record["rate_limits"] == {
        "five_hour": {"used_percentage": 40, "resets_at": 4_102_444_800},
        "seven_day": {"used_percentage": 12, "resets_at": 4_102_531_200},
    }
    assert record["version"] == "2.1.90" and record["exceeds_200k_tokens"] is False
    facts = facts_of(app_paths(), SID)
    assert facts.context_percent == 72.0
    assert facts.five_hour is not None and facts.five_hour.used_percent == 40.0
    assert facts.seven_day is not None and facts.seven_day.resets_at == 4_102_531_200.0


def test_fields_that_disappear_are_not_kept(statusline: Call, paths: AppDirs) -> None:
    statusline(payloads.status_new(five_hour=50))
    statusline(payloads.status_new(five_hour=None, seven_day=None))
    assert "rate_limits" not in state_of(paths, SID)["statusline"]


def test_today_comes_from_the_budget_state(statusline: Call) -> None:
    today = Spend("today", day_period(NOW, UTC), Tokens(), 3.42, 0, 10.0, BudgetLevel.OK)
    write_budget_state(app_paths(), today, NOW - 10)
    assert (
        line(statusline(payloads.status_new())) == "Opus 4.5 · ctx 72% · today $3.42/$10 · 5h 40%"
    )
    yesterday = Spend(
        "today", day_period(NOW - 86_400, UTC), Tokens(), 9.0, 0, None, BudgetLevel.OK
    )
    write_budget_state(app_paths(), yesterday, NOW - 86_400)
    assert "today" not in line(statusline(payloads.status_new()))


def test_a_paused_session_says_so_only_where_the_pause_holds(
    statusline: Call, hook: Callable[[dict[str, object]], Result], paths: AppDirs
) -> None:
    """ "paused" means the gate refuses the next prompt: our hooks run in the session and
    `[auto_pause] enforce` is on. Otherwise the pause mark is kept, and the line shows the level."""
    unheld = "Opus 4.5 · ctx 93% · 5h 40%"
    assert line(statusline(payloads.status_new(percent=93))) == unheld  # no hook ran here yet
    assert state_of(paths, SID)["pause"]["paused"] is True  # the mark is kept all the same
    hook(payloads.user_prompt_submit())
    assert line(statusline(payloads.status_new(percent=93))) == (
        "Opus 4.5 · ctx 93% · paused · 5h 40%"
    )
    write_config("[auto_pause]\nenforce = false\n")
    assert line(statusline(payloads.status_new(percent=93))) == unheld


def test_colour_by_level_unless_no_color(statusline: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    coloured = line(statusline(payloads.status_new(percent=86, five_hour=96)))
    assert f"ctx {ESC}33;1m86%{ESC}0m" in coloured  # warning
    assert f"5h {ESC}31;1m96%{ESC}0m" in coloured  # past the last notify mark
    assert line(statusline(payloads.status_new(percent=50))).count(ESC) == 2  # ok: green
    write_config("[statusline]\ncolor = false\n")
    assert ESC not in line(statusline(payloads.status_new(percent=86)))


def test_the_format_is_configurable(statusline: Call, tmp_path: Path) -> None:
    write_config(
        '[statusline]\nformat = "{project} | {tokens} | 7d {seven_day} until '
        '{seven_day_reset} | {category} | v{version}"\nseparator = " | "\n'
        '[categories]\n"/home/u/**" = "home"\n'
    )
    text = line(statusline(payloads.status_new(percent=50, size=1_000_000)))
    assert text == "app | 500k/1M | 7d 12% until Sat 00:00 | home | v2.1.90"


def test_one_line_whatever_the_names_hold(statusline: Call) -> None:
    payload = payloads.status_new()
    payload["model"]["display_name"] = "Opus\n4.5\x1b[2J"
    text = line(statusline(payload))
    assert "\x1b" not in text and text.startswith("Opus 4.5")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"", "claude-tray"),
        (b"{not json", "claude-tray"),
        (b"[]", "claude-tray"),
        (json.dumps({"model": {"display_name": "Haiku 4.5"}}).encode(), "Haiku 4.5"),
    ],
)
def test_it_never_fails(statusline: Call, raw: bytes, shown: str) -> None:
    assert line(statusline(raw)) == shown


def test_the_id_names_the_model_when_no_name_is_sent(statusline: Call) -> None:
    payload = payloads.status_new()
    del payload["model"]["display_name"]
    assert line(statusline(payload)).startswith("Opus 4.5 · ")


# -- chaining the user's own status line --------------------------------------------------------


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "their statusline.py"
    path.write_text(body)
    return f"{sys.executable} '{path}'"


def test_chained_theirs_gets_the_same_input_and_is_shown(
    statusline: Call, tmp_path: Path, paths: AppDirs
) -> None:
    theirs = script(
        tmp_path,
        "import json, sys\nd = json.load(sys.stdin)\n"
        "print('mine:', d['model']['display_name'], d['session_id'])\n"
        "print('second line')\n",
    )
    result = statusline(payloads.status_new(percent=92), then=theirs)
    assert result.stdout == f"mine: Opus 4.5 {SID}\nsecond line\n"
    assert state_of(paths, SID)["pause"]["paused"] is True  # ours recorded it all the same


@pytest.mark.parametrize("body", ["import sys\nsys.exit(3)\n", "pass\n"])
def test_when_theirs_fails_ours_is_shown(statusline: Call, tmp_path: Path, body: str) -> None:
    result = statusline(payloads.status_new(), then=script(tmp_path, body))
    assert line(result) == "Opus 4.5 · ctx 72% · 5h 40%"


def test_a_slow_status_line_of_theirs_is_cut_short(statusline: Call, tmp_path: Path) -> None:
    started = time.monotonic()
    result = statusline(
        payloads.status_new(), then=script(tmp_path, "import time\ntime.sleep(30)\nprint('late')\n")
    )
    assert line(result) == "Opus 4.5 · ctx 72% · 5h 40%"
    assert time.monotonic() - started < 15  # the timeout, not the script's 30 s


# -- what the CLI shows -------------------------------------------------------------------------


def transcript_at(claude: ClaudeData, seconds_ago: float, tokens: int) -> None:
    stamp = datetime.fromtimestamp(NOW - seconds_ago, UTC).isoformat().replace("+00:00", "Z")
    claude.write(
        SID, assistant(SID, stamp, f"m-{seconds_ago}", input=10, cache_read=tokens - 10, output=50)
    )


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_sessions_prefer_the_fresh_status_line(
    statusline: Call, claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript_at(claude, 60, 120_000)
    (before,) = cli_json(capsys, "sessions")["sessions"]
    assert (before["contextSource"], before["contextPercent"]) == ("transcript", 60.0)
    statusline(payloads.status_new(percent=31.5, size=1_000_000))
    (after,) = cli_json(capsys, "sessions")["sessions"]
    assert after["contextSource"] == "statusline"
    assert (after["contextPercent"], after["contextWindow"]) == (31.5, 1_000_000)


def test_status_json_gives_the_newest_plan_limits(
    statusline: Call,
    claude: ClaudeData,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transcript_at(claude, 60, 100_000)
    assert "limits" not in cli_json(capsys, "status")
    statusline(payloads.status_old())
    assert "limits" not in cli_json(capsys, "status")
    statusline(payloads.status_new(five_hour=40, seven_day=12, resets_at=int(NOW) + 3600))
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW + 5))
    statusline(
        payloads.status_new(
            session="other", five_hour=55, seven_day=None, resets_at=int(NOW) + 3600
        )
    )
    limits = cli_json(capsys, "status")["limits"]
    assert limits == {
        "fiveHour": {"usedPercent": 55.0, "resetsAt": "2026-11-20T13:00:00+00:00"},
        "sevenDay": {"usedPercent": 12.0, "resetsAt": "2026-11-21T13:00:00+00:00"},
    }
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW + 7200))  # the five-hour window has reset
    assert set(cli_json(capsys, "status")["limits"]) == {"sevenDay"}


def test_status_writes_the_budget_state_the_hooks_read(
    claude: ClaudeData, tray_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config("[budgets]\ndaily = 1.0\n")
    transcript_at(claude, 60, 100_000)
    cli_json(capsys, "status")
    record = json.loads((tray_home / "state" / "budget.json").read_text())
    assert record["date"] == "2026-11-20" and record["budget"] == 1.0
    assert record["cost"] > 0
    assert hooks_log() == ""


def test_a_stale_figure_right_after_compact_does_not_pause_again(
    statusline: Call, hook: Callable[[dict[str, object]], Result], paths: AppDirs, tmp_path: Path
) -> None:
    """Seen with the real client (2.1.90 and 2.1.197): 136 ms after PostCompact lifted the pause,
    a status-line call still carried the usage of the last call before /compact (92%). Until the
    model answers again (a response after the compact boundary) that figure is stale."""
    from tests.transcripts import compact

    claude = ClaudeData(tmp_path / "claude")
    session = payloads.SESSION
    big = {"input": 4_000, "cache_read": 180_000, "output": 300}

    def iso(moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    transcript = claude.write(session, assistant(session, iso(NOW - 120), "m1", **big))

    def status(percent: float) -> Result:
        payload = payloads.status_new(percent=percent)
        payload["transcript_path"] = str(transcript)
        return statusline(payload)

    def compaction(event: dict[str, object]) -> Result:
        return hook({**event, "transcript_path": str(transcript)})

    compaction(payloads.session_start())  # our hooks run in the session: a pause holds it
    assert "paused" in line(status(92))
    compaction(payloads.pre_compact(trigger="manual"))
    compaction(payloads.post_compact(trigger="manual"))
    assert state_of(paths, session)["pause"]["paused"] is False
    # the stale figure, before the compact boundary reaches the file and after, as often as
    # Claude Code repeats it
    assert "paused" not in line(status(92))
    claude.append(transcript, compact(session, iso(NOW - 60), post=21_000))
    for _ in range(2):
        assert "paused" not in line(status(92))
    assert state_of(paths, session)["pause"]["paused"] is False
    # the model answers again and the context is really back at 92%: paused again
    claude.append(transcript, assistant(session, iso(NOW + 60), "m2", **big))
    assert "paused" in line(status(92))
    assert state_of(paths, session)["pause"]["paused"] is True


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("{}_ab1é٣·x -")) | st.characters(), max_size=30))
def test_placeholders_are_what_the_regex_finds(text: str) -> None:
    """The line's `{name}` parts are found without `re` (not loaded on every call), exactly as
    `\\{(\\w+)\\}` finds them."""
    import re

    from claude_tray.hooks.statusline import placeholders

    expected = [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"\{(\w+)\}", text)]
    assert list(placeholders(text)) == expected


@settings(max_examples=300)
@given(
    st.lists(st.integers(1, 100), min_size=4, max_size=4).map(sorted),
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 105).map(float),
)
@example([70, 85, 90, 95], float("nan"))
@example([70, 85, 90, 95], float("inf"))
@example([50, 80, 80, 99], 80.0)  # equal starts: the higher level
@example([70, 85, 90, 95], 69.99)
def test_the_context_s_colour_is_its_level_on_the_one_scale(
    starts: list[int], percent: float
) -> None:
    """The status line colours the context by its level without loading `core.levels` (its enum
    costs every call a few ms): the highest level whose start the percentage reached (ok for no
    number), for any rising thresholds; `level_for` places it on the same scale."""
    caution, warning, pause, critical = (float(v) for v in starts)
    thresholds = Thresholds(caution, warning, pause, critical)
    reached = [level for level, start in thresholds.starts() if percent >= start]
    expected = reached[0] if reached else Level.OK
    config = Config()
    context = config.context._replace(
        caution=caution, warning=warning, pause=pause, critical=critical
    )
    rules = settings_from_config(config._replace(context=context), "config.toml")
    assert _level_label(percent, rules) == expected.label == expected.name.lower()
    assert level_for(percent, thresholds) is expected
