"""Today first: today's figures and the live sessions from the transcripts modified today, exact;
the rest of the history read later (in one pass, in slices, newest first) leaves the ledger as one
full pass would.

The histories here hold the traps: a resumed session whose new file (modified today) copies old
lines, one of them a smaller streamed copy whose largest copy lives only in the old file; a tie
between an original and its copy (the session it is credited to must not depend on the order of
reading); a session running across midnight (a file modified today holding yesterday's lines); a
subagent file of a live session not touched today; a session active late yesterday.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace, today_since
from claude_tray.storage.ledger import Ledger
from tests.tools import Passes
from tests.transcripts import ClaudeData, assistant, user

UTC = UTC
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC).timestamp()


def ts(day: int, hour: int, minute: int = 0, second: float = 0.0) -> str:
    moment = datetime(2026, 11, day, hour, minute, int(second), tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{int(second % 1 * 1000):03d}Z"


def touch(path: Path, day: int, hour: int, minute: int = 0) -> None:
    moment = datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))


def with_session(line: dict[str, Any], session: str) -> dict[str, Any]:
    return {**line, "sessionId": session}


def history(claude: ClaudeData) -> None:
    """The traps above, on disk, with the modification times they would have."""
    m1_small = assistant("orig", ts(17, 10, 0, 1), "m1", input=4, output=5, cache_read=900)
    m1_big = assistant("orig", ts(17, 10, 0, 2), "m1", input=4, output=50, cache_read=900)
    m2 = assistant("orig", ts(17, 11), "m2", input=7, output=70, cache_write=300)
    orig = claude.write("orig", user("orig", ts(17, 9, 59)), m1_small, m1_big, m2)
    touch(orig, 17, 12)
    sub = claude.subagent("orig", "a1")
    claude.append(sub, assistant("orig", ts(17, 10, 30), "m3", sidechain=True, output=30))
    touch(sub, 17, 11)
    # Resumed today: a new file that starts with copies (the small copy of m1 only, all of m2).
    resumed = claude.write(
        "resumed",
        with_session(m1_small, "resumed"),
        with_session(m2, "resumed"),
        user("resumed", ts(20, 13)),
        assistant("resumed", ts(20, 13, 0, 5), "m4", input=9, output=90, cache_read=1000),
        assistant("resumed", ts(20, 13, 1), None, request_id=None, input=1, output=11),
    )
    touch(resumed, 20, 13, 2)
    # Across midnight: yesterday's and today's lines in a file modified today.
    cross = claude.write(
        "cross",
        assistant("cross", ts(19, 23, 50), "m5", model="claude-sonnet-4-5", input=3, output=33),
        assistant("cross", ts(20, 0, 10), "m6", model="claude-sonnet-4-5", input=2, output=6),
        assistant("cross", ts(20, 0, 10, 0.5), "m6", model="claude-sonnet-4-5", input=2, output=60),
        assistant("cross", ts(20, 14, 30), "m7", model="claude-sonnet-4-5", cache_read=150_000),
    )
    touch(cross, 20, 14, 31)
    cross_sub = claude.subagent("cross", "b2")
    claude.append(cross_sub, assistant("cross", ts(19, 23, 40), "m8", sidechain=True, output=8))
    touch(cross_sub, 19, 23, 41)
    # Active late yesterday (within the recent-sessions window), not since.
    late = claude.write("late", assistant("late", ts(20, 3), "m9", input=5, output=9))
    touch(late, 20, 3, 1)
    older = claude.write("older", assistant("older", ts(10, 8), "m10", input=1, output=100))
    touch(older, 10, 9)


def ledger_rows(workspace: Workspace) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    messages = workspace.ledger.query(
        "SELECT key, ts, session, project, model, input, output, cache_write_5m, cache_write_1h,"
        " cache_read, total, sidechain, fast, long FROM messages ORDER BY key"
    )
    sessions = workspace.ledger.query("SELECT * FROM sessions ORDER BY session")
    return messages, sessions


def rollup(workspace: Workspace) -> list[tuple[object, ...]]:
    return workspace.ledger.query("SELECT * FROM slots ORDER BY 1, 2, 3, 4, 5, 6")


def figures(workspace: Workspace, clock: Clock) -> dict[str, Any]:
    snap = workspace.snapshot(clock, {})
    return {
        "today": (snap.today.tokens, snap.today.cost, snap.today.by_model, snap.today.by_project),
        "live": [
            (s.session_id, s.model, s.context_tokens, s.context_percent, s.level, s.last_activity)
            for s in snap.sessions
        ],
        # What the snapshot knows of every recent session (a first line in a subagent file not
        # touched today aside: no view shows it).
        "recent": [
            mark._replace(first_ts=0.0)
            for mark in workspace.ledger.sessions(since=clock.now - 12 * 3600)
        ],
    }


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW, UTC)


@pytest.fixture
def full(tmp_path: Path, claude: ClaudeData) -> Iterator[Workspace]:
    """The reference: one full pass over the same history, in a ledger of its own."""
    history(claude)
    workspace = Workspace.open()
    workspace.ledger.close()
    workspace.ledger = Ledger(tmp_path / "reference" / "ledger.sqlite3")
    workspace.refresh()
    yield workspace
    workspace.close()


@pytest.fixture
def ws(full: Workspace) -> Iterator[Workspace]:
    workspace = Workspace.open()
    yield workspace
    workspace.close()


def test_today_from_todays_files_equals_a_full_read(
    full: Workspace, ws: Workspace, clock: Clock
) -> None:
    stats = ws.refresh_today(clock)
    read = {Path(path).stem for (path,) in ws.ledger.query("SELECT path FROM files")}
    assert read == {"resumed", "cross", "late"}  # the old files were not opened
    assert stats.unread_files == 4
    reference = figures(full, clock)
    assert figures(ws, clock) == reference
    assert reference["today"][0].total > 0
    assert [row[0] for row in reference["live"]] == ["cross"]
    assert {mark.session for mark in reference["recent"]} == {"cross", "resumed", "late"}
    snap = ws.snapshot(clock, {})
    assert snap.complete_since is not None and snap.is_complete(snap.today)
    assert not snap.is_complete(snap.month)  # the 17th and the 10th are not read yet
    assert snap.history_read is not None and 0 < snap.history_read < 1


def test_a_snapshot_without_sessions_has_the_same_spends(full: Workspace, clock: Clock) -> None:
    """`today` asks for the periods' spends only: the same figures, no session query."""
    whole = full.snapshot(clock, {})
    spends = full.snapshot(clock, with_sessions=False)
    assert [s.session_id for s in whole.sessions] == ["cross"]
    assert spends.sessions == () and spends.limits == ()
    assert (spends.today, spends.week, spends.month) == (whole.today, whole.week, whole.month)
    assert spends.today.cost > 0 and spends.month.cost > spends.today.cost


