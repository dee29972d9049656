"""Numbers and times are checked where they are read: an implausible one is skipped and counted
with its reason and file, and never stops a command or stretches a range view."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.core.bounds import EARLIEST, MAX_TOKENS
from claude_tray.core.records import CompactBoundary, Response, Skipped, SkipReason
from claude_tray.engine.decode import decode_line
from tests.transcripts import ClaudeData, assistant, compact

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
LATEST = NOW + 86_400
GOOD = dict(input=100, output=200, cache_read=1000)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj).encode()


def raw_usage(**counts: object) -> bytes:
    obj = assistant("s", "2026-11-20T09:00:00Z", "m1", input=1)
    obj["message"]["usage"] = counts
    return line(obj)


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ({"input_tokens": 2**63}, SkipReason.TOKENS_TOO_LARGE),
        ({"output_tokens": 2**70}, SkipReason.TOKENS_TOO_LARGE),
        ({"cache_read_input_tokens": MAX_TOKENS + 1}, SkipReason.TOKENS_TOO_LARGE),
        ({"input_tokens": 1e300}, SkipReason.TOKENS_TOO_LARGE),
        ({"input_tokens": -1}, SkipReason.BAD_TOKENS),
        ({"input_tokens": 1.5}, SkipReason.BAD_TOKENS),
        ({"input_tokens": True}, SkipReason.BAD_TOKENS),
    ],
)
def test_a_token_count_out_of_range_skips_the_line(counts: dict[str, object], reason: str) -> None:
    with pytest.raises(Skipped) as skipped:
        decode_line(raw_usage(**counts), LATEST)
    assert skipped.value.reason == reason


def test_a_number_beyond_a_double_is_skipped_as_not_finite() -> None:
    data = raw_usage(input_tokens=1).replace(b'"input_tokens": 1', b'"input_tokens": 1e400')
    assert b"1e400" in data
    with pytest.raises(Skipped) as skipped:
        decode_line(data, LATEST)
    assert skipped.value.reason == SkipReason.NOT_FINITE


def test_the_largest_plausible_count_is_kept() -> None:
    record = decode_line(raw_usage(input_tokens=MAX_TOKENS, output_tokens=MAX_TOKENS), LATEST)
    assert isinstance(record, Response)
    assert record.tokens.input == MAX_TOKENS


@pytest.mark.parametrize(
    "ts",
    [
        "9999-12-31T23:59:59Z",
        "2026-11-21T12:00:01Z",  # a day and a second after now
        "1970-01-01T00:00:00Z",
        "2022-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_an_implausible_timestamp_skips_the_line(ts: str) -> None:
    with pytest.raises(Skipped) as skipped:
        decode_line(line(assistant("s", ts, "m1", input=1)), LATEST)
    assert skipped.value.reason in (SkipReason.IMPLAUSIBLE_TIME, SkipReason.BAD_TIMESTAMP)


def test_the_edges_of_the_window_are_kept() -> None:
    first = datetime.fromtimestamp(EARLIEST, UTC).isoformat()
    last = datetime.fromtimestamp(LATEST, UTC).isoformat()
    for ts in (first, last):
        record = decode_line(line(assistant("s", ts, "m1", input=1)), LATEST)
        assert isinstance(record, Response)


@pytest.mark.parametrize(
    ("ts", "post"),
    [("9999-01-01T00:00:00Z", 1000), ("2026-11-20T09:00:00Z", 2**64), ("2026-11-20T09:00:00Z", -5)],
)
def test_a_compact_boundary_with_implausible_values_is_skipped(ts: str, post: int) -> None:
    with pytest.raises(Skipped):
        decode_line(line(compact("s", ts, post)), LATEST)
    ok = decode_line(line(compact("s", "2026-11-20T09:00:00Z", 1000)), LATEST)
    assert isinstance(ok, CompactBoundary) and ok.post_tokens == 1000


def write_hostile_history(claude: ClaudeData) -> Path:
    good = assistant("a", "2026-11-20T09:00:00Z", "m1", **GOOD)
    huge = assistant("a", "2026-11-20T09:01:00Z", "m2", input=1)
    huge["message"]["usage"]["input_tokens"] = 2**63  # beyond SQLite's 64-bit integer
    future = assistant("a", "9999-12-31T00:00:00Z", "m3", input=7)
    past = assistant("a", "0001-01-02T00:00:00Z", "m4", input=7)
    bad_compact = compact("a", "2026-11-20T09:02:00Z", 2**80)
    return claude.write("a", good, huge, future, past, bad_compact)


def test_hostile_values_never_stop_a_command_and_doctor_names_them(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    path = write_hostile_history(claude)
    # A second file with only good lines: its totals are counted in the same pass.
    claude.write("b", assistant("b", "2026-11-20T10:00:00Z", "m9", **GOOD))
    today = run_json(capsys, "today")
    assert today["inputTokens"] == 200
    assert today["outputTokens"] == 400
    for command in ("daily", "weekly", "monthly", "sessions", "status"):
        run_json(capsys, command)
    daily = run_json(capsys, "daily")["daily"]
    assert [d["date"] for d in daily] == ["2026-11-20"]
    assert main(["export", "--by", "day"]) == 0
    csv = capsys.readouterr().out
    assert csv.count("\n") == 2  # the header and one day
    report = run_json(capsys, "doctor")
    reasons = {(s["path"], s["reason"]): s["count"] for s in report["skipped"]}
    assert reasons == {
        (str(path), SkipReason.TOKENS_TOO_LARGE.value): 2,
        (str(path), SkipReason.IMPLAUSIBLE_TIME.value): 2,
    }


def test_range_views_are_bounded_by_plausible_rows_of_an_older_ledger(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, tray_home: Path
) -> None:
    claude.write("a", assistant("a", "2026-11-20T09:00:00Z", "m1", **GOOD))
    run_json(capsys, "today")
    ledgers = list(tray_home.rglob("ledger.sqlite3"))
    assert len(ledgers) == 1
    with sqlite3.connect(ledgers[0]) as db:  # rows an older version let in
        row = db.execute("SELECT * FROM messages").fetchone()
        for key, ts in ((1, 253_402_000_000.0), (2, 1.0)):
            values = (None, key, ts, *row[3:])
            db.execute(f"INSERT INTO messages VALUES ({', '.join('?' * len(row))})", values)
    for command in ("daily", "weekly", "monthly"):
        rows = run_json(capsys, command)[command]
        assert len(rows) == 1, command
    assert main(["export", "--by", "day"]) == 0
    assert capsys.readouterr().out.count("\n") == 2
