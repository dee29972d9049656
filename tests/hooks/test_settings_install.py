"""`claude-tray hooks install|uninstall|status` on real settings files."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import claude_tray
from claude_tray.cli.main import main
from claude_tray.hooks.install import (
    HOOK_EVENTS,
    command_line,
    our_args,
    program_prefix,
    quote_program,
)
from claude_tray.hooks.settings_file import backups_of
from claude_tray.storage.paths import app_paths
from claude_tray.storage.state import read_session
from tests.hooks import payloads
from tests.hooks.conftest import PROGRAM

THEIR_SETTINGS = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "permissions": {"allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"], "deny": ["Read(./.env)"]},
    "env": {"FOO": "bär"},
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [
                    {
                        "type": "command",
                        "command": '"$CLAUDE_PROJECT_DIR"/.claude/hooks/check.sh',
                        "timeout": 5,
                    }
                ],
            }
        ],
        "UserPromptSubmit": [{"hooks": [{"type": "command", "command": "~/bin/log-prompt.sh"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    },
    "statusLine": {"type": "command", "command": "bash ~/.claude/statusline.sh", "padding": 1},
    "unknownFutureKey": {"nested": [1, 2, {"deep": True}]},
}

# How a user's hand-edited file may look: inline arrays, 4 spaces, no trailing newline.
HAND_EDITED = """{
    "model": "sonnet",
    "permissions": {"allow": ["Read", "Bash(ls:*)"]},
    "hooks": {
        "UserPromptSubmit": [
            {"hooks": [{"type": "command", "command": "~/bin/log-prompt.sh"}]}
        ]
    },
    "statusLine": {"type": "command", "command": "~/.claude/sl.sh"}
}"""


def styles() -> dict[str, str]:
    return {
        "two-spaces": json.dumps(THEIR_SETTINGS, indent=2, ensure_ascii=False) + "\n",
        "four-spaces": json.dumps(THEIR_SETTINGS, indent=4, ensure_ascii=False) + "\n",
        "tabs": json.dumps(THEIR_SETTINGS, indent="\t", ensure_ascii=False) + "\n",
        "crlf": (json.dumps(THEIR_SETTINGS, indent=2, ensure_ascii=False) + "\n").replace(
            "\n", "\r\n"
        ),
        "hand-edited": HAND_EDITED,
    }


@pytest.fixture(autouse=True)
def as_the_program(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commands run as the installed console script (its path goes into the settings)."""
    monkeypatch.setattr(sys, "argv", [str(PROGRAM), "hooks"])
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings_file(claude_root: Path) -> Path:
    return claude_root / "settings.json"


@pytest.fixture
def claude_root(tmp_path: Path) -> Path:
    root = tmp_path / "claude"
    root.mkdir(exist_ok=True)
    return root


def run(*args: str) -> int:
    return main(["hooks", *args])


def ours_command(kind: str = "hook") -> str:
    return command_line(program_prefix(), kind)


def our_entries(data: dict, event: str) -> list[dict]:
    return [
        entry
        for group in data["hooks"].get(event, [])
        for entry in group["hooks"]
        if our_args(entry.get("command")) == ["hook"]
    ]


@pytest.mark.parametrize("style", list(styles()))
def test_install_then_uninstall_gives_back_the_same_bytes(style: str, settings_file: Path) -> None:
    original = styles()[style].encode()
    settings_file.write_bytes(original)
    assert run("install", "--statusline-chain") == 0
    installed = settings_file.read_bytes()
    assert installed != original
    data = json.loads(installed)
    for event in HOOK_EVENTS:
        assert [e["command"] for e in our_entries(data, event)] == [ours_command()]
    assert run("uninstall") == 0
    assert settings_file.read_bytes() == original


