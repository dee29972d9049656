"""A full pass learns from every session's state file without reading each again
(`storage.state_index.SessionIndex`): what it learns equals what `read_all` says, and a state file
that changed in any way (written, replaced, put back to its old time) is read again. Real state
files written by the hooks' own entry points, real `os.stat`s, the CLI in real processes."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.core.snapshot import last_seen
from claude_tray.engine.workspace import Workspace
from claude_tray.hooks.fast import handle_event, run_statusline
from claude_tray.storage import state_index
from claude_tray.storage.kept import SETTLED_S
from claude_tray.storage.learned_roots import (
    is_watched,
    read_learned_roots,
    root_of_transcript,
    watched_roots,
)
from claude_tray.storage.paths import AppPaths, app_dirs, app_paths
from claude_tray.storage.state import read_all, state_file
from claude_tray.storage.state_index import INDEX_FILE, SessionIndex
from tests.hooks import payloads
from tests.transcripts import ClaudeData, assistant, project_folder

NOW = time.time()
OLD = NOW - 20 * SETTLED_S
SESSIONS = 40
LIVE = 3


def iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(moment))


def sid(i: int) -> str:
    return f"5e55{i:04d}-0000-4000-8000-{i:012d}"


def other_root(tmp_path: Path, k: int) -> Path:
    return tmp_path / f"other{k}"


def status_line(payload: dict[str, Any]) -> None:
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), io.BytesIO(), None) == 0


def write_session(tmp_path: Path, claude: ClaudeData, i: int, moment: float) -> str:
    """One session as our hooks and status line leave it; its transcript under the watched root,
    or (every 7th) under another root, some of which share a root or have no `projects/`."""
    session = sid(i)
    cwd = f"/home/u/proj{i % 5}"
    if i % 7 == 3:
        root = other_root(tmp_path, i % 3)  # other0 has no projects/ folder: not learned
        if i % 3:
            (root / "projects").mkdir(parents=True, exist_ok=True)
        transcript = root / "projects" / project_folder(cwd) / f"{session}.jsonl"
    else:
        transcript = claude.transcript(session, cwd)
    base = {"session_id": session, "transcript_path": str(transcript), "cwd": cwd}
    paths = app_dirs()
    handle_event(paths, {**base, "hook_event_name": "SessionStart", "source": "startup"}, moment)
    handle_event(paths, {**base, "hook_event_name": "UserPromptSubmit", "prompt": "go"}, moment)
    if i % 2 == 0:  # the status line's figures and plan limits, reset long ago or not yet
        payload = payloads.status_new(session=session, cwd=cwd, resets_at=int(moment) + 3600)
        payload["transcript_path"] = str(transcript)
        os.environ["CLAUDE_TRAY_NOW"] = str(moment + 5)
        try:
            status_line(payload)
        finally:
            del os.environ["CLAUDE_TRAY_NOW"]
    handle_event(paths, {**base, "hook_event_name": "Stop"}, moment + 10)
    if i < SESSIONS - LIVE and i % 4 != 1:  # some never ended (Claude Code killed)
        handle_event(
            paths, {**base, "hook_event_name": "SessionEnd", "reason": "exit"}, moment + 20
        )
    return session


def started(i: int) -> float:
    """When old session `i` ran (`i + 1` days before `OLD`)."""
    return OLD - 86_400 * (i + 1)


def old(path: str | Path, moment: float = OLD) -> None:
    os.utime(path, (moment, moment))


@pytest.fixture
def scenario(tmp_path: Path, claude: ClaudeData) -> AppPaths:
    """`SESSIONS` state files, all but the last `LIVE` ended long ago (and not written since),
    plus what the sessions folder may also hold: locks, a corrupt file, a folder named like one,
    a write's temporary file."""
    claude.write("live", assistant("live", iso(NOW - 60), "m1", input=10, output=1))
    for i in range(SESSIONS):
        live = i >= SESSIONS - LIVE
        moment = NOW - 120 if live else started(i)
        session = write_session(tmp_path, claude, i, moment)
        if not live:
            old(state_file(app_dirs(), session))
    folder = Path(app_dirs().sessions_dir)
    (folder / "corrupt.json").write_text("{not json")
    (folder / "folder.json").mkdir()
    (folder / ".5e55-tmp.json.abc.tmp").write_text("{}")
    old(folder / "corrupt.json")
    return app_paths()