def test_the_rest_read_later_leaves_the_ledger_as_one_full_pass(
    full: Workspace, ws: Workspace, clock: Clock
) -> None:
    ws.refresh_today(clock)
    # The tie: m2's copy in the resumed file was read first, yet the original's session keeps it.
    assert ws.ledger.query("SELECT session FROM messages WHERE output = 70") == [("resumed",)]
    ws.refresh()
    assert ledger_rows(ws) == ledger_rows(full)
    assert rollup(ws) == rollup(full)
    assert ws.ledger.query("SELECT session FROM messages WHERE output = 70") == [("orig",)]
    assert ws.ledger.query("SELECT output FROM messages WHERE output IN (5, 50)") == [(50,)]
    snap = ws.snapshot(clock, {})
    assert snap.complete_since is None and snap.history_read is None
    assert figures(ws, clock) == figures(full, clock)


def test_the_rest_in_slices_newest_first_with_appends_between(
    full: Workspace, ws: Workspace, clock: Clock, claude: ClaudeData
) -> None:
    """The tray's way: today first, then slices of at most one file, while a live session
    grows; at the end the same ledger as a full pass over the same files."""
    ws.refresh_today(clock)
    line = assistant("cross", ts(20, 14, 40), "m11", model="claude-sonnet-4-5", output=7)
    passes = 0
    while ws.backlog is not None:
        ws.refresh(budget_s=0.0)
        passes += 1
        if passes == 2:
            claude.write("cross", line)
            ws.refresh(only=[claude.transcript("cross")])
    assert passes == 4  # one file per slice
    full.refresh()
    assert ledger_rows(ws) == ledger_rows(full)
    assert rollup(ws) == rollup(full)


