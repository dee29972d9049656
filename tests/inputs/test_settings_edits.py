"""settings.json edits: the user's original kept for ever, read-only files refused (root too),
what the user had is what uninstall leaves, structural problems and deep nesting exit 2."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from claude_tray.cli.main import main
from claude_tray.hooks.settings_file import (
    KEEP_BACKUPS,
    backups_of,
    original_of,
    rotating_backups,
)
from tests.tools import require_tools


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    root = tmp_path / "claude"
    root.mkdir(exist_ok=True)
    return root / "settings.json"


def hooks(*args: str) -> int:
    return main(["hooks", *args])


def test_the_original_survives_many_install_cycles(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = b'{\n  "model": "opus",\n  "statusLine": {"type": "command", "command": "sl"}\n}\n'
    settings_file.write_bytes(original)
    for cycle in range(KEEP_BACKUPS + 3):
        chain = ["--statusline-chain"] if cycle % 2 else []
        assert hooks("install", *chain) == 0
        assert hooks("uninstall") == 0
    capsys.readouterr()
    assert original_of(settings_file).read_bytes() == original
    assert backups_of(settings_file)[0] == original_of(settings_file)
    assert 1 <= len(rotating_backups(settings_file)) <= KEEP_BACKUPS
    # No two backups in a row hold the same bytes: a copy is made only when there is news.
    contents = [p.read_bytes() for p in backups_of(settings_file)]
    assert all(a != b for a, b in itertools.pairwise(contents))
    assert settings_file.read_bytes() == original


def test_an_older_installs_oldest_backup_becomes_the_original(settings_file: Path) -> None:
    settings_file.write_text('{"model": "opus"}\n')
    oldest = settings_file.with_name("settings.json.claude-tray-backup-20250101-000000")
    oldest.write_text('{"model": "first"}\n')
    assert hooks("install") == 0
    assert original_of(settings_file).read_text() == '{"model": "first"}\n'
    assert not oldest.exists()


@pytest.mark.parametrize(
    "before",
    [
        '{\n  "hooks": {}\n}\n',
        '{"hooks": {}, "model": "opus"}',
        '{\n  "hooks": {\n    "Stop": [],\n    "SessionStart": []\n  }\n}\n',
        '{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x"}]}], "SessionEnd": []}}',
        "{}",
    ],
)
def test_uninstall_leaves_exactly_what_the_user_had(settings_file: Path, before: str) -> None:
    settings_file.write_text(before)
    assert hooks("install", "--statusline-chain") == 0
    assert json.loads(settings_file.read_text()) != json.loads(before)
    assert hooks("uninstall") == 0
    assert json.loads(settings_file.read_text()) == json.loads(before)


def test_a_file_that_did_not_exist_is_gone_again_after_uninstall(settings_file: Path) -> None:
    """Not left behind as `{}` (issue 9), and no copy of a file that only ever held ours."""
    assert hooks("install") == 0
    assert not original_of(settings_file).exists()
    assert hooks("uninstall") == 0
    assert not settings_file.exists()
    assert not original_of(settings_file).exists() and backups_of(settings_file) == []


def test_a_read_only_settings_file_is_refused_whoever_runs_us(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text('{"model": "opus"}\n')
    settings_file.chmod(0o444)
    # Root may write any file (os.access says yes) and a rename replaces even a read-only one:
    # the refusal must come from the mode bits, so this test means the same as root and as a user.
    for args in (["install"], ["uninstall"], ["install", "--statusline-chain"]):
        code = hooks(*args)
        err = capsys.readouterr().err
        if args == ["uninstall"]:
            assert code == 0  # nothing of ours to take out: nothing to write
            continue
        assert code == 2 and err.count("\n") == 1
        assert str(settings_file) in err and "read-only (mode 0444)" in err
    assert settings_file.read_text() == '{"model": "opus"}\n'
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o444
    assert backups_of(settings_file) == []
    assert hooks("install", "--dry-run") == 0  # showing the change is still fine
    assert "+" in capsys.readouterr().out


def test_a_folder_we_may_not_write_is_refused(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the user: in-process. As root (CI), root may write any folder, so the same command runs
    as `nobody` (setpriv) on a tree it can read but not write."""
    if os.name != "posix":
        pytest.skip("POSIX folder modes")
    if os.geteuid() != 0:
        settings_file.write_text("{}")
        settings_file.parent.chmod(0o555)
        try:
            assert hooks("install") == 2
        finally:
            settings_file.parent.chmod(0o755)
        assert "is not writable" in capsys.readouterr().err
        return
    setpriv = require_tools("setpriv", install="apt-get install util-linux")["setpriv"]
    top = Path(tempfile.mkdtemp(prefix="claude-tray-nobody-"))  # pytest's are private to root
    try:
        top.chmod(0o755)
        claude = top / "claude"
        claude.mkdir(mode=0o555)
        claude.chmod(0o555)  # root's folder: readable by nobody, not writable
        (claude / "settings.json").write_text("{}")
        (claude / "settings.json").chmod(0o666)  # the file itself is writable: the folder is not
        home = top / "home"
        home.mkdir()
        home.chmod(0o777)
        env = {
            **os.environ,
            "HOME": str(home),
            "CLAUDE_TRAY_HOME": str(home / "tray"),
            "CLAUDE_CONFIG_DIR": str(claude),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "app"),
        }
        nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        done = subprocess.run(
            [*nobody, sys.executable, "-m", "claude_tray", "hooks", "install"],
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert "is not writable" in done.stderr and done.stderr.count("\n") == 1
        assert (claude / "settings.json").read_text() == "{}"
        assert sorted(p.name for p in claude.iterdir()) == ["settings.json"]
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"hooks": []}', '"hooks" is not an object'),
        ('{"hooks": {"Stop": {}}}', '"hooks"."Stop" is not a list'),
        ('{"statusLine": "sl"}', '"statusLine" is not an object'),
        ('{"a": ' + "[" * 100 + "]" * 100 + "}", "nested more than"),
        ('{"a": ' + "[" * 900 + "]" * 900 + "}", "nested more than"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ],
)
def test_structural_problems_exit_2_with_the_file_and_the_problem(
    settings_file: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    settings_file.write_text(text)
    for args in (["install"], ["install", "--statusline-chain"], ["uninstall"]):
        code = hooks(*args)
        err = capsys.readouterr().err
        if code == 0:  # uninstall finds nothing of ours in a file whose shape it cannot use
            assert args == ["uninstall"] and "nested" not in problem
            continue
        assert code == 2, (args, err)
        assert err.startswith(f"claude-tray: {settings_file}") and problem in err
        assert err.count("\n") == 1 and "unexpected" not in err
    assert settings_file.read_text() == text
    assert main(["hooks", "status"]) == 0


def test_a_file_holding_ours_never_becomes_the_original(settings_file: Path) -> None:
    settings_file.write_text('{"model": "opus"}')
    assert hooks("install") == 0
    original_of(settings_file).unlink()  # as an install by an older claude-tray left it
    assert hooks("uninstall") == 0
    assert not original_of(settings_file).exists()  # its bytes held our hooks: not the user's
    assert json.loads(settings_file.read_text()) == {"model": "opus"}
