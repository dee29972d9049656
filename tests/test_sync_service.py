"""`claude-tray autostart enable --headless`: the systemd user unit for a machine with no display.

systemd itself does not run here: a stand-in `systemctl` on PATH records how it was called, and
the unit's `ExecStart=` is read back with systemd's quoting rules (systemd.service, "Command
lines": double quotes, backslash escapes, `%%` for a literal %, `$$` for a literal $) and then
run, so the test shows that the command the unit names really publishes to the sync folder."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from claude_tray.adapters.sync_service import UNIT_NAME, headless_command, quote, unit_text
from tests.transcripts import ClaudeData, assistant


def _systemctl_stand_in(folder: Path) -> Path:
    log = folder / "systemctl.log"
    script = folder / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n')
    script.chmod(0o755)
    return log


def _exec_start(unit: str) -> list[str]:
    line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    return [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(line[len("ExecStart=") :])]


def _environment(unit: str) -> dict[str, str]:
    out = {}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            (pair,) = shlex.split(line[len("Environment=") :])
            name, _, value = pair.replace("%%", "%").replace("$$", "$").partition("=")
            out[name] = value
    return out


def test_quoting_reads_back_as_written() -> None:
    words = ["/opt/My Apps/py thon", "-m", 'a "quoted" word', "100%", "$HOME", "back\\slash"]
    line = " ".join(quote(w) for w in words)
    assert [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(line)] == words


def test_enable_writes_a_unit_that_publishes_and_starts_it(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = _systemctl_stand_in(bin_dir)
    config_home = tmp_path / "xdg"
    sync_folder = tmp_path / "Sync Folder"
    tray_home = tmp_path / "tray home"
    tray_home.mkdir()
    (tray_home / "config.toml").write_text(f'[sync]\nfolder = "{sync_folder.as_posix()}"\n')
    claude = ClaudeData(tmp_path / "claude")
    claude.write("s1", assistant("s1", "2025-11-30T10:00:00.000Z", "m1", input=10, output=20))
    env = dict(
        os.environ,
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        XDG_CONFIG_HOME=str(config_home),
        CLAUDE_TRAY_HOME=str(tray_home),
        CLAUDE_CONFIG_DIR=str(claude.root),
        CLAUDE_TRAY_MACHINE="server",
    )
    run = [sys.executable, "-m", "claude_tray", "autostart"]
    done = subprocess.run([*run, "enable", "--headless", "--json"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    unit_path = config_home / "systemd" / "user" / UNIT_NAME
    assert report["enabled"] and report["location"] == str(unit_path)
    assert log.read_text().splitlines() == [
        "--user daemon-reload",
        f"--user enable --now {UNIT_NAME}",
    ]
    unit = unit_path.read_text()
    command = _exec_start(unit)
    assert command[-2:] == ["sync", "--watch"]
    assert _environment(unit) == {
        "CLAUDE_TRAY_HOME": str(tray_home),
        "CLAUDE_CONFIG_DIR": str(claude.root),
        "CLAUDE_TRAY_MACHINE": "server",
    }
    # what systemd would start, for one pass instead of forever
    once = subprocess.run(
        command[:-1], env=dict(os.environ, **_environment(unit)), capture_output=True, text=True
    )
    assert once.returncode == 0, once.stderr
    assert [p.name for p in (sync_folder / "server").iterdir()] == ["2025-11-30.1.jsonl.gz"]

    done = subprocess.run([*run, "disable", "--headless"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert not unit_path.exists()
    assert log.read_text().splitlines()[-2:] == [
        f"--user disable --now {UNIT_NAME}",
        "--user daemon-reload",
    ]


def test_headless_command_replaces_run() -> None:
    assert headless_command(["/usr/bin/python3", "-m", "claude_tray", "run"]) == [
        "/usr/bin/python3",
        "-m",
        "claude_tray",
        "sync",
        "--watch",
    ]
    assert "WantedBy=default.target" in unit_text(["x"], {})