@pytest.mark.parametrize("style", ["two-spaces", "four-spaces", "tabs", "crlf"])
def test_install_keeps_their_hooks_first_their_keys_and_the_indentation(
    style: str, settings_file: Path
) -> None:
    text = styles()[style]
    settings_file.write_bytes(text.encode())
    assert run("install") == 0
    new_text = settings_file.read_bytes().decode()
    data = json.loads(new_text)
    for key in ("$schema", "model", "permissions", "env", "unknownFutureKey"):
        assert data[key] == THEIR_SETTINGS[key]
    assert data["hooks"]["PreToolUse"] == THEIR_SETTINGS["hooks"]["PreToolUse"]
    assert data["hooks"]["UserPromptSubmit"][0] == THEIR_SETTINGS["hooks"]["UserPromptSubmit"][0]
    assert data["hooks"]["Stop"][0] == THEIR_SETTINGS["hooks"]["Stop"][0]
    assert len(data["hooks"]["UserPromptSubmit"]) == 2  # theirs, then ours
    assert data["statusLine"] == THEIR_SETTINGS["statusLine"]  # no chaining asked
    for event in HOOK_EVENTS:
        assert len(our_entries(data, event)) == 1
    indent = {"two-spaces": "  ", "four-spaces": "    ", "tabs": "\t", "crlf": "  "}[style]
    newline = "\r\n" if style == "crlf" else "\n"
    assert f'{newline}{indent}{indent}"SessionEnd": [{newline}' in new_text
    assert new_text.endswith("}" + newline)
    unchanged_prefix = text[: text.index('"hooks"')]
    assert new_text.startswith(unchanged_prefix)


def test_a_hand_edited_file_keeps_its_own_layout(settings_file: Path) -> None:
    settings_file.write_text(HAND_EDITED)
    assert run("install") == 0
    text = settings_file.read_text()
    assert '    "permissions": {"allow": ["Read", "Bash(ls:*)"]},\n' in text
    assert '{"hooks": [{"type": "command", "command": "~/bin/log-prompt.sh"}]},\n' in text
    assert not text.endswith("\n")  # it had no final newline


def test_installing_twice_changes_nothing(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text(styles()["two-spaces"])
    assert run("install", "--statusline-chain") == 0
    once = settings_file.read_bytes()
    backups = backups_of(settings_file)
    capsys.readouterr()
    assert run("install", "--statusline-chain") == 0
    assert settings_file.read_bytes() == once
    assert backups_of(settings_file) == backups
    assert "nothing to change" in capsys.readouterr().out


def test_the_backup_holds_the_old_bytes(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = styles()["four-spaces"].encode()
    settings_file.write_bytes(original)
    assert run("install") == 0
    (backup,) = backups_of(settings_file)
    assert backup.read_bytes() == original
    assert str(backup) in capsys.readouterr().out


def test_dry_run_prints_the_diff_and_writes_nothing(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = styles()["two-spaces"].encode()
    settings_file.write_bytes(original)
    assert run("install", "--dry-run", "--statusline-chain") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"--- {settings_file}\n+++ {settings_file}\n@@ ")
    chained = command_line(program_prefix(), "statusline", "--then", "bash ~/.claude/statusline.sh")
    assert f'+    "command": {json.dumps(chained)},' in out
    assert '-    "command": "bash ~/.claude/statusline.sh",' in out
    added = [line for line in out.splitlines() if line.startswith("+") and 'hook"' in line]
    assert len(added) == len(HOOK_EVENTS)
    assert settings_file.read_bytes() == original
    assert backups_of(settings_file) == []


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{\n  // my model\n  "model": "opus"\n}\n', ":2:3:"),
        ('{\n  "model": "opus",\n}\n', ":3:1:"),
        ('{\n  "hooks": {"Stop": []},\n  "model": "opus"\n', ":4:1:"),
    ],
)
def test_a_file_that_is_not_json_is_never_rewritten(
    text: str, where: str, settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text(text)
    for command in (["install"], ["install", "--statusline-chain"], ["uninstall"]):
        assert run(*command) == 2
        err = capsys.readouterr().err
        assert f"{settings_file}{where}" in err
        assert "not valid JSON" in err
    assert settings_file.read_text() == text
    assert backups_of(settings_file) == []


def test_one_bad_file_stops_every_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = tmp_path / "one", tmp_path / "two"
    good.mkdir()
    bad.mkdir()
    (good / "settings.json").write_text("{}\n")
    (bad / "settings.json").write_text('{"model": "opus",}')
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{good},{bad}")
    assert run("install") == 2
    assert (good / "settings.json").read_text() == "{}\n"


def test_every_claude_root_gets_our_hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, absent = tmp_path / "a", tmp_path / "b", tmp_path / "never-created"
    first.mkdir()
    second.mkdir()
    (second / "settings.json").write_text('{\n  "model": "haiku"\n}\n')
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{first},{second},{absent}")
    assert run("install") == 0
    for root in (first, second):
        data = json.loads((root / "settings.json").read_text())
        assert len(our_entries(data, "UserPromptSubmit")) == 1
        assert data["statusLine"]["command"] == ours_command("statusline")
    assert not absent.exists()
    assert stat.S_IMODE((first / "settings.json").stat().st_mode) == 0o600  # new: private


def test_no_claude_folder_is_a_clear_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "nowhere"))
    assert run("install") == 1
    assert "no Claude Code data folder found" in capsys.readouterr().err


