"""A warm `today --json` or `status --json` (`cli.warm_answer`): the bytes a full run printed,
only while every input of that answer is as it was; any change makes the command run in full,
and its answer is then the one a run that keeps nothing prints. Every run here is the real CLI in
its own process, on real transcripts, a real ledger and real state files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.storage.answer_cache import ANSWERS_FILE
from claude_tray.storage.paths import app_dirs
from tests.states import write_state
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC).timestamp()

KEPT = """
import sys
from claude_tray.cli.main import _main
code = _main(sys.argv[1:], True)  # as the process's own command line (`main()` would end it)
modules = sorted(sys.modules)
sys.stdout.flush()
import json
print(json.dumps({"code": code, "modules": modules}), file=sys.stderr)
"""
"""`today --json` run as the `claude-tray` command runs it; reports its code and the modules it
loaded on the last line of stderr."""
FULL = "import sys\nfrom claude_tray.cli.main import main\nsys.exit(main(sys.argv[1:]))"
"""`today --json` from a caller in the same process: always the full run, nothing kept or used."""

WARM = {
    "claude_tray",
    "claude_tray.cli",
    "claude_tray.cli.clock",
    "claude_tray.cli.errors",
    "claude_tray.cli.main",
    "claude_tray.cli.warm_answer",
    "claude_tray.engine",
    "claude_tray.engine.discover",
    "claude_tray.storage",
    "claude_tray.storage.answer_cache",
    "claude_tray.storage.atomic",
    "claude_tray.storage.json_c",
    "claude_tray.storage.kept",
    "claude_tray.storage.lazy_log",
    "claude_tray.storage.locking",
    "claude_tray.storage.paths",
    "claude_tray.storage.private",
    "claude_tray.storage.regular",
}
"""Every module of ours a warm answer loads."""
NEVER = {"sqlite3", "pathlib", "zoneinfo", "datetime", "tomllib", "argparse", "logging", "json"}
"""Among others: what a warm answer never loads (the full run loads them all)."""


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        *lines, report = done.stderr.splitlines()
        self.stdout = done.stdout
        self.stderr = "".join(line + "\n" for line in lines)
        facts = json.loads(report)
        self.code: int = facts["code"]
        self.modules: set[str] = set(facts["modules"])

    @property
    def warm(self) -> bool:
        return "claude_tray.storage.ledger" not in self.modules


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    return os.environ  # type: ignore[return-value]


def cli(program: str, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", program, *argv], capture_output=True, text=True, env=env, timeout=120
    )


TODAY = ("today", "--json")
STATUS = ("status", "--json")


def kept(env: dict[str, str], argv: tuple[str, ...] = TODAY, **changes: str) -> Run:
    return Run(cli(KEPT, {**env, **changes}, *argv))


def full(env: dict[str, str], argv: tuple[str, ...] = TODAY, **changes: str) -> str:
    done = cli(FULL, {**env, **changes}, *argv)
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout


def warmed(env: dict[str, str], argv: tuple[str, ...] = TODAY, **changes: str) -> Run:
    """Runs until the answer is a warm one, and returns that run: a first run reads the
    transcripts, a second keeps its answer, a third prints it (a zone the config names is
    seen the same before and after a run from the third on: a fourth prints it)."""
    for _ in range(4):
        run = kept(env, argv, **changes)
        assert (run.code, run.stderr) == (0, "")
        if run.warm:
            return run
    raise AssertionError("no warm answer after four runs")


def ts(hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, 20, hour, minute, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
def history(claude: ClaudeData) -> ClaudeData:
    claude.write("s1", assistant("s1", ts(9), "m1", input=1000, output=50, cache_read=300))
    claude.write("s2", assistant("s2", ts(10), "m2", model="claude-sonnet-4-5", output=70))
    return claude


def test_a_warm_answer_is_the_full_run_s_bytes_and_loads_little(
    env: dict[str, str], history: ClaudeData
) -> None:
    first, second, run = kept(env), kept(env), kept(env)
    assert (first.code, first.stderr, first.warm) == (0, "", False)
    assert (second.code, second.stderr, second.warm) == (0, "", False)
    assert (run.code, run.stderr, run.warm) == (0, "", True)
    assert run.stdout == first.stdout == full(env)
    assert json.loads(run.stdout)["totalTokens"] == 1420
    ours = {name for name in run.modules if name.startswith("claude_tray")}
    assert ours == WARM
    assert NEVER & run.modules == set()


def test_the_answer_of_the_other_word_order_is_the_same(
    env: dict[str, str], history: ClaudeData
) -> None:
    run = warmed(env)
    other = Run(cli(KEPT, env, "--json", "today"))
    assert other.warm and other.stdout == run.stdout


def append_line(claude: ClaudeData, tmp_path: Path) -> None:
    claude.append(claude.transcript("s1"), assistant("s1", ts(11), "m9", input=5, output=5))


def rewrite_same_size(claude: ClaudeData, tmp_path: Path) -> None:
    path = claude.transcript("s2")
    data = path.read_bytes()
    assert b'"output_tokens":70' in data
    path.write_bytes(data.replace(b'"output_tokens":70', b'"output_tokens":71'))
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def new_transcript(claude: ClaudeData, tmp_path: Path) -> None:
    claude.write("s3", assistant("s3", ts(12), "m3", input=3, output=3), cwd="/home/u/other")


def deleted_transcript(claude: ClaudeData, tmp_path: Path) -> None:
    claude.transcript("s2").unlink()


def symlinked_folder(claude: ClaudeData, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "project"
    outside.mkdir(parents=True)
    (outside / "s4.jsonl").write_text(
        json.dumps(assistant("s4", ts(13), "m4", input=40, output=4)) + "\n"
    )
    (claude.root / "projects" / "-linked").symlink_to(outside, target_is_directory=True)


def config_budget(claude: ClaudeData, tmp_path: Path) -> None:
    (tmp_path / "tray-home" / "config.toml").write_text("[budgets]\ndaily = 0.5\n")


def price_override(claude: ClaudeData, tmp_path: Path) -> None:
    (tmp_path / "tray-home" / "config.toml").write_text(
        '[pricing.models."claude-sonnet-4-5"]\ninput = 100\noutput = 200\n'
    )


def config_timezone(claude: ClaudeData, tmp_path: Path) -> None:
    (tmp_path / "tray-home" / "config.toml").write_text('timezone = "Asia/Tokyo"\n')


def state_names_a_new_root(claude: ClaudeData, tmp_path: Path) -> None:
    other = ClaudeData(tmp_path / "other-root")
    transcript = other.write("s5", assistant("s5", ts(14), "m5", input=500, output=5))
    write_state(app_dirs(), "s5", transcript_path=str(transcript), cwd="/home/u/app")


def ledger_written_by_another_process(claude: ClaudeData, tmp_path: Path) -> None:
    """A message the ledger got from elsewhere (another process), the transcripts unchanged."""
    db = sqlite3.connect(tmp_path / "tray-home" / "data" / "ledger.sqlite3", isolation_level=None)
    try:
        insert_copy(db, 1)
    finally:
        db.close()


CHANGES: dict[str, Callable[[ClaudeData, Path], None]] = {
    "append to a transcript": append_line,
    "same size, another mtime": rewrite_same_size,
    "new transcript": new_transcript,
    "deleted transcript": deleted_transcript,
    "transcript in a symlinked folder": symlinked_folder,
    "budget in the config": config_budget,
    "price override": price_override,
    "timezone in the config": config_timezone,
    "a hook's state names a new root": state_names_a_new_root,
    "another process writes the ledger": ledger_written_by_another_process,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_changed_input_makes_the_full_run_answer(
    env: dict[str, str], history: ClaudeData, tmp_path: Path, change: str
) -> None:
    before = warmed(env)
    CHANGES[change](history, tmp_path)
    after = kept(env)
    assert (after.code, after.stderr, after.warm) == (0, "", False)
    assert after.stdout == full(env)
    again = warmed(env)  # then kept again, from the new inputs
    assert again.stdout == after.stdout
    if change in SHOWN:
        assert after.stdout != before.stdout, "the change should show in the answer"


SHOWN = set(CHANGES) - {"same size, another mtime", "deleted transcript"}
"""The changes that change the answer (the ledger keeps what a deleted transcript held)."""


@pytest.mark.parametrize(
    "changes",
    [
        {"TZ": "Asia/Tokyo"},
        {"CLAUDE_TRAY_NOW": str(NOW + 86_400)},  # the next day
        {"CLAUDE_TRAY_NOW": str(NOW - 86_400)},  # the day before
    ],
    ids=["timezone", "next day", "day before"],
)
def test_another_zone_or_day_makes_the_full_run_answer(
    env: dict[str, str], history: ClaudeData, changes: dict[str, str]
) -> None:
    before = warmed(env)
    after = kept(env, **changes)
    assert (after.code, after.stderr, after.warm) == (0, "", False)
    assert after.stdout == full(env, **changes) != before.stdout
    assert warmed(env, **changes).stdout == after.stdout


def test_a_warm_answer_holds_for_the_rest_of_its_day(
    env: dict[str, str], history: ClaudeData
) -> None:
    before = warmed(env)
    day_end = datetime(2026, 11, 21, tzinfo=UTC).timestamp()
    late = kept(env, CLAUDE_TRAY_NOW=str(day_end - 0.001))
    assert late.warm and late.stdout == before.stdout
    assert not kept(env, CLAUDE_TRAY_NOW=str(day_end)).warm


def test_a_wal_restarted_at_the_same_size_is_seen(
    env: dict[str, str], history: ClaudeData, tray_home: Path
) -> None:
    """Another process keeps the ledger open (its write-ahead log stays), writes, and after a
    checkpoint writes again from the log's start: the log's size is the same, its header and
    its index's are not."""
    ledger = tray_home / "data" / "ledger.sqlite3"
    warmed(env)
    holder = sqlite3.connect(ledger, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode = WAL")
        insert_copy(holder, 7)
        before = warmed(env)
        wal = Path(f"{ledger}-wal")
        size = wal.stat().st_size
        busy, _, _ = holder.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        assert busy == 0
        insert_copy(holder, 11)
        assert wal.stat().st_size == size  # the log restarted: its size alone tells nothing
        after = kept(env)
        assert not after.warm
        assert after.stdout == full(env) != before.stdout
    finally:
        holder.close()


def insert_copy(db: sqlite3.Connection, shift: int) -> None:
    """A copy of a message under another key: as if another process had read one more."""
    db.execute(
        "INSERT INTO messages (key, ts, session, project, model, input, output, "
        "cache_write_5m, cache_write_1h, cache_read, total, sidechain, fast, long) "
        f"SELECT key + {shift}, ts, session, project, model, input, output, cache_write_5m, "
        "cache_write_1h, cache_read, total, sidechain, fast, long FROM messages LIMIT 1"
    )


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{",
        b"\x00\xff garbage",
        b'{"version": 1, "answers": {"today --json": 5}}',
        b'{"version": 1, "answers": {"today --json": {"text": "x", "facts": {"stat:/": 1}}}}',
        None,
    ],
    ids=["empty", "cut short", "garbage", "wrong shape", "unknown facts", "another version"],
)
def test_a_damaged_answers_file_means_a_full_run(
    env: dict[str, str], history: ClaudeData, tray_home: Path, damage: bytes | None
) -> None:
    before = warmed(env)
    path = tray_home / "state" / ANSWERS_FILE
    if damage is None:
        data: dict[str, Any] = json.loads(path.read_bytes())
        data["answers"]["today --json"]["key"][0] = "0.0.0"  # kept by another version
        damage = json.dumps(data).encode()
    path.write_bytes(damage)
    after = kept(env)
    assert (after.code, after.stderr, after.warm) == (0, "", False)
    assert after.stdout == before.stdout == full(env)
    assert warmed(env).stdout == before.stdout


