"""Every session the user is running: one known only from its status line shows in `sessions`,
`status` and the tray, and can be reset; a transcript under a root the tray does not watch teaches
it that root (remembered, shown by `doctor`, removable). Real state files written by the real
status line, real transcripts, the CLI."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_tray.cli.main import main
from claude_tray.core.view import ViewOptions, tray_view
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.hooks.fast import run_statusline
from claude_tray.storage.learned_roots import read_learned_roots, root_of_transcript
from claude_tray.storage.paths import app_paths
from claude_tray.storage.state import read_session
from claude_tray.storage.zone import resolve_timezone
from tests.hooks import payloads
from tests.states import hooks_ran
from tests.transcripts import ClaudeData, assistant, project_folder

ELSEWHERE = "e15e-0001"


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def status_line(payload: dict[str, Any]) -> str:
    out = io.BytesIO()
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), out, None) == 0
    return out.getvalue().decode()


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def elsewhere_payload(root: Path, percent: float = 72, size: int = 1_000_000) -> dict[str, Any]:
    payload = payloads.status_new(
        session=ELSEWHERE, cwd="/home/u/other", percent=percent, size=size
    )
    folder = project_folder("/home/u/other")
    payload["transcript_path"] = str(root / "projects" / folder / f"{ELSEWHERE}.jsonl")
    return payload


def test_a_session_known_only_from_its_status_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, claude: ClaudeData
) -> None:
    claude.write("local", assistant("local", iso(time.time() - 60), "m1", input=10, output=1))
    status_line(elsewhere_payload(tmp_path / "not-there", percent=72))  # no such root on disk
    sessions = {s["sessionId"]: s for s in run_json(capsys, "sessions")["sessions"]}
    assert set(sessions) == {"local", ELSEWHERE}
    shown = sessions[ELSEWHERE]
    assert shown["contextSource"] == "statusline"
    assert shown["contextWindow"] == 1_000_000
    assert shown["contextPercent"] == 72
    assert shown["contextTokens"] == 720_000
    assert shown["project"] == "/home/u/other"
    status = run_json(capsys, "status")
    assert ELSEWHERE in [s["sessionId"] for s in status["sessions"]]
    table = main(["sessions"])
    assert table == 0 and "other" in capsys.readouterr().out


def test_the_tray_shows_it_and_it_can_be_reset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status_line(elsewhere_payload(tmp_path / "not-there", percent=91, size=200_000))
    now = time.time()
    tz = resolve_timezone("UTC")
    with Workspace.open() as workspace:
        workspace.refresh()
        snapshot = workspace.snapshot(Clock(now, tz))
    assert [s.session_id for s in snapshot.sessions] == [ELSEWHERE]
    options = ViewOptions(
        show_percent=True,
        notifications_paused_until=None,
        autostart_enabled=False,
        now=now,
        tz=tz,
    )
    view = tray_view(snapshot, options)
    assert view.icon.text == "91"
    assert any("other" in entry.text and "91%" in entry.text for entry in view.menu)
    # Reset session, as from the tray's menu or the CLI
    assert main(["reset", ELSEWHERE[:6]]) == 0, capsys.readouterr().err
    state = read_session(app_paths(), ELSEWHERE)
    assert state is not None and state.reset_mark is not None and state.pause is not None
    assert state.reset_mark.level == snapshot.sessions[0].level.label
    assert state.pause.paused is False


def test_a_transcript_under_another_root_teaches_that_root(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, claude: ClaudeData
) -> None:
    other = ClaudeData(tmp_path / "other-config")
    other.write(
        ELSEWHERE,
        assistant(ELSEWHERE, iso(time.time() - 30), "x1", input=4000, output=100),
        cwd="/home/u/other",
    )
    claude.write("local", assistant("local", iso(time.time() - 60), "m1", input=10, output=1))
    assert run_json(capsys, "today")["inputTokens"] == 10  # not known yet
    status_line(elsewhere_payload(other.root))
    assert run_json(capsys, "today")["inputTokens"] == 4010  # learned, and read
    learned = read_learned_roots(app_paths())
    assert [r.path for r in learned] == [other.root]
    assert learned[0].session == ELSEWHERE
    doctor = run_json(capsys, "doctor")
    roots = {r["path"]: r for r in doctor["roots"]}
    assert roots[str(other.root)]["learnedFromSession"] == ELSEWHERE
    assert roots[str(claude.root)]["learnedFromSession"] is None
    assert main(["doctor"]) == 0
    assert "learned from session e15e-0001" in capsys.readouterr().out
    sessions = {s["sessionId"]: s for s in run_json(capsys, "sessions")["sessions"]}
    assert sessions[ELSEWHERE]["cost"] > 0

    # removable, and not learned again from the same session's payloads
    assert main(["roots", "remove", str(other.root)]) == 0
    capsys.readouterr()
    status_line(elsewhere_payload(other.root))
    listed = run_json(capsys, "roots")["roots"]
    assert str(other.root) not in [r["path"] for r in listed]
    assert read_learned_roots(app_paths()) == []
    assert main(["roots", "remove", str(other.root)]) == 2  # not a learned root any more
    assert "not a learned root" in capsys.readouterr().err


def test_a_root_already_watched_is_not_learned(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData
) -> None:
    claude.write(ELSEWHERE, assistant(ELSEWHERE, iso(time.time() - 30), "x1", input=5))
    status_line(elsewhere_payload(claude.root))
    assert run_json(capsys, "today")["inputTokens"] == 5
    assert read_learned_roots(app_paths()) == []


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/home/u/.claude/projects/-home-u-app/s.jsonl", "/home/u/.claude"),
        ("/srv/cc/projects/-a/s/subagents/agent-1.jsonl", "/srv/cc/projects/-a/s/subagents/.."),
        ("/x/projects/projects/-a/s.jsonl", "/x/projects"),
        ("relative/projects/-a/s.jsonl", None),
        ("/home/u/no-projects/s.jsonl", None),
        ("/projects/s.jsonl", None),
        ("", None),
        (42, None),
    ],
)
def test_root_of_transcript(path: object, root: str | None) -> None:
    found = root_of_transcript(path)
    if root is None:
        assert found is None
    elif root.endswith(".."):
        assert found == Path("/srv/cc")
    else:
        assert found == Path(root)


def test_it_is_paused_like_any_other(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status_line(elsewhere_payload(tmp_path / "not-there", percent=97, size=200_000))
    hooks_ran(app_paths(), ELSEWHERE)  # our gate runs there too: the pause holds it
    (shown,) = run_json(capsys, "sessions")["sessions"]
    assert shown["sessionId"] == ELSEWHERE
    assert shown["paused"] is True
    assert shown["contextSource"] == "statusline"
    assert main(["reset", ELSEWHERE]) == 0
    capsys.readouterr()
    (shown,) = run_json(capsys, "sessions")["sessions"]
    assert shown["paused"] is False
