"""`claude-tray hook` records every event Claude Code sends in the session's state file."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_tray.hooks.category import category_for
from claude_tray.hooks.git_info import git_info
from claude_tray.storage.paths import AppDirs, app_paths
from claude_tray.storage.state import MAX_COMPACTIONS
from tests.hooks import payloads
from tests.hooks.conftest import Result, facts_of, hooks_log, state_of, write_config

Hook = Callable[[dict[str, Any] | bytes], Result]
T0 = 1_775_000_000.0


def at(monkeypatch: pytest.MonkeyPatch, moment: float) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(moment))


def test_a_whole_session_is_recorded(
    hook: Hook, paths: AppDirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = str(tmp_path / "app")
    sid = payloads.SESSION
    steps: list[tuple[float, dict[str, Any]]] = [
        (T0, payloads.session_start(cwd=cwd, model="claude-opus-4-5-20251101")),
        (T0 + 5, payloads.user_prompt_submit(cwd=cwd)),
        (T0 + 60, payloads.stop(cwd=cwd)),
        (T0 + 70, payloads.pre_compact(cwd=cwd, trigger="manual")),
        (T0 + 90, payloads.post_compact(cwd=cwd, trigger="manual")),
        (T0 + 95, payloads.session_start(cwd=cwd, source="compact", model=None)),
        (T0 + 100, payloads.user_prompt_submit(cwd=cwd)),
        (T0 + 600, payloads.session_end(cwd=cwd, reason="prompt_input_exit")),
    ]
    for moment, payload in steps:
        at(monkeypatch, moment)
        result = hook(payload)
        assert (result.code, result.stdout) == (0, "")
    state = state_of(paths, sid)
    assert state["session_id"] == sid
    assert state["transcript_path"].endswith(f"{sid}.jsonl")
    assert state["cwd"] == cwd
    assert state["started_at"] == T0
    assert state["source"] == "compact"
    assert state["model"] == "claude-opus-4-5-20251101"
    assert state["events"] == {
        "SessionStart": 2,
        "UserPromptSubmit": 2,
        "Stop": 1,
        "PreCompact": 1,
        "PostCompact": 1,
        "SessionEnd": 1,
    }
    assert state["compactions"] == [
        {"at": T0 + 70, "event": "PreCompact", "trigger": "manual"},
        {"at": T0 + 90, "event": "PostCompact", "trigger": "manual"},
    ]
    assert state["last_event"] == {"name": "SessionEnd", "at": T0 + 600}
    assert (state["ended_at"], state["end_reason"], state["duration"]) == (
        T0 + 600,
        "prompt_input_exit",
        600.0,
    )
    facts = facts_of(app_paths(), sid)
    assert (facts.started_at, facts.ended_at, facts.last_event_at) == (T0, T0 + 600, T0 + 600)
    assert facts.project == cwd
    assert hooks_log() == ""


def test_a_resumed_session_is_active_again(
    hook: Hook, paths: AppDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, T0)
    hook(payloads.session_start())
    at(monkeypatch, T0 + 100)
    hook(payloads.session_end(reason="other"))
    at(monkeypatch, T0 + 5000)
    hook(payloads.session_start(source="resume", model={"id": "claude-sonnet-4-5"}))
    state = state_of(paths, payloads.SESSION)
    assert "ended_at" not in state and "duration" not in state
    assert state["started_at"] == T0
    assert state["model"] == "claude-sonnet-4-5"


def test_compaction_lifts_the_pause_mark(
    hook: Hook, paths: AppDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.storage.state import mark_paused

    mark_paused(app_paths(), payloads.SESSION, "pause", 91.0, T0)
    at(monkeypatch, T0 + 10)
    hook(payloads.pre_compact())
    assert state_of(paths, payloads.SESSION)["pause"]["paused"] is True
    hook(payloads.post_compact())
    assert state_of(paths, payloads.SESSION)["pause"] == {
        "paused": False,
        "at": T0 + 10,
        "lifted": "compacted",
    }


def test_compactions_are_bounded(hook: Hook, paths: AppDirs) -> None:
    for _ in range(MAX_COMPACTIONS + 7):
        hook(payloads.pre_compact())
    entries = state_of(paths, payloads.SESSION)["compactions"]
    assert len(entries) == MAX_COMPACTIONS


def test_unknown_events_and_fields_are_recorded_without_fuss(hook: Hook, paths: AppDirs) -> None:
    payload = {
        **payloads.stop(),
        "hook_event_name": "SubagentStop",
        "brand_new": {"x": [1]},
        "cwd": 42,
    }
    assert hook(payload) == Result(0, "")
    state = state_of(paths, payloads.SESSION)
    assert state["events"] == {"SubagentStop": 1}
    assert "cwd" not in state


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"hook_event_name": "Stop"}',
        b'{"session_id": 5}',
        b"\xff\xfe",
    ],
)
def test_bad_input_lets_everything_through_and_is_logged(hook: Hook, raw: bytes) -> None:
    assert hook(raw) == Result(0, "")
    assert "hook:" in hooks_log()


# -- git, without a subprocess ---------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)
    return done.stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "src").mkdir()
    (root / "src" / "a.txt").write_text("a")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_branch_of_a_checkout_from_a_subfolder(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/parser")
    assert git_info(str(repo / "src")) == {
        "root": str(repo),
        "repository": str(repo),
        "branch": "feature/parser",
    }


def test_a_detached_head_gives_the_commit(repo: Path) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach")
    assert git_info(str(repo)) == {
        "root": str(repo),
        "repository": str(repo),
        "branch": None,
        "commit": sha,
    }


def test_a_linked_worktree_names_its_main_repository(repo: Path, tmp_path: Path) -> None:
    tree = tmp_path / "trees" / "hotfix"
    git(repo, "worktree", "add", "-q", "-b", "hotfix", str(tree))
    assert (tree / ".git").is_file()
    assert git_info(str(tree / "src")) == {
        "root": str(tree),
        "repository": str(repo),
        "branch": "hotfix",
    }


def test_outside_a_repository_there_is_none(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert git_info(str(tmp_path / "plain")) is None


def test_the_hook_records_the_branch(hook: Hook, paths: AppDirs, repo: Path) -> None:
    hook(payloads.user_prompt_submit(cwd=str(repo / "src")))
    assert state_of(paths, payloads.SESSION)["git"]["branch"] == "main"


# -- categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cwd", "expected"),
    [
        ("~/work/infra", "infrastructure"),
        ("~/work/infra/terraform/modules", "infrastructure"),
        ("~/work/infrastructure", "work"),
        ("~/work/app", "work"),
        ("~/work/app/deep/er", None),
        ("/srv/scratch-42", "scratch"),
        ("/srv/scratch-42/x", None),
        ("/elsewhere", None),
    ],
)
def test_categories_follow_the_first_matching_pattern(cwd: str, expected: str | None) -> None:
    patterns = [
        ("~/work/infra/**", "infrastructure"),
        ("~/work/*", "work"),
        ("/srv/scratch-??", "scratch"),
    ]
    assert category_for(cwd, patterns) == expected


def test_the_hook_records_the_category_from_the_config(
    hook: Hook, paths: AppDirs, isolated_home: Path
) -> None:
    write_config('[categories]\n"~/work/infra/**" = "infrastructure"\n"~/**" = "other"\n')
    hook(payloads.user_prompt_submit(cwd=str(isolated_home / "work" / "infra" / "dns")))
    assert state_of(paths, payloads.SESSION)["category"] == "infrastructure"
    hook(payloads.user_prompt_submit(session="s2", cwd=str(isolated_home / "notes")))
    assert state_of(paths, "s2")["category"] == "other"
    hook(payloads.user_prompt_submit(session="s3", cwd="/opt/elsewhere"))
    assert "category" not in state_of(paths, "s3")