def expected(paths: AppPaths) -> dict[str, tuple[str | None, float, float]]:
    """What `read_all` says of each session, as the index sums it up."""
    out = {}
    for session, record in read_all(paths).items():
        facts = record.facts()
        root = root_of_transcript(record.transcript_path)
        limits = [x for x in (facts.five_hour, facts.seven_day) if x is not None]
        until = max((math.inf if x.resets_at is None else x.resets_at for x in limits), default=0.0)
        out[session] = (None if root is None else str(root), last_seen(facts), until)
    return out


def summed(
    scan: dict[str, state_index.SessionSummary],
) -> dict[str, tuple[str | None, float, float]]:
    return {sid: (s.root, s.last_seen, s.limits_until) for sid, s in scan.items()}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The state files the index reads (`read_record`, spied on)."""
    seen: list[str] = []
    real = state_index.read_record

    def spy(path: str) -> Any:
        seen.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(state_index, "read_record", spy)
    return seen


def live_files() -> list[str]:
    return [f"{sid(i)}.json" for i in range(SESSIONS - LIVE, SESSIONS)]


def test_the_index_says_what_read_all_says_and_reads_only_recent_files(
    scenario: AppPaths, reads: list[str]
) -> None:
    want = expected(scenario)
    assert len(want) == SESSIONS
    first = SessionIndex(scenario).scan()
    assert list(first) == list(want)  # read_all's order
    assert summed(first) == want
    assert len(reads) == SESSIONS + 2  # every file (and the corrupt one, and the folder)
    reads.clear()
    again = SessionIndex(scenario).scan()  # a new process: from the kept file
    assert summed(again) == want and list(again) == list(want)
    assert sorted(reads) == sorted([*live_files(), "corrupt.json", "folder.json"])
    kept = json.loads((scenario.state_dir / INDEX_FILE).read_bytes())["sessions"]
    assert sorted(kept) == sorted(f"{sid(i)}.json" for i in range(SESSIONS - LIVE))


def next_tick(after_ns: int, folder: Path) -> None:
    """Wait (polling, with a deadline) until the file system stamps a change later than
    `after_ns`, so that a change made now moves a file's change time."""
    probe = folder / "tick.probe"
    deadline = time.monotonic() + 10
    while True:
        probe.write_text("x")
        if os.stat(probe).st_ctime_ns > after_ns:
            probe.unlink()
            return
        assert time.monotonic() < deadline, "the file system's clock does not move"


def change(path: Path, how: str, old_text: str, new_text: str) -> None:
    before = os.stat(path)
    text = path.read_text().replace(old_text, new_text)
    if how == "replaced":
        temp = path.with_name("x.tmp")
        temp.write_text(text)
        os.replace(temp, path)
    else:
        path.write_text(text)  # in place
    if how != "written":
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # its old time put back


@pytest.mark.parametrize("how", ["written", "put back", "replaced"])
@pytest.mark.parametrize("same_size", [True, False])
def test_a_changed_state_file_is_read_again(
    scenario: AppPaths, reads: list[str], tmp_path: Path, how: str, same_size: bool
) -> None:
    index = SessionIndex(scenario)
    index.scan()
    session = sid(0)  # ended long ago; its transcript under the watched root
    path = Path(state_file(scenario, session))
    assert index.scan()[session].root == str(tmp_path / "claude")
    next_tick(os.stat(path).st_ctime_ns, path.parent)
    new_root = "claudX" if same_size else "claude-elsewhere"
    change(path, how, f"{tmp_path}/claude/", f"{tmp_path}/{new_root}/")
    if same_size and how != "written":
        info = os.stat(path)
        assert info.st_size == len(path.read_bytes()) and info.st_mtime_ns < OLD * 1e9 + 1e9
    reads.clear()
    for scan in (index.scan(), SessionIndex(scenario).scan()):  # this process; a new one
        assert scan[session].root == str(tmp_path / new_root)
        assert summed(scan) == expected(scenario)
    assert f"{session}.json" in reads


