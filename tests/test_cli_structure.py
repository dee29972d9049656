"""The CLI's structure: global options on either side of the command, no import cycle between the
command modules, one session-id rule."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from claude_tray.cli.main import main
from tests.transcripts import ClaudeData, assistant

CLI = Path(__file__).resolve().parents[1] / "app" / "claude_tray" / "cli"
NOW = 1_790_000_000.0  # 2026-09-21


@pytest.mark.parametrize("command", ["today", "status", "sessions", "daily"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_json_works_before_and_after_the_command(
    claude: ClaudeData,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    where: str,
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    claude.write("s1", assistant("s1", "2026-09-21T10:00:00Z", "m1", cache_read=1000))
    argv = ["--json", command] if where == "before" else [command, "--json"]
    assert main(argv) == 0
    assert isinstance(json.loads(capsys.readouterr().out), dict)


def test_debug_before_the_command_reaches_it(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--debug", "--json", "doctor"]) == 0
    assert json.loads(capsys.readouterr().out)["version"]


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_command_module_imports_one_that_imports_it() -> None:
    graph = {
        f"claude_tray.cli.{path.stem}": {
            name for name in imports_of(path) if name.startswith("claude_tray.cli.")
        }
        for path in CLI.glob("*.py")
    }
    cycles = sorted((a, b) for a, deps in graph.items() for b in deps if a in graph.get(b, set()))
    assert cycles == []


def test_one_find_session_and_one_date_argument() -> None:
    app = CLI.parent
    defined: dict[str, list[str]] = {}
    for path in app.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in ("find_session", "_date"):
                defined.setdefault(node.name, []).append(path.relative_to(app).as_posix())
    assert defined == {"find_session": ["runtime/reset.py"]}


def test_a_session_prefix_for_a_note(
    claude: ClaudeData, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    claude.write("abc-1", assistant("abc-1", "2026-09-21T10:00:00Z", "m1", cache_read=10))
    claude.write("abd-2", assistant("abd-2", "2026-09-21T10:00:00Z", "m2", cache_read=10))
    assert main(["note", "abc", "hello", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sessionId"] == "abc-1"
    assert main(["note", "ab", "hello"]) == 2
    assert "matches 2 sessions" in capsys.readouterr().err
    assert main(["note", "zzz", "hello"]) == 2
    assert "no session 'zzz'" in capsys.readouterr().err