def test_an_answers_file_that_cannot_be_written_never_fails_the_command(
    env: dict[str, str], history: ClaudeData, tray_home: Path
) -> None:
    kept(env)
    (tray_home / "state" / ANSWERS_FILE).mkdir(parents=True)  # neither read nor replaced
    for _ in range(3):
        run = kept(env)
        assert (run.code, run.stderr, run.warm) == (0, "", False)
        assert run.stdout == full(env)


def test_a_run_that_warns_is_not_kept(
    env: dict[str, str], history: ClaudeData, tmp_path: Path
) -> None:
    """`CLAUDE_CONFIG_DIR` names a folder that does not exist: each run says so on stderr."""
    roots = f"{history.root},{tmp_path / 'missing'}"
    for _ in range(3):
        run = kept(env, CLAUDE_CONFIG_DIR=roots)
        assert run.code == 0 and "does not exist" in run.stderr
        assert not run.warm


def test_only_the_process_s_own_json_command_line_is_kept(
    env: dict[str, str], history: ClaudeData, tray_home: Path
) -> None:
    for _ in range(2):
        full(env)
        cli(KEPT, env, "today")
    assert not (tray_home / "state" / ANSWERS_FILE).exists()


def test_status_without_live_sessions_is_kept_for_the_rest_of_its_day(
    env: dict[str, str], history: ClaudeData
) -> None:
    """Nothing live (the last lines are hours old): the answer holds from its moment on, as
    sessions and limits only fall away as the clock moves on; not before that moment."""
    run = warmed(env, STATUS)
    assert run.stdout == full(env, STATUS)
    assert json.loads(run.stdout)["sessions"] == []
    later = kept(env, STATUS, CLAUDE_TRAY_NOW=str(NOW + 3600))
    assert later.warm and later.stdout == run.stdout
    earlier = kept(env, STATUS, CLAUDE_TRAY_NOW=str(NOW - 3600))
    assert not earlier.warm
    assert earlier.stdout == full(env, STATUS, CLAUDE_TRAY_NOW=str(NOW - 3600))
    today = warmed(env)  # each command keeps its own answer
    assert json.loads(today.stdout)["date"] == "2026-11-20"
    assert kept(env, STATUS, CLAUDE_TRAY_NOW=str(NOW + 3600)).warm


def test_status_with_a_live_session_is_not_kept(env: dict[str, str], history: ClaudeData) -> None:
    moment = datetime.fromtimestamp(NOW - 60, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    history.write("live", assistant("live", moment, "m8", input=8, output=8))
    for _ in range(4):
        run = kept(env, STATUS)
        assert (run.code, run.stderr, run.warm) == (0, "", False)
        assert len(json.loads(run.stdout)["sessions"]) == 1
    assert warmed(env).stdout == full(env)  # `today` shows no session: kept