def test_a_file_gone_or_new_is_seen_at_once(scenario: AppPaths) -> None:
    index = SessionIndex(scenario)
    index.scan()
    os.unlink(state_file(scenario, sid(1)))
    path = Path(state_file(scenario, "5e55-new"))
    path.write_text(json.dumps({"version": 1, "session_id": "5e55-new", "started_at": OLD}))
    old(path)
    scan = index.scan()
    assert sid(1) not in scan and "5e55-new" in scan
    assert summed(scan) == expected(scenario)
    assert summed(SessionIndex(scenario).scan()) == expected(scenario)


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"version": 99, "sessions": {}}',
        b'{"version": 1, "sessions": []}',
        b'{"version": 1, "sessions": {"%s.json": [1, 2, 3]}}',
        b'{"version": 1, "sessions": {"%s.json": "x"}}',
    ],
)
def test_a_damaged_index_is_no_index(scenario: AppPaths, damage: bytes) -> None:
    name = sid(0).encode()
    (scenario.state_dir / INDEX_FILE).write_bytes(damage.replace(b"%s", name))
    assert summed(SessionIndex(scenario).scan()) == expected(scenario)
    assert summed(SessionIndex(scenario).scan()) == expected(scenario)


def test_a_kept_entry_of_another_shape_is_not_used(scenario: AppPaths) -> None:
    SessionIndex(scenario).scan()
    path = scenario.state_dir / INDEX_FILE
    data = json.loads(path.read_bytes())
    name = f"{sid(0)}.json"
    identity = data["sessions"][name][:5]
    for values in ([sid(0), None, 1.0], [sid(0), 7, 1.0, 0.0], [sid(0), None, "1", 0.0]):
        data["sessions"][name] = [*identity, *values]
        path.write_text(json.dumps(data))
        assert summed(SessionIndex(scenario).scan()) == expected(scenario)


def reference_roots(paths: AppPaths) -> list[tuple[Path, str]]:
    """What learning from every record, one by one (without the index), adds."""
    roots = watched_roots(paths)
    out: list[tuple[Path, str]] = []
    for session, record in read_all(paths).items():
        root = root_of_transcript(record.transcript_path)
        if root is None or is_watched(root, roots) or not (root / "projects").is_dir():
            continue
        roots.append(root)
        out.append((root, session))
    return out


def test_learned_roots_are_those_every_record_teaches(scenario: AppPaths, tmp_path: Path) -> None:
    want = reference_roots(scenario)
    assert [root for root, _ in want] == [other_root(tmp_path, 1), other_root(tmp_path, 2)]
    with Workspace.open() as workspace:
        assert workspace.learn_roots() == [root for root, _ in want]
        assert workspace.learn_roots() == []
    assert [(r.path, r.session) for r in read_learned_roots(scenario)] == want
    # an old record changed to name a new root (its time put back) teaches it at once
    path = Path(state_file(scenario, sid(5)))
    (tmp_path / "other9" / "projects").mkdir(parents=True)
    change(path, "put back", f"{tmp_path}/claude/", f"{tmp_path}/other9/")
    with Workspace.open() as workspace:
        assert workspace.learn_roots() == [tmp_path / "other9"]
    assert read_learned_roots(scenario)[-1].session == sid(5)


def cli(*args: str) -> bytes:
    env = {**os.environ, "CLAUDE_TRAY_NOW": str(NOW), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "claude_tray", *args],
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_cli_answers_the_same_with_and_without_the_index(
    scenario: AppPaths, tmp_path: Path
) -> None:
    index = scenario.state_dir / INDEX_FILE
    commands = [("today", "--json"), ("status", "--json"), ("status",), ("sessions", "--json")]
    learned = [root for root, _ in reference_roots(scenario)]
    without = {args: cli(*args) for args in commands}  # the first run: no index yet
    assert index.exists()
    assert [r.path for r in read_learned_roots(scenario)] == learned
    kept = index.read_bytes()
    for args in commands:
        assert cli(*args) == without[args], args
    assert index.read_bytes() == kept  # nothing changed: not written again
    index.unlink()
    for args in commands:
        assert cli(*args) == without[args], args
    assert [r.path for r in read_learned_roots(scenario)] == learned