def test_their_status_line_is_kept_unless_chaining_is_asked(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text(styles()["two-spaces"])
    assert run("install") == 0
    assert json.loads(settings_file.read_text())["statusLine"] == THEIR_SETTINGS["statusLine"]
    assert "--statusline-chain" in capsys.readouterr().out
    assert run("install", "--statusline-chain") == 0
    status = json.loads(settings_file.read_text())["statusLine"]
    assert status["padding"] == 1
    assert our_args(status["command"]) == ["statusline", "--then", "bash ~/.claude/statusline.sh"]
    assert run("uninstall") == 0
    assert json.loads(settings_file.read_text())["statusLine"] == THEIR_SETTINGS["statusLine"]


def test_our_status_line_when_they_have_none(settings_file: Path) -> None:
    settings_file.write_text('{\n  "model": "opus"\n}\n')
    assert run("install") == 0
    data = json.loads(settings_file.read_text())
    assert data["statusLine"] == {
        "type": "command",
        "command": ours_command("statusline"),
        "padding": 0,
    }
    assert run("uninstall") == 0
    assert settings_file.read_text() == '{\n  "model": "opus"\n}\n'


def test_a_moved_program_is_updated_not_added_twice(settings_file: Path, tmp_path: Path) -> None:
    """Commands an older install wrote (another path, the console script, `-m claude_tray`) are
    ours: an install puts the current command in their place."""
    old = shlex.quote(str(tmp_path / "old bin" / "claude-tray"))
    older = f"{shlex.quote(sys.executable)} -m claude_tray"
    settings_file.write_text(
        json.dumps(
            {
                "hooks": {
                    "Stop": [{"hooks": [{"type": "command", "command": f"{old} hook"}]}],
                    "SessionEnd": [{"hooks": [{"type": "command", "command": f"{older} hook"}]}],
                },
                "statusLine": {"type": "command", "command": f"{old} statusline"},
            }
        )
    )
    assert run("install") == 0
    data = json.loads(settings_file.read_text())
    for event in HOOK_EVENTS:
        assert [e["command"] for e in our_entries(data, event)] == [ours_command()]
    assert data["statusLine"]["command"] == ours_command("statusline")


def test_copies_of_our_hook_are_merged_into_one(settings_file: Path) -> None:
    doubled = {
        "hooks": {
            "Stop": [
                {"hooks": [{"type": "command", "command": ours_command()}]},
                {
                    "hooks": [
                        {"type": "command", "command": "their.sh"},
                        {"type": "command", "command": ours_command()},
                    ]
                },
            ]
        }
    }
    settings_file.write_text(json.dumps(doubled, indent=2) + "\n")
    assert run("install") == 0
    data = json.loads(settings_file.read_text())
    assert len(our_entries(data, "Stop")) == 1
    assert data["hooks"]["Stop"][1]["hooks"] == [{"type": "command", "command": "their.sh"}]


def test_uninstall_takes_out_only_ours(settings_file: Path) -> None:
    mixed = {
        "hooks": {
            "Stop": [
                {
                    "hooks": [
                        {"type": "command", "command": "their.sh"},
                        {"type": "command", "command": ours_command()},
                    ]
                }
            ],
            "Notification": [{"hooks": [{"type": "command", "command": ours_command()}]}],
        },
        "statusLine": {"type": "command", "command": "mine.sh"},
    }
    settings_file.write_text(json.dumps(mixed, indent=2) + "\n")
    assert run("uninstall") == 0
    assert json.loads(settings_file.read_text()) == {
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "their.sh"}]}]},
        "statusLine": {"type": "command", "command": "mine.sh"},
    }


