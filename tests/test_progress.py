"""The CLI's progress bar: on a terminal's stderr for a long ingest, never with --json or when
stderr is not a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from claude_tray.cli import progress
from claude_tray.cli.main import main
from tests.transcripts import ClaudeData, assistant


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_wanted", True)
    monkeypatch.setattr(progress, "DELAY_S", 0.0)  # "a long ingest": show at once
    monkeypatch.setattr(progress, "REDRAW_S", 0.0)  # and draw every step


def history(claude: ClaudeData) -> None:
    for n in range(3):
        claude.write(
            f"s{n}", assistant(f"s{n}", "2026-11-18T10:00:00Z", f"m{n}", input=10, output=10)
        )


def test_a_terminal_gets_a_bar_that_is_cleared_at_the_end(
    claude: ClaudeData, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    history(claude)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["daily", "--since", "2026-11-01"]) == 0
    drawn = terminal.getvalue()
    assert "Reading Claude Code history" in drawn and "100%" in drawn
    assert drawn.endswith("\r") or drawn.rstrip(" ").endswith("\r")  # cleared (leave=False)
    assert "Reading" not in capsys.readouterr().out


def test_no_bar_with_json_or_off_a_terminal(
    claude: ClaudeData, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    history(claude)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["daily", "--since", "2026-11-01", "--json"]) == 0
    assert terminal.getvalue() == ""
    monkeypatch.setattr(progress, "_wanted", True)
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert main(["today"]) == 0
    assert "Reading" not in piped.getvalue()


def test_a_short_ingest_shows_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    with progress.ingest_progress(terminal, delay=60.0) as told:
        assert told is not None
        told(10, 100)
        told(100, 100)
    assert "Reading" not in terminal.getvalue()