@pytest.mark.parametrize("then", [None, 4, 10, 21])
def test_a_snapshot_from_the_index_equals_one_from_every_record(
    scenario: AppPaths, then: int | None
) -> None:
    """`status` and the tray take the sessions' facts from the index (`StateFacts`); at any
    moment the snapshot is the one every record gives: now, and back when old session `then`
    ran (its plan limits counted then; 21 never ended and is known only from our hooks)."""
    from claude_tray.engine.snapshot import Clock
    from claude_tray.storage.state import read_all_facts
    from claude_tray.storage.zone import resolve_timezone
    from tests.states import write_state

    forever = "5e55-limit-without-reset"  # a plan limit with no reset time counts for good
    write_state(scenario, forever, started_at=OLD - 86_400 * 40)
    write_state(
        scenario,
        forever,
        statusline={"at": OLD - 86_400 * 40, "rate_limits": {"seven_day": {"used_percentage": 9}}},
    )
    old(state_file(scenario, forever))
    moment = NOW if then is None else started(then) + 1800
    clock = Clock(moment, resolve_timezone("UTC"))
    with Workspace.open() as workspace:
        workspace.refresh()
        for _ in range(2):  # without the index, then from it
            every = workspace.snapshot(clock, read_all_facts(scenario))
            indexed = workspace.snapshot(clock)
            assert indexed == every
    shown = {s.session_id for s in every.sessions}
    limits = {limit.name: limit.used_percent for limit in every.limits}
    if then is None:
        assert shown >= {sid(i) for i in range(SESSIONS - LIVE, SESSIONS)}
        assert len(limits) == 2
    elif then == 21:
        assert sid(21) in shown
    else:
        assert len(limits) == 2


def test_what_the_index_tells_of_all_sessions_is_what_their_facts_tell(scenario: AppPaths) -> None:
    """At every moment that matters (each session's last sign of life and each limit's reset,
    and just around them): the sessions seen since, and the plan limits that count."""
    from claude_tray.core.snapshot import plan_limits
    from claude_tray.storage.state import read_all_facts
    from tests.states import write_state

    for k, resets in enumerate([None, OLD - 5000, OLD - 4000]):  # limits reported long ago
        limit: dict[str, float] = {"used_percentage": 50 + k}
        if resets is not None:
            limit["resets_at"] = resets
        status = {"at": OLD - 6000 - k, "rate_limits": {"five_hour": limit}}
        write_state(scenario, f"5e55-limit-{k}", started_at=OLD - 7000, statusline=status)
        old(state_file(scenario, f"5e55-limit-{k}"))
    every = read_all_facts(scenario)
    moments = {OLD - 5000, OLD - 4000, NOW}
    for fact in every.values():
        moments.add(last_seen(fact))
        moments.update(x.resets_at for x in (fact.five_hour, fact.seven_day) if x and x.resets_at)
    for index in (SessionIndex(scenario), SessionIndex(scenario)):  # read; then kept
        facts = index.facts()
        assert dict(facts) == every and list(facts) == list(every)
        for moment in sorted(moments):
            for at in (moment - 0.001, moment, moment + 0.001):
                seen = [sid for sid, fact in every.items() if last_seen(fact) >= at]
                assert facts.seen_since(at) == seen
                assert plan_limits(facts.with_limits(at), at) == plan_limits(every.values(), at)


def test_the_records_it_gives_are_those_read_all_gives(scenario: AppPaths) -> None:
    """The tray takes a shown session's record (its reset mark) from the same `StateFacts`."""
    every = read_all(scenario)
    for index in (SessionIndex(scenario), SessionIndex(scenario)):  # read; then kept
        facts = index.facts()
        assert {sid: facts.record(sid) for sid in facts} == every
        assert facts.record("5e55-no-such-session") is None
        with pytest.raises(KeyError):
            facts["5e55-no-such-session"]


@pytest.mark.parametrize("command", [["status", "--json"], ["sessions", "--json"]])
def test_a_run_whose_pass_read_nothing_scans_the_state_folder_once(
    scenario: AppPaths,
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """`status` and `sessions` take the sessions' facts from the scan with which their pass
    learned its roots when that pass read no transcript (`cli.workspace.session_facts`); after a
    pass that read one, from a new scan. The answer is the same either way."""
    scans: list[int] = []
    real = SessionIndex.scan

    def counted(self: SessionIndex, now: float | None = None) -> Any:
        scans.append(1)
        return real(self, now)

    monkeypatch.setattr(SessionIndex, "scan", counted)
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    answers, counts = [], []
    for append in (False, False, True, False):  # the first run reads the scenario's transcript
        if append:  # a new line: the pass reads it
            claude.append(claude.transcript("live"), assistant("live", iso(NOW - 30), "m2"))
        scans.clear()
        assert main(command) == 0
        answers.append(capsys.readouterr().out)
        counts.append(len(scans))
    assert counts == [2, 1, 2, 1]
    assert answers[0] == answers[1]
    assert answers[2] == answers[3] != answers[1]