def test_a_symlinked_settings_file_stays_a_link(settings_file: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "claude-settings.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text('{\n  "model": "opus"\n}\n')
    dotfiles.chmod(0o640)
    settings_file.symlink_to(dotfiles)
    assert run("install") == 0
    assert settings_file.is_symlink()
    assert len(our_entries(json.loads(dotfiles.read_text()), "Stop")) == 1
    assert stat.S_IMODE(dotfiles.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("scope", "name"), [("project", "settings.json"), ("local", "settings.local.json")]
)
def test_project_scopes_write_in_the_current_folder(
    scope: str, name: str, tmp_path: Path, settings_file: Path
) -> None:
    assert run("install", "--scope", scope) == 0
    data = json.loads((tmp_path / ".claude" / name).read_text())
    assert len(our_entries(data, "SessionStart")) == 1
    assert not settings_file.exists()  # the user scope is not touched
    assert run("uninstall", "--scope", scope) == 0
    assert not (tmp_path / ".claude" / name).exists()  # we made it, and it held only ours


def test_uninstall_keeps_a_file_that_was_theirs_even_empty(settings_file: Path) -> None:
    settings_file.write_text("{}\n")
    assert run("install") == 0
    assert run("uninstall") == 0
    assert settings_file.read_text() == "{}\n"


def test_status_says_what_is_installed_where(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text(json.dumps({"disableAllHooks": True, **THEIR_SETTINGS}, indent=2))
    assert main(["hooks", "status", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    (user,) = [f for f in before["files"] if f["scope"] == "user"]
    assert set(user["hooks"].values()) == {"missing"}
    assert user["statusLine"] == {"state": "theirs", "command": "bash ~/.claude/statusline.sh"}
    assert user["disableAllHooks"] is True
    assert run("install", "--statusline-chain") == 0
    capsys.readouterr()
    assert main(["hooks", "status", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    (user,) = [f for f in after["files"] if f["scope"] == "user"]
    assert set(user["hooks"].values()) == {"installed"}
    assert user["statusLine"]["state"] == "chained"
    assert user["statusLine"]["chained"] == "bash ~/.claude/statusline.sh"
    assert after["hookCommand"] == ours_command()
    assert main(["hooks", "status"]) == 0
    text = capsys.readouterr().out
    assert "hooks: installed on all 6 events" in text
    assert "disableAllHooks" in text


def test_status_names_a_broken_file(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text('{"model": "opus",}')
    assert main(["hooks", "status", "--json"]) == 0
    (user,) = [f for f in json.loads(capsys.readouterr().out)["files"] if f["scope"] == "user"]
    assert f"{settings_file}:1:18:" in user["error"]


def test_paths_with_spaces_are_quoted_for_the_shell(tmp_path: Path) -> None:
    program = tmp_path / "My Tools" / "claude-tray"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    command = command_line([str(program)], "statusline", "--then", "bash ~/my sl.sh")
    assert shlex.split(command) == [str(program), "statusline", "--then", "bash ~/my sl.sh"]
    assert our_args(command) == ["statusline", "--then", "bash ~/my sl.sh"]
    windows = quote_program(r"C:\Users\Jo Doe\.local\bin\claude-tray.exe", windows=True)
    assert windows == '"C:/Users/Jo Doe/.local/bin/claude-tray.exe"'
    assert our_args(f"{windows} hook") == ["hook"]


def test_python_runs_the_package_entry_without_site() -> None:
    """What `hooks install` writes for a pip install: this Python with `-I -S` and the
    package's `__main__.py`; it runs the hook and is recognised as ours."""
    prefix = program_prefix()
    entry = os.path.join(os.path.dirname(claude_tray.__file__), "__main__.py")
    assert prefix == [os.path.abspath(sys.executable), "-I", "-S", os.path.abspath(entry)]
    command = command_line(prefix, "hook")
    assert our_args(command) == ["hook"]
    assert our_args(command_line(prefix, "statusline", "--then", "x y")) == [
        "statusline",
        "--then",
        "x y",
    ]
    # what older versions wrote is still ours (an install updates it in place)
    assert our_args(f"{sys.executable} -m claude_tray hook") == ["hook"]
    assert our_args("/usr/bin/python3 -X importtime /x/claude_tray/__main__.py hook") is None
    assert our_args("/usr/bin/python3 /x/other/__main__.py hook") is None


def test_the_installed_command_runs_the_status_line(tmp_path: Path) -> None:
    """The command as the shell runs it, in a scratch home: the status line answers with our
    line (not the plain fallback line it prints when something fails), and records the call."""
    command = command_line(program_prefix(), "statusline")
    payload = json.dumps(payloads.status_new(session="s-entry", percent=72))
    done = subprocess.run(
        command,
        shell=True,
        input=payload.encode(),
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ctx 72%" in done.stdout.decode()
    assert read_session(app_paths(), "s-entry") is not None