def test_the_backlog_in_slices_without_walking_again(
    full: Workspace, ws: Workspace, clock: Clock
) -> None:
    """The tray's slices: the files left unread, newest first, named (no walk); the last slice
    confirms with one full pass that nothing is left."""
    ws.refresh_today(clock)
    assert ws.backlog is not None
    left = [Path(path).stem for path, _, _ in ws.backlog.unread]
    assert left == ["agent-b2", "orig", "agent-a1", "older"]  # newest first
    shares = []
    while ws.backlog is not None:
        assert ws.refresh_backlog(budget_s=0.0) is not None
        shares.append(ws.history_read())
    assert shares == [*sorted(s for s in shares if s is not None), None]
    assert len(shares) == 5  # four files, one each, then the confirming pass
    assert ws.refresh_backlog(budget_s=0.0) is None
    assert ledger_rows(ws) == ledger_rows(full)
    assert rollup(ws) == rollup(full)


def test_an_interrupted_first_read_then_today(full: Workspace, ws: Workspace, clock: Clock) -> None:
    """A first full read cut short (oldest files read), then today first, then the rest."""
    ws.refresh(budget_s=0.0)
    ws.refresh(budget_s=0.0)
    ws.refresh_today(clock)
    assert figures(ws, clock) == figures(full, clock)
    ws.refresh()
    assert ledger_rows(ws) == ledger_rows(full)


