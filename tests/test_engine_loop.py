"""The engine thread against real transcripts, real state files, the real watcher and a real
ledger; only the sinks (publish, notify) are recorders."""

from __future__ import annotations

import json
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.core.view import TrayView
from claude_tray.runtime.engine import Engine, PassReport
from claude_tray.runtime.hints import Hint, HintKind
from claude_tray.runtime.watcher import Watcher
from claude_tray.storage.budget_state import read_budget_state
from claude_tray.storage.paths import app_paths, claude_roots
from tests.states import hooks_ran, read_state, write_state
from tests.transcripts import ClaudeData, assistant, compact

SID = "5e55-1011"
WAIT = 60.0
"""A generous deadline for what the engine thread does: a loaded machine runs it late."""


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def line(pct: float, n: int, at: float | None = None, sid: str = SID) -> dict[str, Any]:
    """An assistant response whose prompt fills `pct` % of a 200k window."""
    return assistant(
        sid,
        iso(time.time() if at is None else at),
        f"msg-{sid}-{n}",
        input=10,
        cache_read=int(pct * 2000) - 10,
        output=50,
    )


class WatchedQueue(queue.Queue[object]):
    """The engine's queue, telling the test every timeout the engine thread waits with."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []
        self.called = threading.Condition()

    def get(self, block: bool = True, timeout: float | None = None) -> object:
        with self.called:
            self.timeouts.append(timeout)
            self.called.notify_all()
        return super().get(block, timeout)

    def wait_for(self, wanted: Callable[[float | None], bool]) -> float:
        """The first timeout the engine waited with that is `wanted` (fails after `WAIT`)."""
        with self.called:
            if not self.called.wait_for(lambda: any(wanted(t) for t in self.timeouts), WAIT):
                pytest.fail(f"the engine never waited so: {self.timeouts[-5:]}")
            found = next(t for t in self.timeouts if wanted(t))
            assert found is not None
            return found


class Recorder:
    """The engine's sinks: every published view, pass and notification, with waiting."""

    def __init__(self) -> None:
        self.views: list[TrayView] = []
        self.passes: list[PassReport] = []
        self.notes: list[tuple[str, str]] = []
        self.urgencies: list[str] = []
        self.changed = threading.Condition()

    def publish(self, view: TrayView) -> None:
        with self.changed:
            self.views.append(view)

    def notify(self, title: str, body: str, urgency: str = "normal") -> bool:
        with self.changed:
            self.notes.append((title, body))
            self.urgencies.append(urgency)
            self.changed.notify_all()
        return True

    def on_pass(self, report: PassReport) -> None:
        with self.changed:
            self.passes.append(report)
            self.changed.notify_all()

    def wait(self, condition: Callable[[], object], what: str, timeout: float = WAIT) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: bool(condition()), timeout):
                last = self.passes[-1].view.title if self.passes else "no pass yet"
                pytest.fail(f"timed out waiting for {what} (last view: {last})")

    @property
    def last(self) -> PassReport:
        return self.passes[-1]

    def titles(self) -> list[str]:
        return [title for title, _ in self.notes]


def texts(view: TrayView) -> list[str]:
    out = []
    stack = list(view.menu)
    while stack:
        entry = stack.pop(0)
        out.append(entry.text)
        stack[:0] = entry.children
    return out


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_engine(recorder: Recorder) -> Iterator[Callable[..., Engine]]:
    """Starts an engine (and, unless `watch=False`, the real watcher); stops them after."""
    started: list[tuple[Engine, Watcher | None]] = []

    def make(watch: bool = True, queue: WatchedQueue | None = None, **options: Any) -> Engine:
        paths = app_paths()
        paths.sessions_state_dir.mkdir(parents=True, exist_ok=True)
        holder: list[Watcher] = []
        engine = Engine(
            recorder.publish,
            recorder.notify,
            on_pass=recorder.on_pass,
            rewatch=lambda: [w.sync() for w in holder] and None,
            **options,
        )
        watcher = None
        if watch:
            watcher = Watcher(
                claude_roots(), paths.sessions_state_dir, paths.config_file, engine.hint
            )
            holder.append(watcher)
            watcher.start()
        if queue is not None:
            engine._queue = queue  # observed, not replaced: it is a plain queue.Queue
        engine.start()
        started.append((engine, watcher))
        return engine

    yield make
    for engine, watcher in started:
        if watcher is not None:
            watcher.stop()
        assert engine.stop(10), "the engine thread did not stop"


