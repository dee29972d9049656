"""One sanitizer for every string shown to a person: escape sequences, control characters and
bidi overrides from transcripts, payloads or the config never reach a terminal, a notification,
the tray's menu or tooltip, or a CSV on stdout; `--json` escapes them (the data stays whole); a
command shown for pasting is shell-quoted."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_tray.cli.main import main
from claude_tray.core.alerts import AlertRules
from claude_tray.core.levels import Level, Thresholds
from claude_tray.core.notices import session_notice
from claude_tray.core.sanitize import clean, escape_json
from claude_tray.core.view import tray_view
from claude_tray.hooks.gate import _reset_command
from tests.hooks.conftest import PROGRAM
from tests.transcripts import ClaudeData, assistant
from tests.tray_snapshots import line, options, session, snapshot, spend

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
EVIL_CWD = "/home/u/\x1b[31mred\x1b]0;pwned\x07\u202eevil\nnext"
EVIL_MODEL = "claude-opus-4-5\x1b[2J\u202e"
UNSAFE = ("\x1b", "\x07", "\u202e", "\x9b", "\n")


def assert_safe(text: str) -> None:
    for char in UNSAFE:
        assert char not in text, (char, text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain /home/u/app", "plain /home/u/app"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("title\x1b]0;x\x07end", "titleend"),
        ("osc\x1b]8;;http://x\x1b\\link", "osclink"),
        ("8-bit \x9b31mcsi", "8-bit csi"),
        ("line\nbreak\ttab\x07bell\x7f", "line break tab bell "),
        ("abc\u202edcba\u2066x\u2069", "abcdcbax"),
        ("émoji 😀 ok", "émoji 😀 ok"),
        ("trailing escape \x1b", "trailing escape "),
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_escape_json_keeps_the_data_and_leaves_plain_text_alone() -> None:
    data = {"k\u202e": ["a\u2066b\x7f\x85\u2028 é 😀", 1.5, None]}
    text = json.dumps(data, ensure_ascii=False, indent=2)
    escaped = escape_json(text)
    assert json.loads(escaped) == data
    assert escaped == text.replace("\u202e", "\\u202e").replace("\u2066", "\\u2066").replace(
        "\x7f", "\\u007f"
    ).replace("\x85", "\\u0085").replace("\u2028", "\\u2028")
    plain = json.dumps({"a": "émoji 😀 /home/u/app"}, ensure_ascii=False, indent=2)
    assert escape_json(plain) == plain


def test_clean_cuts_to_a_limit() -> None:
    assert clean("abcdef", 4) == "abc…" and clean("abc", 4) == "abc"


def test_the_tray_title_menu_and_notifications_are_clean() -> None:
    state = session(project=EVIL_CWD, model=EVIL_MODEL, percent=93.0, paused=True)
    snap = snapshot(state, today=spend("today", 1.0, 10.0, by_model=(line(EVIL_MODEL, 1.0),)))
    view = tray_view(snap, options())
    texts = [view.title]

    def walk(entries: tuple) -> None:  # type: ignore[type-arg]
        for entry in entries:
            texts.append(entry.text)
            walk(entry.children)

    walk(view.menu)
    assert any("red" in t for t in texts)
    for text in texts:
        assert_safe(text)
    notice = session_notice(state, Level.PAUSE, AlertRules(Thresholds(), 5.0))
    assert_safe(notice.title)
    assert_safe(notice.body)


def test_a_pasteable_command_is_shell_quoted() -> None:
    assert _reset_command("5f2d9c1e-0b7a") == "claude-tray reset 5f2d9c1e-0b7a"
    hostile = "x; rm -rf ~ $(id)"
    command = _reset_command(hostile)
    assert shlex.split(command) == ["claude-tray", "reset", hostile]
    assert _reset_command("a\x1b[2Jb") == "claude-tray reset --current"
    assert _reset_command("a\u202eb") == "claude-tray reset --current"


@pytest.fixture
def evil_history(claude: ClaudeData, monkeypatch: pytest.MonkeyPatch) -> ClaudeData:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    claude.write(
        "s1",
        assistant("s1", "2026-11-20T11:55:00Z", "m1", model=EVIL_MODEL, cwd=EVIL_CWD, input=10),
        cwd="/home/u/evil",
    )
    return claude


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["today"],
        ["daily", "--breakdown"],
        ["sessions"],
        ["projects"],
        ["doctor"],
        ["export", "--by", "project"],
        ["export", "--by", "model"],
        ["export", "--by", "session"],
    ],
)
def test_commands_print_names_clean(
    evil_history: ClaudeData, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    for text in out.splitlines():
        assert_safe(text)
    if args[0] in ("status", "sessions", "projects") or args[-1] == "project":
        assert "redevil next" in out or "redevil" in out  # the project's name, cleaned
    if args[0] == "daily" or args[-1] == "model":
        assert "claude-opus-4-5" in out


def test_a_csv_file_keeps_the_names_as_recorded(
    evil_history: ClaudeData, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    assert main(["export", "--by", "model", "--output", str(target)]) == 0
    assert EVIL_MODEL in target.read_text(encoding="utf-8")


def test_the_status_line_shows_clean_names(
    tray_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.hooks.fast import run_statusline
    from tests.hooks import payloads

    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    payload = payloads.status_new(cwd=EVIL_CWD, name="Opus\u202e 4.5\x1b]0;t\x07")
    out = io.BytesIO()
    assert run_statusline(io.BytesIO(json.dumps(payload).encode()), out, None) == 0
    text = out.getvalue().decode()
    assert text.endswith("\n")
    assert_safe(text.replace("\x1b[", "CSI")[:-1].replace("CSI", ""))  # our own colours aside
    assert "Opus 4.5" in text


JSON_CWD = "/home/u/a\u202eb\u2066c\u2069\u200f\u061cd\x9b31m\x85e\x7ff\u2028g\x1b[31mh\nend"
JSON_MODEL = "claude-opus-4-5\u202e\x9b2J"
RAW_IN_JSON = ("\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\x9b", "\x85", "\x7f", "\u2028")


@pytest.mark.parametrize(
    ("args", "recorded"),
    [
        (
            ["sessions", "--json"],
            lambda d: (d["sessions"][0]["project"], d["sessions"][0]["model"]),
        ),
        (["status", "--json"], lambda d: (d["sessions"][0]["project"], d["sessions"][0]["model"])),
        (["projects", "--json"], lambda d: (d["projects"][0]["project"], JSON_MODEL)),
        (["daily", "--json", "--breakdown"], lambda d: (JSON_CWD, *d["daily"][0]["modelsUsed"])),
        (["today", "--json"], lambda d: (JSON_CWD, *d["unpricedModels"])),
    ],
)
def test_json_escapes_what_a_terminal_would_act_on_and_keeps_the_names(
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    recorded: Callable[[Any], tuple[str, ...]],
) -> None:
    """`--json` is data for a program: names stay whole (escaped, not dropped) so a program reads
    them as recorded, yet the bytes on stdout hold no control or bidi character for a terminal."""
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    line = assistant("s1", "2026-11-20T11:55:00Z", "m1", model=JSON_MODEL, cwd=JSON_CWD, input=10)
    claude.write("s1", line, cwd="/home/u/evil")
    done = subprocess.run(
        [str(PROGRAM), *args], capture_output=True, env=dict(os.environ), timeout=120
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    for char in (*RAW_IN_JSON, "\x1b", "\x07"):
        assert char not in text, (char, args)
    assert "\\u202e" in text and "\\u009b" in text  # escaped: still there
    assert recorded(json.loads(text)) == (JSON_CWD, JSON_MODEL)


TRICKY = "a é·\x1b[]0m;\x07\x9b\x90\x9c\\\u202e\u2066\u061c\u2028\x7f\xad\u00a0"


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from(list(TRICKY)) | st.characters(), max_size=40))
def test_printable_text_is_left_as_it_is(text: str) -> None:
    """`clean` skips its patterns for printable text (no `re` loaded on the status line's path):
    every character they remove or replace is unprintable, so the result is the same."""
    import re

    from claude_tray.core.sanitize import _BIDI, _CONTROL, _SEQUENCE

    expected = re.sub(_BIDI, "", re.sub(_CONTROL, " ", re.sub(_SEQUENCE, "", text)))
    assert clean(text) == expected