def test_the_rest_read_by_a_cli_beside_the_tray_is_no_bulk_load(
    full: Workspace, ws: Workspace, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `daily` run while the tray's today-first rows are in the ledger reads the rest with the
    indexes and rollup triggers in place: the tray (and its history reader) write beside it and
    must never meet a ledger without them. Only an empty ledger is loaded in bulk."""
    from claude_tray.engine import ingest

    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 1)  # this small history counts as large
    bulks: list[bool] = []
    batch = Ledger.batch

    def noting(ledger: Ledger, bulk: bool = False, low_memory: bool = False) -> Any:
        bulks.append(bulk)
        return batch(ledger, bulk=bulk, low_memory=low_memory)

    monkeypatch.setattr(Ledger, "batch", noting)
    ws.refresh_today(clock)
    assert bulks == [True]  # into the empty ledger
    ws.refresh()
    assert bulks == [True, False]  # the rest, beside today's rows
    assert ledger_rows(ws) == ledger_rows(full) and rollup(ws) == rollup(full)


def test_today_since_covers_today_and_the_recent_window(clock: Clock) -> None:
    start_of_today = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
    assert today_since(clock) == start_of_today - 600  # at 15:00: today, less the margin
    early = Clock(start_of_today + 5 * 3600, UTC)  # at 05:00: the last 12 hours
    assert today_since(early) == early.now - 12 * 3600 - 600


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_cli_today_and_status_read_today_first_then_daily_reads_the_rest(
    full: Workspace,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    today = run_json(capsys, "today")
    status = run_json(capsys, "status")
    assert today["budgets"]["week"].get("partial") is True
    assert "partial" not in today["budgets"]["today"]
    assert status["week"].get("partial") is True and "partial" not in status["today"]
    daily = run_json(capsys, "daily")  # reads the rest
    after = run_json(capsys, "status")
    assert "partial" not in after["week"]
    # The reference: the same commands on a ledger that read everything at once.
    monkeypatch.setenv("CLAUDE_TRAY_HOME", str(tmp_path / "second-home"))
    assert run_json(capsys, "daily") == daily
    reference_today = run_json(capsys, "today")
    reference_status = run_json(capsys, "status")
    for key in ("inputTokens", "outputTokens", "totalTokens", "totalCost", "modelBreakdowns"):
        assert today[key] == reference_today[key]
    assert today["budgets"]["today"] == reference_today["budgets"]["today"]
    assert status["today"] == reference_status["today"]
    for name, budget in today["budgets"].items():  # `today` builds them without the sessions
        assert budget == {key: status[name][key] for key in budget}
    assert [s["contextTokens"] for s in status["sessions"]] == [
        s["contextTokens"] for s in reference_status["sessions"]
    ]
    # A live session with lines from before today: its cost may still change, and says so.
    assert [(s["sessionId"], s.get("costPartial")) for s in status["sessions"]] == [("cross", True)]
    assert after == reference_status


# -- the tray: today first, then the rest in the background -------------------------------------


def run_until_the_history_is_read(engine: Any, passes: Any, what: str) -> None:
    """Run the engine until a pass finds the whole history read, then stop it."""
    engine.start()
    try:
        passes.wait(
            lambda: passes.reports and passes.reports[-1].snapshot.history_read is None, what
        )
    finally:
        assert engine.stop(10)


def assert_one_full_pass(tmp_path: Path) -> None:
    """The ledger as it is equals one full pass over the same transcripts (rows and rollup)."""
    with Workspace.open() as done, Ledger(tmp_path / "reference.sqlite3") as reference:
        reference_ws = Workspace(done.paths, done.config, done.prices, reference, done.roots)
        reference_ws.refresh()
        assert ledger_rows(done) == ledger_rows(reference_ws)
        assert rollup(done) == rollup(reference_ws)


def test_the_tray_shows_today_first_then_reads_the_rest_while_live_lines_arrive(
    claude: ClaudeData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first start on a history of many old files: the first published view has today's cost
    and the live session, and the history still unread; the rest is read in slices (progress
    published between them) while an appended line still reaches the view; at the end the
    ledger equals one full pass."""
    import time

    from claude_tray.runtime import engine as engine_module
    from claude_tray.runtime.engine import Engine
    from claude_tray.runtime.hints import Hint, HintKind

    now = time.time()

    def at(seconds_ago: float) -> str:
        moment = datetime.fromtimestamp(now - seconds_ago, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    for n in range(40):  # forty old sessions, one a day
        path = claude.write(
            f"old-{n}",
            assistant(f"old-{n}", at((n + 2) * 86400), f"old-m{n}", input=10, output=100),
        )
        os.utime(path, (now - (n + 2) * 86400 + 60,) * 2)
    live = claude.write("live", assistant("live", at(60), "live-m1", input=5, cache_read=90_000))
    monkeypatch.setattr(engine_module, "SLICE_S", 0.0)  # one file per slice
    monkeypatch.setattr(engine_module, "PUBLISH_EVERY_S", 0.0)
    recorded = Passes()
    passes = recorded.reports

    def wait(condition: Any, what: str) -> None:
        recorded.wait(condition, what, 20.0)

    engine = Engine(lambda view: None, lambda title, body: True, on_pass=recorded)
    engine.start()
    try:
        wait(lambda: passes, "the first pass")
        first = passes[0].snapshot
        assert first.history_read is not None and first.history_read < 0.2
        assert [s.session_id for s in first.sessions] == ["live"]
        assert first.today.tokens.total == 90_005
        assert first.complete_since is not None and first.is_complete(first.today)
        claude.append(live, assistant("live", at(1), "live-m2", input=6, cache_read=95_000))
        engine.hint(Hint(HintKind.TRANSCRIPT, live))
        wait(lambda: passes[-1].snapshot.today.tokens.total == 185_011, "the appended line")
        assert passes[-1].snapshot.history_read is not None  # arrived while reading the rest
        wait(lambda: passes[-1].snapshot.history_read is None, "the rest of the history")
    finally:
        assert engine.stop(10)
    shares = [p.snapshot.history_read for p in passes if p.snapshot.history_read is not None]
    assert len(shares) >= 10 and shares == sorted(shares)  # progress shown, never backwards
    last = passes[-1].snapshot
    assert last.complete_since is None and last.is_complete(last.month)
    assert_one_full_pass(tmp_path)


def test_daily_since_reads_only_what_those_days_need(
    full: Workspace,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    recent = run_json(capsys, "daily", "--since", "2026-11-19")
    with Workspace.open() as ws:
        read = {Path(path).stem for (path,) in ws.ledger.query("SELECT path FROM files")}
    assert read == {"resumed", "cross", "late", "agent-b2"}  # not the 17th's nor the 10th's
    monkeypatch.setenv("CLAUDE_TRAY_HOME", str(tmp_path / "second-home"))
    everything = run_json(capsys, "daily")
    assert recent["daily"] == [d for d in everything["daily"] if d["date"] >= "2026-11-19"]
    assert [d["date"] for d in recent["daily"]] == ["2026-11-19", "2026-11-20"]


# --- the history reader: the rest read by a process of its own --------------------------------


def test_the_history_reader_leaves_the_ledger_as_one_full_pass(
    full: Workspace,
    ws: Workspace,
    clock: Clock,
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the reader process runs, here in-process: today first (the tray), then the rest in
    batches of one file, newest first, each file its own transaction, while a live session grows
    between two batches (the tray writing beside it): the same ledger as one full pass."""
    from claude_tray.engine import history
    from claude_tray.engine.history import HistoryProgress, read_history

    monkeypatch.setattr(history, "BATCH_FILES", 1)
    ws.refresh_today(clock)
    told: list[HistoryProgress] = []
    line = assistant("cross", ts(20, 14, 40), "m11", model="claude-sonnet-4-5", output=7)

    def report(progress: HistoryProgress) -> None:
        told.append(progress)
        if len(told) == 3:  # the tray's live pass, between two of the reader's files
            claude.write("cross", line)
            ws.refresh(only=[claude.transcript("cross")])

    with Ledger(ws.paths.ledger) as ledger:  # the reader's own connection
        final = read_history(ledger, ws.roots, report)
    assert [t.files for t in told] == [0, 1, 2, 3, 4]
    assert [t.read for t in told] == sorted(t.read for t in told)
    assert final.read == final.total > 0 and final.newest_unread_ns is None
    assert told[0].newest_unread_ns is not None
    newest = [t.newest_unread_ns for t in told[:-1]]
    assert newest == sorted((n for n in newest if n is not None), reverse=True)  # newest first
    assert HistoryProgress.from_json(json.loads(json.dumps(final.to_json()))) == final
    full.refresh()
    assert ledger_rows(ws) == ledger_rows(full)
    assert rollup(ws) == rollup(full)
    ws.refresh_today(clock)  # the tray's next full pass confirms: nothing is left
    assert ws.backlog is None


def reader_process(log: Path) -> Any:
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "claude_tray", "read-history"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log.open("wb"),
    )


def read_to_the_end(process: Any) -> list[Any]:
    """Every line the reader says, then its exit (its stdin is held open until then: closing it
    tells the reader that the tray is gone)."""
    assert process.stdout is not None and process.stdin is not None
    lines = [json.loads(text) for text in process.stdout]
    process.wait(timeout=120)
    process.stdin.close()
    return lines


def test_the_reader_process_reads_the_rest_and_says_how_far(
    full: Workspace, ws: Workspace, clock: Clock, tmp_path: Path
) -> None:
    """`claude-tray read-history`, a real process beside the tray's open ledger: a progress line
    after each batch, a done line with its peak memory, exit 0; the ledger as one full pass."""
    ws.refresh_today(clock)
    process = reader_process(tmp_path / "reader.log")
    lines = read_to_the_end(process)
    assert process.returncode == 0, (tmp_path / "reader.log").read_text()
    assert "done" in lines[-1] and all("progress" in line for line in lines[:-1])
    done = lines[-1]["done"]
    assert done["read"] == done["total"] > 0 and done["files"] == 4
    assert done["newest_unread_ns"] is None
    assert done["peak_mb"] is None or done["peak_mb"] > 0
    assert done["priority"].startswith(("nice", "below-normal")) or done["priority"] == ""
    full.refresh()
    assert ledger_rows(ws) == ledger_rows(full)
    assert rollup(ws) == rollup(full)


def test_the_reader_exits_when_the_tray_is_gone_and_leaves_the_ledger_sound(
    full: Workspace, ws: Workspace, clock: Clock, tmp_path: Path
) -> None:
    """The reader waits on the ledger's write lock (another writer holds it): its stdin closed
    (the tray exited or was killed) ends it at once, mid-read, without a row written; the ledger
    is sound, and the next reader reads everything."""
    import sqlite3

    ws.refresh_today(clock)
    before = ledger_rows(ws)
    holder = sqlite3.connect(ws.paths.ledger, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer holding the lock: the reader must wait
    try:
        process = reader_process(tmp_path / "reader.log")
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())  # it planned; now it waits to write
        assert first["progress"]["read"] == 0 and first["progress"]["total"] > 0
        assert process.poll() is None
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(timeout=30) == 3  # orphaned: it stopped reading
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ledger_rows(ws) == before
    assert ws.ledger.query("PRAGMA integrity_check") == [("ok",)]
    again = reader_process(tmp_path / "again.log")
    read_to_the_end(again)
    assert again.returncode == 0
    full.refresh()
    assert ledger_rows(ws) == ledger_rows(full)


def old_history_and_a_live_session(claude: ClaudeData, now: float, old: int = 40) -> Path:
    """`old` sessions, one a day before yesterday, and a live one; returns the live file."""

    def at(seconds_ago: float) -> str:
        moment = datetime.fromtimestamp(now - seconds_ago, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    for n in range(old):
        path = claude.write(
            f"old-{n}",
            assistant(f"old-{n}", at((n + 2) * 86400), f"old-m{n}", input=10, output=100),
        )
        os.utime(path, (now - (n + 2) * 86400 + 60,) * 2)
    return claude.write("live", assistant("live", at(60), "live-m1", input=5, cache_read=90_000))


def reader_starter(tmp_path: Path, command: list[str] | None = None) -> Any:
    import sys

    from claude_tray.runtime.history_reader import ReaderProcess

    command = command or [sys.executable, "-m", "claude_tray", "read-history"]
    return lambda tell: ReaderProcess.start(command, os.environ, tmp_path / "reader.log", tell)


def test_the_tray_reads_today_and_the_reader_process_reads_the_rest(
    claude: ClaudeData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first start with a history reader: the engine (the tray's process) reads today's and the
    live files only; the old ones are read by the reader process, whose progress is published and
    never goes backwards; a line appended meanwhile reaches the view; at the end one full pass."""
    import time

    from claude_tray.engine import read as read_module
    from claude_tray.runtime import engine as engine_module
    from claude_tray.runtime.engine import Engine
    from claude_tray.runtime.hints import Hint, HintKind

    now = time.time()
    live = old_history_and_a_live_session(claude, now)
    read_here: list[str] = []  # what the tray's own process reads
    real_read_file = read_module.read_file

    def spy(
        path: str, start: int, head: tuple[int, int] = (0, 0), chunk: int = read_module.CHUNK
    ) -> Any:
        read_here.append(Path(path).stem)
        return real_read_file(path, start, head, chunk)

    monkeypatch.setattr(read_module, "read_file", spy)
    monkeypatch.setattr(engine_module, "PUBLISH_EVERY_S", 0.0)
    passes = Passes()
    engine = Engine(
        lambda view: None,
        lambda title, body, urgency: True,
        on_pass=passes,
        history_reader=reader_starter(tmp_path),
    )
    engine.start()
    try:
        passes.wait(lambda: passes.reports, "the first pass")
        first = passes.reports[0].snapshot
        assert first.history_read is not None and first.history_read < 0.2
        assert [s.session_id for s in first.sessions] == ["live"]
        assert first.today.tokens.total == 90_005
        stamp = datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        claude.append(live, assistant("live", stamp, "live-m2", input=6, cache_read=95_000))
        engine.hint(Hint(HintKind.TRANSCRIPT, live))
        passes.wait(
            lambda: passes.reports[-1].snapshot.today.tokens.total == 185_011, "the appended line"
        )
        passes.wait(lambda: passes.reports[-1].snapshot.history_read is None, "the rest")
    finally:
        assert engine.stop(10)
    assert set(read_here) == {"live"}, read_here  # never an old file in the tray's process
    assert engine.reader_problem is None
    from claude_tray.storage.paths import app_paths
    from claude_tray.storage.reader_state import load_reader_record

    record = load_reader_record(app_paths())
    assert record is not None and record.code == 0 and record.files == 40
    assert record.read_bytes == record.total_bytes > 0 and not record.in_tray
    shares = [p.snapshot.history_read for p in passes.reports]
    seen = [s for s in shares if s is not None]
    assert seen == sorted(seen) and shares[-1] is None
    last = passes.reports[-1].snapshot
    assert last.complete_since is None and last.is_complete(last.month)
    assert_one_full_pass(tmp_path)


def test_a_reader_that_keeps_failing_leaves_the_tray_to_read_the_rest_itself(
    claude: ClaudeData, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader exits 1 at once, every time: it is started again (`READER_ATTEMPTS` runs in
    all), then the engine reads the rest in slices; why it failed is kept (for the log and
    doctor); the ledger ends as one full pass all the same."""
    import sys
    import time

    from claude_tray.runtime import engine as engine_module
    from claude_tray.runtime.engine import Engine

    old_history_and_a_live_session(claude, time.time(), old=5)
    command = [sys.executable, "-c", "import sys; sys.exit('cannot read: the disk is on fire')"]
    passes = Passes()
    engine = Engine(
        lambda view: None,
        lambda title, body, urgency: True,
        on_pass=passes,
        history_reader=reader_starter(tmp_path, command),
        reader_retry=0.0,
    )
    run_until_the_history_is_read(engine, passes, "the rest")
    assert engine.reader_problem is not None
    assert "exit 1" in engine.reader_problem and "disk is on fire" in engine.reader_problem
    assert engine._reader_runs == engine_module.READER_ATTEMPTS
    assert_one_full_pass(tmp_path)
    # doctor says so
    from claude_tray.cli.main import main

    assert main(["doctor", "--json"]) == 0
    reader = json.loads(capsys.readouterr().out)["ledger"]["historyReader"]
    assert reader["exitCode"] == 1 and reader["readByTheTray"] is True
    assert reader["problem"] == "exit 1: cannot read: the disk is on fire"
    assert main(["doctor"]) == 0
    assert "history reader failed" in capsys.readouterr().out


def test_a_live_line_is_not_held_back_by_a_progress_update_due_later() -> None:
    """The reader's progress schedules a publication at most every `PUBLISH_EVERY_S`; a file
    hint arriving meanwhile is handled after the debounce, not at that later moment (a bug that
    held lines back up to 2 s while the history was read)."""
    from claude_tray.runtime.engine import PUBLISH_EVERY_S, Engine
    from claude_tray.runtime.hints import Hint, HintKind

    now = [100.0]
    engine = Engine(lambda view: None, lambda *args: True, monotonic=lambda: now[0], debounce=0.05)
    engine._pending.due = 99.5 + PUBLISH_EVERY_S  # progress, published half a second ago
    engine._take(Hint(HintKind.TRANSCRIPT, Path("live.jsonl")))
    assert engine._pending.due == pytest.approx(100.05)
    now[0] = 100.03  # a second hint within the debounce does not push the pass back
    engine._take(Hint(HintKind.TRANSCRIPT, Path("other.jsonl")))
    assert engine._pending.due == pytest.approx(100.05)


def test_the_tray_quitting_mid_read_ends_the_reader(claude: ClaudeData, tmp_path: Path) -> None:
    """The reader is held mid-read (another writer holds the ledger's lock, taken before it
    starts); the engine stops (Quit): the reader is ended within the stop, no row of it is
    written, and the next start's reader reads everything: one full pass."""
    import signal
    import sqlite3
    import threading
    import time

    from claude_tray.runtime.engine import Engine
    from claude_tray.storage.paths import app_paths

    old_history_and_a_live_session(claude, time.time(), old=5)
    holders: list[sqlite3.Connection] = []
    started: list[Any] = []
    start = reader_starter(tmp_path)

    def starter(tell: Any) -> Any:
        started.append(start(tell))
        return started[-1]

    def on_pass(report: Any) -> None:
        if not holders:  # on the engine thread, after its first pass, before the reader starts
            holders.append(
                sqlite3.connect(
                    app_paths().ledger, isolation_level=None, timeout=60, check_same_thread=False
                )
            )
            holders[0].execute("BEGIN IMMEDIATE")

    engine = Engine(lambda view: None, lambda *args: True, on_pass=on_pass, history_reader=starter)
    engine.start()
    try:
        from tests.desktop import wait_for

        wait_for(lambda: started, timeout=60, what="the history reader")
        reader = started[0]._process
        assert reader.poll() is None  # it cannot write: it waits for the lock
        stopped: list[bool] = []
        stopper = threading.Thread(target=lambda: stopped.append(engine.stop(60)))
        stopper.start()
        # ended by the stop (its stdin closed: exit 3; killed after STOP_WAIT_S if it was
        # still starting up), while the lock is still held
        wait_for(lambda: reader.poll() is not None, timeout=30, what="the reader to end")
        assert reader.returncode in (3, -signal.SIGKILL)
    finally:
        for holder in holders:  # the engine's own close may now check the ledger
            holder.execute("ROLLBACK")
            holder.close()
    stopper.join(60)
    assert stopped == [True]
    with Workspace.open() as ws:
        read = {Path(p).stem for (p,) in ws.ledger.query("SELECT path FROM files")}
    assert read == {"live"}
    passes = Passes()
    engine = Engine(
        lambda view: None,
        lambda *args: True,
        on_pass=passes,
        history_reader=reader_starter(tmp_path),
    )
    run_until_the_history_is_read(engine, passes, "the rest, read by the next reader")
    assert_one_full_pass(tmp_path)