def test_appended_lines_reach_the_published_view(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    path = claude.write(SID, line(50, 1))
    make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    assert recorder.last.view.icon.look == "ok" and recorder.last.view.icon.text == "50"
    claude.append(path, line(72, 2))
    recorder.wait(lambda: recorder.last.view.icon.text == "72", "72% in the icon")
    assert recorder.last.view.icon.look == "caution"
    assert recorder.last.full is False and recorder.last.files == 1  # only that file was read
    assert recorder.titles() == ["app · Opus 4.5: context 72% — caution"]
    assert recorder.views[-1] == recorder.last.view  # what was published is what was built


def test_a_burst_of_appends_is_one_update(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    path = claude.write(SID, line(10, 0))
    make_engine(debounce=0.5)
    recorder.wait(lambda: recorder.passes, "the first pass")
    before = len(recorder.passes)
    for n in range(1, 21):
        claude.append(path, line(10 + n, n))
    recorder.wait(lambda: len(recorder.passes) > before, "a pass after the appends")
    update = recorder.passes[before]
    assert update.view.icon.text == "30"  # the first update already holds the last line
    assert update.files == 1 and not update.full
    recorder.wait(lambda: recorder.last.view.icon.text == "30", "the last line in the icon")
    assert all(p.view.icon.text == "30" for p in recorder.passes[before:])  # no partial view
    assert len(recorder.views) == len(recorder.passes)


def test_a_climb_pauses_notifies_each_level_once_and_reset_lifts_it(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    path = claude.write(SID, line(50, 1))
    hooks_ran(app_paths(), SID)  # our hooks run in this session, so the gate holds the pause
    engine = make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    for n, pct in enumerate((72, 87, 92), start=2):
        claude.append(path, line(pct, n))
        recorder.wait(lambda p=pct: recorder.last.view.icon.text == str(p), f"{pct}%")
    assert recorder.last.view.icon.look == "pause"
    state = read_state(app_paths(), SID)
    assert state is not None and state["pause"]["paused"] is True
    assert state["pause"]["level"] == "pause" and state["pause"]["percent"] == pytest.approx(92)
    assert [t.rsplit("— ", 1)[1] for t in recorder.titles()] == [
        "caution",
        "warning",
        "auto-paused",
    ]
    assert "paused" in recorder.last.view.title

    engine.post("reset-current")
    recorder.wait(lambda: not recorder.last.snapshot.sessions[0].paused, "the reset")
    recorder.wait(lambda: "session reset" in recorder.titles()[-1], "the reset's confirmation")
    assert recorder.titles()[-1] == "app · Opus 4.5: session reset at context 92%"
    assert recorder.notes[-1][1] == (
        "Pause lifted. Cost since reset starts again at $0.00; this level will not notify "
        "again. The icon now shows this session as the orange diamond (warning) until the "
        "context reaches 95%."
    )
    assert recorder.last.view.icon.look == "warning"
    state = read_state(app_paths(), SID)

    assert state is not None and state["pause"]["paused"] is False
    assert state["reset"]["level"] == "pause"
    stored = json.loads(app_paths().tray_state.read_text())["sessions"][SID]
    assert stored["reset_at"] == state["reset"]["at"]  # the re-arming is remembered
    assert stored["fired"] == ["caution", "warning", "pause"]
    engine.post("refresh")  # a full pass later: still not paused again at the same level
    count = len(recorder.passes)
    recorder.wait(lambda: len(recorder.passes) > count, "the refresh")
    assert recorder.last.full and not recorder.last.snapshot.sessions[0].paused

    claude.append(path, line(96, 9))  # above the acknowledged level: paused again
    recorder.wait(lambda: recorder.last.view.icon.look == "critical", "critical")
    assert recorder.last.snapshot.sessions[0].paused
    assert recorder.titles()[-1].endswith("context 96% — critical")
    assert len(recorder.notes) == 5  # caution, warning, auto-paused, the reset, critical


def test_a_compact_lifts_the_pause(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    path = claude.write(SID, line(93, 1))
    hooks_ran(app_paths(), SID)
    make_engine()
    recorder.wait(
        lambda: recorder.passes and recorder.last.snapshot.sessions[0].paused, "the pause"
    )
    claude.append(path, compact(SID, iso(time.time()), post=30_000))
    recorder.wait(lambda: recorder.last.view.icon.text == "15", "the compacted context")
    assert not recorder.last.snapshot.sessions[0].paused
    state = read_state(app_paths(), SID)
    assert state is not None and state["pause"]["paused"] is False


def test_without_the_gate_hook_the_pause_level_is_shown_not_a_pause(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    from claude_tray.core.view import NOT_PAUSED

    claude.write(SID, line(92, 1))  # no hook of ours runs in this session: nothing can stop it
    make_engine()
    recorder.wait(lambda: recorder.passes and recorder.last.view.icon.text == "92", "92%")
    session = recorder.last.snapshot.sessions[0]
    assert session.pause_mark and not session.paused
    state = read_state(app_paths(), SID)
    assert state is not None and state["pause"]["paused"] is True  # there once a gate runs
    view = recorder.last.view
    assert view.icon.look == "warning"  # the pause look (its pause mark) means paused
    assert view.title.startswith("Context ~92% (auto-pause level) · app")
    assert "paused" not in view.title
    row = view.menu[0]
    assert row.text == "app · Opus 4.5 · context ~92% · auto-pause level"
    assert NOT_PAUSED in [entry.text for entry in row.children]
    assert [text for text in texts(view) if "paused" in text.lower()] == [NOT_PAUSED] * 2
    assert recorder.titles()[-1].endswith("context 92% — auto-pause level")

    hooks_ran(app_paths(), SID)  # the hooks are installed: its next prompt is refused
    recorder.wait(lambda: recorder.last.view.icon.look == "pause", "the pause look")
    assert recorder.last.snapshot.sessions[0].paused
    assert recorder.last.view.title.startswith("Context ~92% paused · app")
    assert recorder.last.view.menu[0].text == "app · Opus 4.5 · context ~92% · paused"
    assert NOT_PAUSED not in texts(recorder.last.view)


def test_a_reset_from_elsewhere_is_seen_through_the_state_folder(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    from claude_tray.storage.state import reset_session

    claude.write(SID, line(92, 1))
    hooks_ran(app_paths(), SID)
    make_engine()
    recorder.wait(
        lambda: recorder.passes and recorder.last.snapshot.sessions[0].paused, "the pause"
    )
    reset_session(app_paths(), SID, "pause", time.time())  # what `claude-tray reset` does
    recorder.wait(lambda: not recorder.last.snapshot.sessions[0].paused, "the reset seen")
    assert recorder.last.files == 0 and not recorder.last.full  # a state hint: no ingest


def test_a_config_change_is_reloaded(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    claude.write(SID, line(50, 1))
    make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    assert not any("of $" in text for text in texts(recorder.last.view))
    config = app_paths().config_file
    config.write_text("[budgets]\ndaily = 0.01\n")
    recorder.wait(lambda: "(over)" in recorder.last.view.menu[1].text, "the daily budget")
    assert "of $0.01" in recorder.last.view.menu[1].text
    assert recorder.titles()[-1].startswith("Today's cost $")
    config.write_text("[budgets]\ndaily = 'ten'\n")  # invalid: the last good settings stay
    recorder.wait(lambda: any("config file" in t for t in recorder.titles()), "the error")
    assert "budgets.daily" in recorder.notes[-1][1]
    assert "of $0.01" in recorder.last.view.menu[1].text


def test_day_rollover_at_midnight_without_any_file_event(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    app_paths().config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths().config_file.write_text('timezone = "UTC"\n')
    real = time.time()
    midnight = (real // 86400 + 1) * 86400
    offset = midnight - 0.8 - real  # the engine's clock is 0.8 s before a UTC midnight
    claude.write(SID, line(40, 1, at=midnight - 60))
    make_engine(watch=False, wall=lambda: time.time() + offset)
    recorder.wait(lambda: recorder.passes, "the first pass")
    first = recorder.last.snapshot
    assert first.today.cost > 0 and first.today.period.end == midnight
    recorder.wait(
        lambda: recorder.last.snapshot.today.period.start == midnight, "midnight", timeout=5
    )
    assert recorder.last.snapshot.today.cost == 0
    assert len(recorder.passes) == 2 and not recorder.last.full  # woken by the timer alone


def test_pause_notifications_until_resumed(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    path = claude.write(SID, line(50, 1))
    hooks_ran(app_paths(), SID)
    engine = make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    engine.post("pause-notifications:3600")
    recorder.wait(
        lambda: any(t.startswith("Notifications paused until") for t in texts(recorder.last.view)),
        "the paused menu",
    )
    stored = json.loads(app_paths().tray_state.read_text())
    assert stored["quiet_until"] == pytest.approx(time.time() + 3600, abs=30)
    claude.append(path, line(92, 2))
    recorder.wait(lambda: recorder.last.view.icon.look == "pause", "92%")
    assert recorder.notes == []  # recorded, not sent
    engine.post("resume-notifications")
    recorder.wait(lambda: "Pause notifications" in texts(recorder.last.view), "resumed")
    claude.append(path, line(93, 3))
    recorder.wait(lambda: recorder.last.view.icon.text == "93", "93%")
    assert recorder.notes == []  # the pause level was reached during the pause: not sent later


def test_pause_until_tomorrow_ends_at_local_midnight(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    app_paths().config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths().config_file.write_text('timezone = "UTC"\n')
    claude.write(SID, line(50, 1))
    engine = make_engine(watch=False)
    recorder.wait(lambda: recorder.passes, "the first pass")
    engine.post("pause-notifications:tomorrow")
    recorder.wait(
        lambda: json.loads(app_paths().tray_state.read_text()).get("quiet_until"),
        "the stored pause",
    )
    until = json.loads(app_paths().tray_state.read_text())["quiet_until"]
    assert until == (time.time() // 86400 + 1) * 86400


def test_a_data_root_created_after_start_is_picked_up(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    assert not claude.root.exists()
    make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    assert recorder.last.view.icon.look == "error"
    assert recorder.titles() == ["claude-tray cannot read Claude Code's data"]
    claude.write(SID, line(72, 1))  # creates <root>/projects/<folder>/<sid>.jsonl
    recorder.wait(lambda: recorder.last.view.icon.text == "72", "the new root's session")
    assert recorder.last.full


def test_a_first_run_with_no_claude_data_is_a_welcome(
    recorder: Recorder, make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAUDE_CONFIG_DIR")  # the defaults (~/.claude), and nothing there yet
    make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    assert recorder.last.view.icon.look == "idle"
    assert recorder.last.view.title.startswith("Welcome to claude-tray")
    assert recorder.titles() == []  # no "cannot read" notification


def test_an_error_in_one_pass_does_not_stop_the_thread(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    claude.write(SID, line(50, 1))
    failures = []
    publish = recorder.publish

    def failing_publish(view: TrayView) -> None:
        if not failures:
            failures.append(view)
            raise RuntimeError("the icon is gone")
        publish(view)

    recorder.publish = failing_publish  # type: ignore[method-assign]
    engine = make_engine(watch=False)
    engine.post("refresh")
    recorder.wait(lambda: recorder.views, "a view after the failed pass")
    assert failures and engine.alive


def test_hints_are_only_queued_and_stop_saves_the_memory(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    path = claude.write(SID, line(80, 1))
    engine = make_engine(watch=False, debounce=0.05)
    recorder.wait(lambda: recorder.passes, "the first pass")
    claude.append(path, line(86, 2))
    engine.hint(Hint(HintKind.TRANSCRIPT, path))
    recorder.wait(lambda: recorder.last.view.icon.text == "86", "the hinted file")
    assert engine.stop(10) and not engine.alive
    stored = json.loads(app_paths().tray_state.read_text())
    assert stored["sessions"][SID]["fired"] == ["caution", "warning"]


def test_the_watcher_waits_above_missing_folders(tmp_path: Path) -> None:
    hints: list[Hint] = []
    root = tmp_path / "later" / "claude"
    watcher = Watcher([root], tmp_path / "state", tmp_path / "cfg" / "config.toml", hints.append)
    watcher.start()
    try:
        assert sorted(watcher.watched()) == [(tmp_path, False)]
        (tmp_path / "later").mkdir()
        deadline = time.monotonic() + WAIT
        while not any(h.kind is HintKind.ROOTS for h in hints) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any(h.kind is HintKind.ROOTS for h in hints)
        (root / "projects").mkdir(parents=True)
        (tmp_path / "state").mkdir()
        watcher.sync()
        assert sorted(watcher.watched()) == sorted(
            [(tmp_path, False), (tmp_path / "state", False), (root / "projects", True)]
        )
    finally:
        watcher.stop()


def test_the_engine_thread_sleeps_when_nothing_happens(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    claude.write(SID, line(50, 1))
    waits = WatchedQueue()
    make_engine(queue=waits)
    recorder.wait(lambda: recorder.passes, "the first pass")
    # After it, the thread blocks in one long wait (the safety rescan, or midnight): no polling.
    long_wait = waits.wait_for(lambda t: t is not None and t >= 10.0)
    assert long_wait >= 10.0
    assert len(recorder.passes) == 1  # nothing changed, nothing ran


def test_a_pass_records_todays_spend_for_the_hook_gate(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    app_paths().config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths().config_file.write_text("[budgets]\ndaily = 10.0\n")
    path = claude.write(SID, line(50, 1))
    engine = make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    first = recorder.last.snapshot.today
    state = read_budget_state(app_paths())
    assert state is not None and first.cost > 0
    assert (state.date, state.budget, state.level) == (first.period.first.isoformat(), 10.0, "ok")
    assert state.cost == pytest.approx(first.cost) and state.covers(time.time())
    written = state.written_at

    engine.post("refresh")  # a pass that changes nothing leaves the file alone
    count = len(recorder.passes)
    recorder.wait(lambda: len(recorder.passes) > count, "the refresh")
    again = read_budget_state(app_paths())
    assert again is not None and again.written_at == written

    claude.append(path, line(60, 2))
    recorder.wait(lambda: recorder.last.snapshot.today.cost > first.cost, "the new line's cost")
    later = read_budget_state(app_paths())
    assert later is not None and later.cost == pytest.approx(recorder.last.snapshot.today.cost)
    assert later.cost > state.cost


def report_limits(five_hour: float, resets_at: float) -> None:
    """What `claude-tray statusline` records of Claude Code's plan limits for SID."""

    write_state(
        app_paths(),
        SID,
        statusline={
            "at": time.time(),
            "rate_limits": {
                "five_hour": {"used_percentage": five_hour, "resets_at": resets_at},
                "seven_day": {"used_percentage": 20, "resets_at": resets_at + 3 * 86400},
            },
        },
    )


def test_plan_limits_reach_the_menu_and_notify_at_the_configured_thresholds(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    app_paths().config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths().config_file.write_text("[limits]\nnotify = [50, 90]\n")
    claude.write(SID, line(10, 1))
    resets_at = time.time() + 1800
    report_limits(55, resets_at)
    make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    rows = texts(recorder.last.view)
    assert any(row.startswith("5h 55% · resets ") for row in rows), rows
    assert any(row.startswith("7d 20% · resets ") for row in rows), rows
    assert [limit.name for limit in recorder.last.snapshot.limits] == ["five_hour", "seven_day"]
    assert recorder.titles() == [recorder.titles()[0]]
    assert recorder.titles()[0].startswith("Claude plan: 5-hour limit at 55% — resets ")

    report_limits(70, resets_at)  # no threshold between 55 and 70: nothing new
    recorder.wait(lambda: "5h 70% · resets" in recorder.last.view.title, "70% seen")
    report_limits(91, resets_at)
    recorder.wait(lambda: "5h 91% · resets" in recorder.last.view.title, "91% seen")
    assert len(recorder.notes) == 2
    assert recorder.titles()[1].startswith("Claude plan: 5-hour limit at 91% — resets ")
    stored = json.loads(app_paths().tray_state.read_text())["limits"]
    assert stored["five_hour"] == {"resets_at": resets_at, "fired": [50.0, 90.0]}


def test_the_trays_day_follows_tz(
    claude: ClaudeData,
    recorder: Recorder,
    make_engine: Callable[..., Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zoneinfo import ZoneInfo

    from claude_tray.storage.zone import forget_local_zone

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # no timezone in the config: the user's TZ decides
    forget_local_zone()
    claude.write(SID, line(40, 1))
    make_engine(watch=False)
    recorder.wait(lambda: recorder.passes, "the first pass")
    today = recorder.last.snapshot.today.period
    tokyo = datetime.now(ZoneInfo("Asia/Tokyo"))
    midnight = tokyo.replace(hour=0, minute=0, second=0, microsecond=0)
    assert today.start == midnight.timestamp()
    assert today.first == midnight.date()
    forget_local_zone()


def test_a_root_named_by_a_status_line_is_learned_and_read(
    claude: ClaudeData,
    recorder: Recorder,
    make_engine: Callable[..., Engine],
    tmp_path: Path,
) -> None:
    import io

    from claude_tray.hooks.fast import run_statusline
    from claude_tray.storage.learned_roots import read_learned_roots
    from tests.hooks import payloads

    claude.write(SID, line(10, 1))
    other = ClaudeData(tmp_path / "other-config")
    path = other.write("0the4-1", line(30, 1, sid="0the4-1"))
    make_engine()
    recorder.wait(lambda: recorder.passes, "the first pass")
    assert [s.session_id for s in recorder.last.snapshot.sessions] == [SID]
    payload = payloads.status_new(session="0the4-1", percent=30)
    payload["transcript_path"] = str(path)
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), io.BytesIO(), None) == 0
    recorder.wait(
        lambda: recorder.last.snapshot.today.tokens.total > 30 * 2000,
        "the learned root's tokens",
    )
    assert [r.path for r in read_learned_roots(app_paths())] == [other.root]
    assert {s.session_id for s in recorder.last.snapshot.sessions} == {SID, "0the4-1"}


def test_a_state_file_with_non_finite_numbers_does_not_stop_the_tray(
    claude: ClaudeData, recorder: Recorder, make_engine: Callable[..., Engine]
) -> None:
    """What older versions stored from a status line sending NaN or an overflowing number."""
    claude.write(SID, line(50, 1))
    write_state(
        app_paths(),
        SID,
        statusline={
            "at": time.time(),
            "context_window": {"context_window_size": math.inf, "used_percentage": math.nan},
            "rate_limits": {"five_hour": {"used_percentage": math.inf, "resets_at": math.nan}},
        },
        pause={"paused": True, "percent": math.nan, "at": math.inf},
    )
    make_engine(watch=False)
    recorder.wait(lambda: recorder.passes, "the first pass")
    assert recorder.last.view.icon.text == "50"  # the transcript's figure; the junk is absent
    assert recorder.last.snapshot.limits == ()
