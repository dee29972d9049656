"""Usage from every machine: several claude-trays on one computer, each with its own home and its
own Claude data, sharing one sync folder copied between them as a sync tool would (rsync, and a
copy that stops half-way through a file). Every step runs the real CLI in its own process."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from claude_tray.storage import sync_segments as segments
from claude_tray.storage.ledger_rows import MessageRow
from tests.tools import require_tools
from tests.transcripts import ClaudeData, assistant

NOW = "1764547200"  # 2025-12-01T00:00:00Z: the clock of every run (CLAUDE_TRAY_NOW)


@dataclass
class Machine:
    name: str
    home: Path
    claude: ClaudeData
    folder: Path
    """Its view of the sync folder (each machine has its own copy, as with Syncthing)."""

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            CLAUDE_TRAY_HOME=str(self.home),
            CLAUDE_CONFIG_DIR=str(self.claude.root),
            CLAUDE_TRAY_MACHINE=self.name,
            CLAUDE_TRAY_NOW=NOW,
            TZ="UTC",
        )
        return env

    def configure(self, **extra: Any) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        lines = ["[sync]", f'folder = "{self.folder.as_posix()}"']
        lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
        (self.home / "config.toml").write_text("\n".join(lines) + "\n")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "claude_tray", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args}: exit {result.returncode}: {result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def own_folder(self) -> Path:
        return self.folder / self.name


def make_machine(tmp_path: Path, name: str, **config: Any) -> Machine:
    machine = Machine(
        name,
        tmp_path / name / "tray-home",
        ClaudeData(tmp_path / name / "claude"),
        tmp_path / name / "Sync",
    )
    machine.folder.mkdir(parents=True)
    machine.configure(**config)
    return machine


def rsync(source: Machine, target: Machine) -> None:
    """What a sync tool does: bring the source's own folder over to the target's copy."""
    tool = require_tools("rsync", install="apt-get install rsync")["rsync"]
    subprocess.run(
        [tool, "-a", "--delete", f"{source.own_folder()}/", f"{target.folder / source.name}/"],
        check=True,
    )


def write_usage(machine: Machine, session: str, day: str, count: int, base: int) -> None:
    """`count` responses on `day`, distinct message ids, distinctive token numbers."""
    cwd = f"/home/{machine.name}/project-{session}"
    lines = [
        assistant(
            session,
            f"{day}T{10 + i % 10:02d}:{i % 60:02d}:00.000Z",
            f"msg-{machine.name}-{session}-{i}",
            model="claude-sonnet-4-5-20250929",
            input=base + i,
            output=2 * base + i,
            cache_write=10 * i,
            cache_read=100 * base,
            cwd=cwd,
        )
        for i in range(count)
    ]
    machine.claude.write(session, *lines, cwd=cwd)


def daily(machine: Machine, *extra: str) -> dict[str, dict[str, Any]]:
    data = machine.json("daily", *extra)
    return {row["date"]: row for row in data["daily"]}


TOKEN_KEYS = ("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens")


def combined(*dailies: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for rows in dailies:
        for day, row in rows.items():
            sums = out.setdefault(day, dict.fromkeys(TOKEN_KEYS, 0))
            for key in TOKEN_KEYS:
                sums[key] += row[key]
    return out


def tokens_of(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {day: {k: row[k] for k in TOKEN_KEYS} for day, row in rows.items()}


@pytest.fixture
def three(tmp_path: Path) -> tuple[Machine, Machine, Machine]:
    laptop = make_machine(tmp_path, "laptop")
    server = make_machine(tmp_path, "devserver")
    desktop = make_machine(tmp_path, "desktop")
    write_usage(laptop, "s-lap", "2025-11-29", 5, 1000)
    write_usage(laptop, "s-lap2", "2025-11-30", 3, 1100)
    write_usage(server, "s-srv", "2025-11-30", 7, 2000)
    write_usage(desktop, "s-desk", "2025-11-28", 4, 3000)
    return laptop, server, desktop


def test_three_machines_combined_equals_the_sum_of_each_machines_own(
    three: tuple[Machine, ...],
) -> None:
    laptop = three[0]
    own = {m.name: daily(m) for m in three}  # each publishes as it reads
    for source in three:
        for target in three:
            if source is not target:
                rsync(source, target)
    expected = combined(*own.values())
    for machine in three:
        assert tokens_of(daily(machine)) == expected
    # a second round of syncs changes nothing: no new versions, no new totals
    before = sorted(p.name for p in laptop.own_folder().iterdir())
    for source in three:
        for target in three:
            if source is not target:
                rsync(source, target)
    assert tokens_of(daily(laptop)) == expected
    assert sorted(p.name for p in laptop.own_folder().iterdir()) == before


def test_a_machine_writes_only_its_own_folder_and_never_message_content(
    three: tuple[Machine, ...],
) -> None:
    laptop, server, _ = three
    laptop.run("sync")
    server.run("sync")
    assert sorted(p.name for p in laptop.folder.iterdir()) == ["laptop"]  # server's not copied yet
    rsync(server, laptop)
    laptop.run("sync")
    assert sorted(p.name for p in laptop.folder.iterdir()) == ["devserver", "laptop"]
    files = sorted(laptop.own_folder().iterdir())
    assert [f.name for f in files] == ["2025-11-29.1.jsonl.gz", "2025-11-30.1.jsonl.gz"]
    text = b"".join(gzip.decompress(f.read_bytes()) for f in files)
    assert b"text" not in text.replace(b"claude-tray-sync", b"")  # the content block's type
    assert b"msg-laptop" not in text  # message ids are hashed into the key


def test_a_response_present_on_two_machines_counts_once(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    server = make_machine(tmp_path, "devserver")
    write_usage(laptop, "shared", "2025-11-30", 6, 500)
    # the session was resumed on the server: its transcript copies the same responses, plus more
    shutil.copytree(laptop.claude.root, server.claude.root)
    write_usage(server, "later", "2025-11-30", 2, 900)
    laptop_own, server_own = daily(laptop), daily(server)
    rsync(laptop, server)
    rsync(server, laptop)
    assert tokens_of(daily(laptop)) == tokens_of(server_own)
    assert tokens_of(daily(server)) == tokens_of(server_own)
    assert laptop_own["2025-11-30"]["inputTokens"] < server_own["2025-11-30"]["inputTokens"]


def test_later_responses_publish_a_new_version_and_count_once(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    desktop = make_machine(tmp_path, "desktop")
    write_usage(laptop, "s1", "2025-11-30", 3, 100)
    laptop.run("sync")
    rsync(laptop, desktop)
    desktop.run("sync")
    write_usage(laptop, "s2", "2025-11-30", 2, 700)  # the same day grows
    expected = tokens_of(daily(laptop))
    assert [p.name for p in laptop.own_folder().iterdir()] == ["2025-11-30.2.jsonl.gz"]
    rsync(laptop, desktop)
    assert tokens_of(daily(desktop)) == expected


def test_a_half_copied_segment_is_passed_over_then_read_when_complete(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    desktop = make_machine(tmp_path, "desktop")
    write_usage(laptop, "s1", "2025-11-30", 40, 100)
    expected = tokens_of(daily(laptop))
    segment = next(laptop.own_folder().iterdir())
    data = segment.read_bytes()
    target = desktop.folder / "laptop" / segment.name
    target.parent.mkdir(parents=True)
    target.write_bytes(data[: len(data) // 2])  # a copy that stopped half-way
    result = desktop.json("sync")
    assert result["importedResponses"] == 0
    assert [p["problem"] for p in result["problems"]] == [
        "incomplete or damaged (ends before its gzip trailer): a sync in flight?"
    ]
    assert daily(desktop) == {}
    doctor = desktop.json("doctor")
    assert doctor["sync"]["problems"][0]["path"] == str(target)
    target.write_bytes(data)  # the sync tool finishes the copy
    assert tokens_of(daily(desktop)) == expected
    assert desktop.json("doctor")["sync"]["problems"] == []


def test_conflict_copies_and_newer_formats_are_reported_never_counted(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    desktop = make_machine(tmp_path, "desktop")
    write_usage(laptop, "s1", "2025-11-30", 3, 100)
    expected = tokens_of(daily(laptop))
    rsync(laptop, desktop)
    theirs = desktop.folder / "laptop"
    segment = next(theirs.iterdir())
    for copy in (
        "2025-11-30.1.sync-conflict-20251130-101010-ABCDEFG.jsonl.gz",
        "2025-11-30.1 (1).jsonl.gz",
        "2025-11-30.1 (laptop's conflicted copy).jsonl.gz",
    ):
        shutil.copy(segment, theirs / copy)
    header = {"format": segments.FORMAT, "version": segments.VERSION + 1, "machine": "laptop"}
    header |= {"day": "2025-11-29", "rows": 1}
    newer = gzip.compress(json.dumps(header).encode() + b"\n[1,2]\n")
    (theirs / "2025-11-29.1.jsonl.gz").write_bytes(newer)
    (theirs / ".2025-11-30.2.jsonl.gz.123.tmp").write_bytes(b"half")  # in flight: ignored
    assert tokens_of(daily(desktop)) == expected
    problems = {Path(p["path"]).name: p["problem"] for p in desktop.json("sync")["problems"]}
    assert set(problems) == {
        "2025-11-30.1.sync-conflict-20251130-101010-ABCDEFG.jsonl.gz",
        "2025-11-30.1 (1).jsonl.gz",
        "2025-11-30.1 (laptop's conflicted copy).jsonl.gz",
        "2025-11-29.1.jsonl.gz",
    }
    assert problems["2025-11-29.1.jsonl.gz"].startswith("written by a newer claude-tray")


def test_a_removed_machines_history_stays(three: tuple[Machine, ...]) -> None:
    laptop, server, _ = three
    daily(server)
    rsync(server, laptop)
    with_server = tokens_of(daily(laptop))
    shutil.rmtree(laptop.folder / "devserver")  # the server was retired and its folder deleted
    assert tokens_of(daily(laptop)) == with_server


def test_hide_projects_publishes_a_hash_and_the_last_component(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop", hide_projects=True)
    write_usage(laptop, "s1", "2025-11-30", 2, 100)
    laptop.run("sync")
    data = gzip.decompress(next(laptop.own_folder().iterdir()).read_bytes())
    assert b"/home/laptop" not in data
    assert b"/project-s1" in data


def test_sessions_and_machines_of_other_machines_are_listed(three: tuple[Machine, ...]) -> None:
    laptop, server, _ = three
    daily(server)
    rsync(server, laptop)
    sessions = {s["sessionId"]: s for s in laptop.json("sessions", "--all")["sessions"]}
    assert {"s-lap", "s-lap2", "s-srv"} <= set(sessions)
    doctor = laptop.json("doctor")["sync"]
    assert doctor["machine"] == "laptop"
    by_name = {m["machine"]: m for m in doctor["machines"]}
    assert by_name["devserver"]["responses"] == 7
    assert by_name["laptop"]["responses"] == 8


def test_sync_when_off_says_how_to_turn_it_on(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    (laptop.home / "config.toml").write_text("")
    result = laptop.run("sync", check=False)
    assert result.returncode == 2
    assert "sync is off" in result.stderr


def test_an_unreachable_folder_is_a_problem_not_a_failure(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    write_usage(laptop, "s1", "2025-11-30", 2, 100)
    shutil.rmtree(laptop.folder)
    laptop.folder.write_text("not a folder")
    result = laptop.run("daily", "--json")
    assert json.loads(result.stdout)["daily"]  # the local numbers are still there


# -- the segment format itself ------------------------------------------------------------------


def _row(key: int, ts: float, **changes: Any) -> MessageRow:
    row = MessageRow(key, ts, "s", "/p", "claude-opus-4-5", 1, 2, 3, 4, 5, 15, 0, 0, 0)
    return row._replace(**changes)


def test_segment_round_trip_and_every_damage_refused() -> None:
    day = segments.utc_day(1764460800.0)
    rows = [_row(i, 1764460800.0 + i) for i in range(50)]
    data = segments.encode("laptop", day, rows)
    header, back = segments.decode(data, day)
    assert back == rows
    assert header.rows == 50
    for cut in (1, 10, len(data) // 2, len(data) - 1):
        with pytest.raises(segments.SegmentError):
            segments.decode(data[:cut], day)
    for bad in (
        _row(1, 1764460800.0, total=99),
        _row(1, 1764460800.0, input=-1, total=13),
        _row(1, 1764460800.0 + 86_400),
        _row(1, 1e12),
        _row(1, 1764460800.0, fast=7),
    ):
        with pytest.raises(segments.SegmentError):
            segments.decode(segments.encode("laptop", day, [bad]), day)


def test_segment_names() -> None:
    name = segments.parse_name("2025-11-30.12.jsonl.gz")
    assert name is not None and name.version == 12
    assert name.file_name == "2025-11-30.12.jsonl.gz"
    for other in ("2025-11-30.0.jsonl.gz", "2025-13-30.1.jsonl.gz", "2025-11-30.1 (1).jsonl.gz"):
        assert segments.parse_name(other) is None
    assert segments.machine_folder_name("Jane's MacBook Pro.local") == "Jane-s-MacBook-Pro.local"


def test_a_repaired_ledger_keeps_other_machines_rows_as_theirs(tmp_path: Path) -> None:
    from claude_tray.storage.ledger import Ledger
    from claude_tray.storage.ledger_repair import repair
    from claude_tray.storage.ledger_sync import SeenFile

    path = tmp_path / "ledger.sqlite3"
    rows = [_row(i, 1764460800.0 + i) for i in range(20)]
    with Ledger(path) as ledger:
        ledger.sync.import_file(rows, [], SeenFile("x", "devserver", 1, 1, 20, None, 0.0))
        ledger.backup(1764460900.0)
    with open(path, "r+b") as handle:  # a damaged header: nothing of the file itself is readable
        handle.write(b"\0" * 100)
    report = repair(path, 1764461000.0)
    assert report.action == "salvaged"
    with Ledger(path) as ledger:
        assert ledger.sync.machines() == [("devserver", 20, 1764460819.0)]


def test_machine_filter_and_breakdown(three: tuple[Machine, ...]) -> None:
    laptop, server, desktop = three
    own = {m.name: tokens_of(daily(m)) for m in three}
    rsync(server, laptop)
    rsync(desktop, laptop)
    assert tokens_of(daily(laptop, "--machine", "devserver")) == own["devserver"]
    assert tokens_of(daily(laptop, "--machine", "laptop")) == own["laptop"]
    both = tokens_of(daily(laptop, "--machine", "laptop", "--machine", "desktop"))
    assert both == combined(daily(laptop, "--machine", "laptop"), daily(desktop))
    split = daily(laptop, "--breakdown", "machine")
    day = split["2025-11-30"]
    assert [m["machine"] for m in day["machineBreakdowns"]] == ["devserver", "laptop"]
    assert sum(m["inputTokens"] for m in day["machineBreakdowns"]) == day["inputTokens"]
    sessions = laptop.json("sessions", "--all", "--machine", "devserver")["sessions"]
    assert {s["sessionId"] for s in sessions} == {"s-srv"}
    table = laptop.run("daily", "--breakdown", "machine").stdout
    assert "devserver" in table and "desktop" in table


def test_a_hostile_folder_name_is_never_a_machine(tmp_path: Path) -> None:
    laptop = make_machine(tmp_path, "laptop")
    other = make_machine(tmp_path, "desktop")
    write_usage(other, "s1", "2025-11-30", 2, 100)
    daily(other)
    hostile = laptop.folder / "evil\x1b[31m"
    shutil.copytree(other.own_folder(), hostile)
    result = laptop.json("sync")
    assert result["importedResponses"] == 0
    assert result["problems"][0]["problem"] == "not a machine's folder (its name is not one)"


def test_the_menu_and_the_report_split_today_by_machine(
    three: tuple[Machine, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datetime import UTC

    from claude_tray.core.view import cost_entries
    from claude_tray.engine.snapshot import Clock
    from claude_tray.engine.workspace import Workspace
    from claude_tray.report import write_report

    laptop, server, _ = three
    daily(server)
    rsync(server, laptop)
    for name, value in laptop.env().items():
        monkeypatch.setenv(name, value)
    evening = 1764543600.0  # 2025-11-30T23:00Z: today holds the laptop's and the server's work
    with Workspace.open() as workspace:
        workspace.refresh()
        workspace.sync(evening)
        snapshot = workspace.snapshot(Clock(evening, UTC))
        texts = [entry.text for entry in cost_entries(snapshot)]
        page = write_report(workspace, Clock(evening, UTC), 7, tmp_path / "r.html").read_text()
    machines = texts[texts.index("By machine") + 1 :][:2]
    assert [text.split()[0] for text in machines] == ["devserver", "laptop"]  # costliest first
    assert "Cost by machine" in page and "devserver" in page


def test_one_machine_alone_shows_no_machine_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC

    from claude_tray.core.view import cost_entries
    from claude_tray.engine.snapshot import Clock
    from claude_tray.engine.workspace import Workspace

    laptop = make_machine(tmp_path, "laptop")
    write_usage(laptop, "s1", "2025-11-30", 2, 100)
    for name, value in laptop.env().items():
        monkeypatch.setenv(name, value)
    with Workspace.open() as workspace:
        workspace.refresh()
        snapshot = workspace.snapshot(Clock(1764543600.0, UTC))
    assert snapshot.today.by_machine == ()
    assert "By machine" not in [entry.text for entry in cost_entries(snapshot)]


def test_another_machines_live_session_is_shown_with_its_name_but_does_not_alarm_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC

    from claude_tray.core.levels import Level
    from claude_tray.core.view import session_text
    from claude_tray.engine.snapshot import Clock
    from claude_tray.engine.workspace import Workspace

    laptop = make_machine(tmp_path, "laptop")
    server = make_machine(tmp_path, "devserver")
    line = assistant(
        "s-big",
        "2025-11-30T22:50:00.000Z",
        "m-big",
        model="claude-sonnet-4-5-20250929",
        input=4_000,
        cache_read=180_000,
        output=500,
        cwd="/srv/api",
    )
    server.claude.write("s-big", line, cwd="/srv/api")
    daily(server)
    rsync(server, laptop)
    for name, value in laptop.env().items():
        monkeypatch.setenv(name, value)
    evening = 1764543600.0  # ten minutes after the server's response
    with Workspace.open() as workspace:
        workspace.refresh()
        workspace.sync(evening)
        snapshot = workspace.snapshot(Clock(evening, UTC))
    (session,) = [s for s in snapshot.sessions if s.session_id == "s-big"]
    assert session.machine == "devserver" and session.active
    assert session.context_tokens == 184_000 and session.level is Level.PAUSE
    assert session_text(session).startswith("devserver · api")
    assert snapshot.level is Level.OK  # its tray, on the server, speaks for it


def test_sync_watch_publishes_as_transcripts_change_and_stops_on_sigterm(tmp_path: Path) -> None:
    import signal
    import time

    laptop = make_machine(tmp_path, "laptop")
    server = make_machine(tmp_path, "devserver")
    write_usage(server, "s1", "2025-11-30", 2, 100)
    watch = subprocess.Popen(
        [sys.executable, "-m", "claude_tray", "sync", "--watch", "--interval", "1"],
        env=server.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def segment_rows() -> int:
            found = sorted(server.own_folder().glob("2025-11-30.*.jsonl.gz"))
            if not found:
                return 0
            return len(gzip.decompress(found[-1].read_bytes()).splitlines()) - 1

        deadline = time.monotonic() + 60
        while segment_rows() != 2:
            assert time.monotonic() < deadline, "the first publish did not come"
            assert watch.poll() is None, watch.stderr.read() if watch.stderr else ""
            time.sleep(0.1)
        write_usage(server, "s2", "2025-11-30", 3, 500)  # a new session on the same day
        deadline = time.monotonic() + 60
        while segment_rows() != 5:
            assert time.monotonic() < deadline, "the change was not published"
            time.sleep(0.1)
    finally:
        watch.send_signal(signal.SIGTERM)
        code = watch.wait(timeout=30)
    assert code == 0
    rsync(server, laptop)
    assert tokens_of(daily(laptop)) == tokens_of(daily(server))


def test_a_pass_with_nothing_new_does_not_list_a_settled_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import claude_tray.engine.sync as engine_sync
    from claude_tray.storage.ledger import Ledger

    folder = tmp_path / "Sync"
    theirs = folder / "desktop"
    day = segments.utc_day(1764460800.0)
    for version, key in ((1, 1), (1, 2)):
        segments.write_segment(
            theirs,
            segments.SegmentName(day - key, version),
            segments.encode("desktop", day - key, [_row(key, (day - key) * 86_400.0 + 60)]),
        )
    os.utime(theirs, ns=(10**18, 1_600_000_000 * 10**9))  # settled long ago
    listed: list[Path] = []
    real_files = engine_sync._files
    monkeypatch.setattr(engine_sync, "_files", lambda p: listed.append(p) or real_files(p))
    settings = engine_sync.SyncSettings(folder, "laptop")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert engine_sync.sync(ledger, settings, 1764460800.0).imported_rows == 2
        assert engine_sync.sync(ledger, settings, 1764460800.0).imported_rows == 0
        assert listed == [theirs]  # the second pass only looked at the folder's time
        segments.write_segment(
            theirs,
            segments.SegmentName(day, 1),
            segments.encode("desktop", day, [_row(3, day * 86_400.0 + 60)]),
        )
        assert engine_sync.sync(ledger, settings, 1764460800.0).imported_rows == 1
        assert listed == [theirs, theirs]
        assert ledger.sync.machines() == [("desktop", 3, day * 86_400.0 + 60)]
