"""Incremental ingest on real transcript files: dedupe, offsets, and every kind of bad input."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claude_tray.engine.read import CHUNK, FileRead, read_file
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.ledger import Ledger, LedgerTooNew
from tests.tools import missing
from tests.transcripts import ClaudeData, assistant, compact, user


def totals(ws: Workspace) -> tuple[int, int, int, int, int, int]:
    row = ws.ledger.query(
        "SELECT count(*), coalesce(sum(input),0), coalesce(sum(output),0), "
        "coalesce(sum(cache_write_5m),0), coalesce(sum(cache_write_1h),0), "
        "coalesce(sum(cache_read),0) FROM messages"
    )[0]
    return tuple(int(v) for v in row)  # type: ignore[return-value, arg-type]


@pytest.fixture
def ws() -> Workspace:
    workspace = Workspace.open()
    yield workspace  # type: ignore[misc]
    workspace.close()


T = "2026-11-20T10:00:{:02d}.000Z"


# -- dedupe -----------------------------------------------------------------------------------


def test_streamed_copies_count_once_with_the_final_output(
    claude: ClaudeData, ws: Workspace
) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", input=5, output=1, cache_read=100, content="thinking"),
        assistant("s1", T.format(2), "m1", input=5, output=7, cache_read=100, content="text"),
        assistant("s1", T.format(3), "m1", input=5, output=40, cache_read=100, content="tool_use"),
    )
    ws.refresh()
    assert totals(ws) == (1, 5, 40, 0, 0, 100)


def test_dedupe_holds_across_files_and_passes(claude: ClaudeData, ws: Workspace) -> None:
    claude.write("old", assistant("old", T.format(1), "m1", input=10, output=20))
    ws.refresh()
    # A resumed session copies the response into a new file with a new session id.
    claude.write(
        "new",
        assistant("new", T.format(1), "m1", input=10, output=20),
        assistant("new", T.format(9), "m2", input=1, output=2),
    )
    ws.refresh()
    assert totals(ws) == (2, 11, 22, 0, 0, 0)
    # The copy adds no cost, and the original keeps it.
    sessions = dict(ws.ledger.query("SELECT session, sum(output) FROM messages GROUP BY session"))
    assert sessions == {"old": 20, "new": 2}


def test_tie_prefers_the_main_chain_copy(claude: ClaudeData, ws: Workspace) -> None:
    claude.append(
        claude.subagent("s1", "a1"),
        assistant("s1", T.format(1), "m1", input=3, output=3, sidechain=True),
    )
    ws.refresh()
    claude.write("s1", assistant("s1", T.format(1), "m1", input=3, output=3))
    ws.refresh()
    assert ws.ledger.query("SELECT sidechain FROM messages") == [(0,)]
    # ...but a larger sidechain copy still wins: largest total first.
    claude.append(
        claude.subagent("s1", "a1"),
        assistant("s1", T.format(1), "m1", input=3, output=4, sidechain=True),
    )
    ws.refresh()
    assert ws.ledger.query("SELECT sidechain, output FROM messages") == [(1, 4)]


def test_request_id_is_part_of_the_key(claude: ClaudeData, ws: Workspace) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", request_id="r1", output=1),
        assistant("s1", T.format(2), "m1", request_id="r2", output=2),
        assistant("s1", T.format(3), "m2", request_id=None, output=4),
        assistant("s1", T.format(3), "m2", request_id=None, output=4),
    )
    ws.refresh()
    assert totals(ws)[0] == 3
    assert totals(ws)[2] == 7


def test_lines_without_message_id_count_once_as_they_stand(
    claude: ClaudeData, ws: Workspace
) -> None:
    path = claude.write(
        "s1",
        assistant("s1", T.format(1), None, output=5),
        assistant("s1", T.format(2), None, output=6),
    )
    ws.refresh()
    assert totals(ws)[:3] == (2, 0, 11)
    # Read again from the start (file truncated and rewritten): still counted once.
    content = path.read_bytes()
    path.write_bytes(b"")
    ws.refresh()
    path.write_bytes(content)
    ws.refresh()
    assert totals(ws)[:3] == (2, 0, 11)


def test_api_errors_and_synthetic_lines_cost_nothing(claude: ClaudeData, ws: Workspace) -> None:
    error = assistant("s1", T.format(1), "e1", model="<synthetic>")
    error["isApiErrorMessage"] = True
    claude.write("s1", error)
    ws.refresh()
    assert totals(ws) == (0, 0, 0, 0, 0, 0)  # no ledger row for an error that cost nothing
    assert [s.session for s in ws.ledger.sessions()] == ["s1"]  # but it is activity


# -- incremental reading ------------------------------------------------------------------------


def test_second_pass_reads_only_the_new_bytes(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write("s1", *[assistant("s1", T.format(i), f"m{i}", output=1) for i in range(20)])
    first = ws.refresh()
    assert first.bytes_read == path.stat().st_size
    assert ws.refresh().files_read == 0
    before = path.stat().st_size
    claude.append(path, assistant("s1", T.format(30), "m30", output=1))
    second = ws.refresh()
    assert second.bytes_read == path.stat().st_size - before
    assert totals(ws)[0] == 21


def test_partial_last_line_is_held_back_until_complete(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.transcript("s1")
    line = json.dumps(assistant("s1", T.format(1), "m1", output=9)).encode()
    path.parent.mkdir(parents=True)
    path.write_bytes(line[:50])
    stats = ws.refresh()
    assert totals(ws)[0] == 0
    assert sum(stats.skipped.values()) == 0  # a partial line is not an error
    with open(path, "ab") as handle:
        handle.write(line[50:] + b"\n")
    ws.refresh()
    assert totals(ws)[:3] == (1, 0, 9)


def test_complete_last_line_without_newline_is_counted(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.transcript("s1")
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(assistant("s1", T.format(1), "m1", output=9)).encode())
    ws.refresh()
    claude.append(path, b"", assistant("s1", T.format(2), "m2", output=1))
    ws.refresh()
    assert totals(ws)[:3] == (2, 0, 10)


def test_truncated_file_is_read_again_without_double_counting(
    claude: ClaudeData, ws: Workspace
) -> None:
    path = claude.write("s1", *[assistant("s1", T.format(i), f"m{i}", output=1) for i in range(5)])
    ws.refresh()
    path.write_text(json.dumps(assistant("s1", T.format(50), "m50", output=100)) + "\n")
    ws.refresh()
    # History stays; the new message is added once.
    assert totals(ws)[:3] == (6, 0, 105)


def test_replaced_file_is_read_from_the_start(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write("s1", *[assistant("s1", T.format(i), f"m{i}", output=1) for i in range(3)])
    ws.refresh()
    replacement = path.with_suffix(".tmp")
    lines = [assistant("s1", T.format(i), f"m{i}", output=1) for i in range(3)]
    lines.append(assistant("s1", T.format(9), "m9", output=1))
    replacement.write_text("".join(json.dumps(x) + "\n" for x in lines) + "\n" * 50)
    os.replace(replacement, path)  # new inode, larger
    ws.refresh()
    assert totals(ws)[:3] == (4, 0, 4)


def test_deleted_transcripts_keep_their_history(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write("s1", assistant("s1", T.format(1), "m1", output=3))
    ws.refresh()
    path.unlink()
    ws.refresh()
    assert totals(ws)[:3] == (1, 0, 3)


def test_subagent_files_are_found_recursively(claude: ClaudeData, ws: Workspace) -> None:
    claude.write("s1", assistant("s1", T.format(1), "m1", output=1))
    claude.append(
        claude.subagent("s1", "x"), assistant("s1", T.format(2), "m2", output=2, sidechain=True)
    )
    legacy = claude.transcript("agent-legacy")
    claude.append(legacy, assistant("s1", T.format(3), "m3", output=4, sidechain=True))
    ws.refresh()
    assert totals(ws)[:3] == (3, 0, 7)


# -- bad input ----------------------------------------------------------------------------------


def test_malformed_lines_are_skipped_and_counted(claude: ClaudeData, ws: Workspace) -> None:
    claude.write(
        "s1",
        "{not json",
        '{"type":"assistant","message":{"usage":{"input_tokens":1}',
        "[1, 2, 3]",
        assistant("s1", T.format(1), "m1", output=2),
        '{"type":"assistant","usage": oops}',
    )
    stats = ws.refresh()
    assert totals(ws)[:3] == (1, 0, 2)
    assert stats.skipped["malformed JSON"] == 3
    assert stats.skipped["not a JSON object"] == 1  # `[1, 2, 3]` is valid JSON, not an object
    assert sum(c for _, _, c in ws.ledger.skipped()) == 4


def test_invalid_utf8(claude: ClaudeData, ws: Workspace) -> None:
    good = json.dumps(assistant("s1", T.format(1), "m1", output=2)).encode()
    # Broken bytes in a field we read: the line cannot be trusted and is skipped.
    bad_model = json.dumps(assistant("s1", T.format(2), "m2", output=3, model="claude-XX"))
    bad_model_bytes = bad_model.encode().replace(b"XX", b"\xff\xfe")
    # Broken bytes only in the message content, which we never read: the usage still counts.
    bad_content = json.dumps(assistant("s1", T.format(3), "m3", output=4, content="XX"))
    bad_content_bytes = bad_content.encode().replace(b"XX", b"\xff\xfe")
    claude.write("s1", good, bad_model_bytes, bad_content_bytes)
    stats = ws.refresh()
    assert totals(ws)[:3] == (2, 0, 6)
    assert stats.skipped["invalid UTF-8"] == 1


@pytest.mark.parametrize(
    ("field", "value", "counted"),
    [
        ("output_tokens", -5, False),
        ("output_tokens", 2.5, False),
        ("output_tokens", "12", False),
        ("output_tokens", True, False),
        ("output_tokens", None, True),
        ("output_tokens", 7.0, True),
        ("cache_read_input_tokens", None, True),
    ],
)
def test_bad_token_counts(
    claude: ClaudeData, ws: Workspace, field: str, value: object, counted: bool
) -> None:
    line = assistant("s1", T.format(1), "m1", output=1)
    line["message"]["usage"][field] = value
    claude.write("s1", line)
    stats = ws.refresh()
    assert totals(ws)[0] == (1 if counted else 0)
    if not counted:
        assert stats.skipped["negative or non-integer token count"] == 1


def test_missing_and_null_fields(claude: ClaudeData, ws: Workspace) -> None:
    bare = {
        "type": "assistant",
        "timestamp": T.format(1),
        "message": {"usage": {"output_tokens": 4}},
    }
    nulls = assistant("s1", T.format(2), "m2", output=3)
    nulls.update({"sessionId": None, "cwd": None, "isSidechain": None, "requestId": None})
    nulls["message"]["model"] = None
    no_usage = {"type": "assistant", "timestamp": T.format(3), "message": {"id": "x"}}
    no_time = assistant("s1", None, "m4", output=1)  # type: ignore[arg-type]
    claude.write("s1", bare, nulls, no_usage, no_time, {"type": "assistant", "message": None})
    stats = ws.refresh()
    assert totals(ws)[:3] == (2, 0, 7)
    assert stats.skipped["missing or invalid timestamp"] == 1
    # Lines without a session id belong to the file's session.
    assert {s.session for s in ws.ledger.sessions()} == {"s1"}
    assert {m for (m,) in ws.ledger.query("SELECT model FROM messages")} == {"unknown"}


@pytest.mark.parametrize(
    ("stamp", "iso_utc"),
    [
        ("2026-11-20T10:00:05.123Z", "2026-11-20T10:00:05.123000+00:00"),
        ("2026-11-20T10:00:05Z", "2026-11-20T10:00:05+00:00"),
        ("2026-11-20T12:00:05+02:00", "2026-11-20T10:00:05+00:00"),
        ("2026-11-20T05:30:05.5-04:30", "2026-11-20T10:00:05.500000+00:00"),
        ("2026-11-20T10:00:05", "2026-11-20T10:00:05+00:00"),
    ],
)
def test_timestamp_shapes(claude: ClaudeData, ws: Workspace, stamp: str, iso_utc: str) -> None:
    from datetime import UTC, datetime

    claude.write("s1", assistant("s1", stamp, "m1", output=1))
    ws.refresh()
    (ts,) = ws.ledger.query("SELECT ts FROM messages")[0]
    assert datetime.fromtimestamp(float(ts), UTC).isoformat() == iso_utc  # type: ignore[arg-type]


def test_a_50_mb_single_line(claude: ClaudeData, ws: Workspace) -> None:
    huge = user("s1", T.format(1), text="x" * (50 << 20))
    big_usage = assistant("s1", T.format(2), "m1", output=5, content="y" * (50 << 20))
    claude.write("s1", huge, big_usage, assistant("s1", T.format(3), "m2", output=1))
    stats = ws.refresh()
    assert totals(ws)[:3] == (2, 0, 6)
    assert sum(stats.skipped.values()) == 0


def test_a_line_over_the_limit_is_skipped_without_holding_it(
    claude: ClaudeData, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.engine import read

    monkeypatch.setattr(read, "MAX_LINE", 1 << 20)
    monkeypatch.setattr(read, "CHUNK", 64 << 10)
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", output=1),
        user("s1", T.format(2), text="z" * (3 << 20)),
        assistant("s1", T.format(3), "m2", output=2),
    )
    stats = ws.refresh()
    assert totals(ws)[:3] == (2, 0, 3)
    assert stats.skipped["line longer than the limit"] == 1


def test_binary_file_named_jsonl(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.transcript("binary")
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)) * 4000 + b"\n" + os.urandom(100_000))
    claude.write("s1", assistant("s1", T.format(1), "m1", output=2))
    stats = ws.refresh()
    assert totals(ws)[:3] == (1, 0, 2)
    assert stats.skipped["malformed JSON"] >= 1


def test_empty_file_and_empty_lines(claude: ClaudeData, ws: Workspace) -> None:
    empty = claude.transcript("empty")
    empty.parent.mkdir(parents=True)
    empty.touch()
    claude.write("s1", "", "   ", assistant("s1", T.format(1), "m1", output=2), "")
    stats = ws.refresh()
    assert totals(ws)[:3] == (1, 0, 2)
    assert sum(stats.skipped.values()) == 0


def test_directory_loop_through_symlinks(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write("s1", assistant("s1", T.format(1), "m1", output=2))
    (path.parent / "loop").symlink_to(path.parent, target_is_directory=True)
    (claude.root / "projects" / "up").symlink_to(claude.root, target_is_directory=True)
    stats = ws.refresh()
    assert stats.files_seen == 1
    assert totals(ws)[:3] == (1, 0, 2)


def test_dangling_symlink_and_unreadable_files(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write("s1", assistant("s1", T.format(1), "m1", output=2))
    (path.parent / "gone.jsonl").symlink_to(path.parent / "missing.jsonl")
    locked = claude.write("locked", assistant("locked", T.format(2), "m2", output=3))
    locked.chmod(0)
    stats = ws.refresh()
    if os.geteuid() == 0:  # root reads anyway; the unreadable case runs as another user below
        assert totals(ws)[:3] == (2, 0, 5)
    else:
        assert totals(ws)[:3] == (1, 0, 2)
        assert any("locked" in p for p, _ in stats.problems)


def test_unreadable_file_as_an_unprivileged_user() -> None:
    import tempfile

    if os.geteuid() != 0:
        missing("root", "run as root, as CI does: it drops to user 65534 with setpriv")
    if shutil.which("setpriv") is None:
        missing("setpriv", "apt-get install util-linux")

    # pytest's own temp folders are private to root: build this tree in a world-readable one.
    top = Path(tempfile.mkdtemp(prefix="claude-tray-nobody-"))
    try:
        top.chmod(0o755)
        claude = ClaudeData(top / "claude")
        claude.write("s1", assistant("s1", T.format(1), "m1", output=2))
        locked = claude.write("locked", assistant("locked", T.format(2), "m2", output=3))
        for folder in [p for p in top.rglob("*") if p.is_dir()]:
            folder.chmod(0o755)
        (top / "home").mkdir(mode=0o777)
        (top / "home").chmod(0o777)
        locked.chmod(0o600)
        env = {
            **os.environ,
            "CLAUDE_TRAY_HOME": str(top / "home" / "tray"),
            "HOME": str(top / "home"),
            "CLAUDE_CONFIG_DIR": str(claude.root),
            "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "app"),
        }
        result = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-m",
                "claude_tray",
                "doctor",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            timeout=60,
        )
        if result.returncode != 0 and "claude-tray" not in result.stderr:
            pytest.skip(f"python cannot run as an unprivileged user here: {result.stderr[:200]}")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert [u["path"] for u in report["unreadable"]] == [str(locked)]
        assert report["unreadable"][0]["problem"] == "Permission denied"
        assert report["ledger"]["messages"] == 1
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_no_data_root_at_all_is_not_an_error(tmp_path: Path, ws: Workspace) -> None:
    stats = ws.refresh()
    assert not stats.data_found
    assert stats.missing_roots == ws.roots


# -- the ledger itself -------------------------------------------------------------------------


def test_corrupt_ledger_is_kept_and_repaired(claude: ClaudeData, tray_home: Path) -> None:
    claude.write("s1", assistant("s1", T.format(1), "m1", output=2))
    with Workspace.open() as ws:
        ws.refresh()
        ledger_path = ws.paths.ledger
    ledger_path.write_bytes(b"this is not a database" * 100)
    for side in ("-wal", "-shm"):
        Path(str(ledger_path) + side).unlink(missing_ok=True)
    with Workspace.open() as ws:
        assert ws.repaired is not None and ws.repaired.action == "salvaged"
        assert ws.repaired.kept is not None and ws.repaired.kept.exists()  # kept, to inspect
        ws.refresh()
        assert totals(ws)[:3] == (1, 0, 2)


def test_ledger_from_a_newer_version_is_refused_and_left_as_it_is(tray_home: Path) -> None:
    with Workspace.open() as ws:
        path = ws.paths.ledger
        ws.ledger.query("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(LedgerTooNew, match=r"written by claude-tray .*; upgrade"):
        Workspace.open()
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if ".corrupt" in p.name] == []


def test_two_processes_ingesting_at_once(claude: ClaudeData) -> None:
    for s in range(30):
        claude.write(
            f"s{s}",
            *[
                assistant(f"s{s}", T.format(i % 60), f"m{s}-{i}", output=1, input=2)
                for i in range(200)
            ],
            cwd=f"/home/u/p{s % 3}",
        )
    command = [sys.executable, "-m", "claude_tray", "daily", "--json"]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "locked" not in err
        assert json.loads(out)["totals"]["outputTokens"] == 6000
    with Workspace.open() as ws:
        assert totals(ws)[:3] == (6000, 12000, 6000)


def test_ledger_reopens_with_its_schema(tray_home: Path) -> None:
    with Workspace.open() as ws:
        path = ws.paths.ledger
    ledger = Ledger(path)
    try:
        assert ledger.query("PRAGMA user_version")[0][0] >= 1
        assert ledger.query("PRAGMA journal_mode")[0][0] == "wal"
        assert ledger.read_only is None
    finally:
        ledger.close()


def test_compact_boundary_lines_are_read(claude: ClaudeData, ws: Workspace) -> None:
    claude.write(
        "s1",
        assistant("s1", T.format(1), "m1", cache_read=150_000),
        compact("s1", T.format(5), 20_000),
    )
    ws.refresh()
    (row,) = ws.ledger.sessions()
    assert (row.context_tokens, row.compact_tokens) == (150_000, 20_000)


def test_a_pass_over_named_files_reads_only_those(claude: ClaudeData, ws: Workspace) -> None:
    a = claude.write("a", assistant("a", T.format(1), "m1", output=1))
    b = claude.write("b", assistant("b", T.format(2), "m2", output=2))
    outside = claude.root.parent / "elsewhere.jsonl"
    outside.write_text(json.dumps(assistant("x", T.format(3), "m3", output=4)) + "\n")
    stats = ws.refresh(only=[a, outside, a.with_suffix(".txt")])
    assert (stats.files_seen, stats.files_read) == (1, 1)
    assert totals(ws)[:3] == (1, 0, 1)
    claude.append(a, assistant("a", T.format(5), "m5", output=8))
    ws.refresh(only=[a])
    assert totals(ws)[:3] == (2, 0, 9)
    ws.refresh()  # the full pass finds b, and reads nothing of a twice
    assert totals(ws)[:3] == (3, 0, 11)
    assert b.exists()


# -- worker processes ---------------------------------------------------------------------------


_READ_HERE: list[str] = []
"""The files `_read_noted` read in this process (a worker notes them in its own copy)."""


def _read_noted(
    path: str, start: int, head: tuple[int, int] = (0, 0), chunk: int = CHUNK
) -> FileRead:
    _READ_HERE.append(path)
    return read_file(path, start, head, chunk)


def _write_resumed_sessions(claude: ClaudeData, count: int) -> None:
    """`count` transcripts, each a session whose file also holds a copy of the previous file's
    response (a resumed session: a dedupe tie), modified one second apart, oldest first."""
    for n in range(count):
        lines = [assistant(f"s{n}", T.format(n), f"m{n}", input=n, output=2 * n)]
        if n:
            lines.append(
                assistant(f"s{n}", T.format(n - 1), f"m{n - 1}", input=n - 1, output=2 * n - 2)
            )
        path = claude.write(f"s{n}", *lines)
        os.utime(path, (1_800_000_000 + n, 1_800_000_000 + n))  # read oldest first, in order


def _ledger_after_a_first_read(
    monkeypatch: pytest.MonkeyPatch, home: Path, tables: tuple[str, ...]
) -> list[list[tuple[object, ...]]]:
    """The rows of `tables`, then the files' read positions, after a first read into `home`."""
    monkeypatch.setenv("CLAUDE_TRAY_HOME", str(home))
    with Workspace.open() as ws:
        ws.refresh()
        return [ws.ledger.query(f"SELECT * FROM {table} ORDER BY 1, 2") for table in tables] + [
            ws.ledger.query("SELECT path, offset, lines FROM files ORDER BY path")
        ]


def test_a_read_in_worker_processes_leaves_the_ledger_as_one_process_does(
    claude: ClaudeData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real worker processes (the threshold lowered so a small history takes that path), the
    first files read in this process while they start: the same rows, sessions, rollup, marks
    and dedupe ties (a copy in a later file never wins a tie) as a read in one process."""
    from claude_tray.engine import ingest, read

    _write_resumed_sessions(claude, 24)

    def ledger_after_a_first_read(home: str) -> list[list[tuple[object, ...]]]:
        return _ledger_after_a_first_read(
            monkeypatch, tmp_path / home, ("messages", "sessions", "slots")
        )

    one = ledger_after_a_first_read("one")
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(ingest, "HEAD_SHARE", 0.25)
    _READ_HERE.clear()
    monkeypatch.setattr(read, "read_file", _read_noted)  # ingest imports it when it reads
    assert ledger_after_a_first_read("workers") == one
    assert 0 < len(_READ_HERE) < 24  # the first files here, the others in the workers
    assert len(one[0]) == 24 and len(one[3]) == 24


def test_a_first_read_stores_its_groups_with_the_cycle_collector_off(
    claude: ClaudeData, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first read makes a few hundred thousand row tuples and no cycle among them: the cycle
    collector is held off while its groups are read and stored, and is on again after."""
    claude.write("s1", assistant("s1", T.format(1), "m1", output=2))
    claude.write("s2", assistant("s2", T.format(2), "m2", output=3))
    collecting: list[bool] = []
    real = Ledger.record_files

    def noting(ledger: Ledger, files: Any, alone: bool = False) -> None:
        collecting.append(gc.isenabled())
        real(ledger, files, alone)

    monkeypatch.setattr(Ledger, "record_files", noting)
    assert gc.isenabled()
    ws.refresh()
    assert collecting == [False]
    assert gc.isenabled()
    assert totals(ws)[:3] == (2, 0, 5)


def test_a_bulk_first_read_builds_the_indexes_before_its_last_files(
    claude: ClaudeData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first read into an empty ledger (bulk) builds the ledger's indexes once most of its
    bytes are stored, while the rest is still read, and leaves the ledger as a read that is no
    bulk load does."""
    from claude_tray.engine import ingest

    _write_resumed_sessions(claude, 20)

    def ledger_after_a_first_read(home: str) -> list[list[tuple[object, ...]]]:
        return _ledger_after_a_first_read(
            monkeypatch, tmp_path / home, ("messages", "sessions", "slots", "unrecorded")
        )

    plain = ledger_after_a_first_read("plain")
    indexed: list[bool] = []
    real = Ledger.record_files

    def noting(ledger: Ledger, files: Any, alone: bool = False) -> None:
        names = ledger.query("SELECT name FROM sqlite_master WHERE type = 'index'")
        indexed.append(("messages_ts",) in names and ("messages_session",) in names)
        real(ledger, files, alone)

    monkeypatch.setattr(Ledger, "record_files", noting)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 1)  # a bulk load, read in this process
    monkeypatch.setattr(ingest, "MAX_WORKERS", 1)
    monkeypatch.setattr(ingest, "GROUP_FILES", 1)
    assert ledger_after_a_first_read("bulk") == plain
    assert len(indexed) == 20
    assert not indexed[0] and indexed[-1]
    assert 15 <= indexed.index(True) <= 19  # after 85% of the bytes
