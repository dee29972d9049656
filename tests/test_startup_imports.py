"""`today` and `status` on a ledger that is up to date stay lean: a run with nothing new to read
imports none of the modules only a read, a report or a sync needs. This guards what a warm
`today --json` spends (issue 13) without timing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.transcripts import ClaudeData, assistant

PROBE = """
import io, json, sys, contextlib
from claude_tray.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
json.dump({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}, sys.stderr)
"""
NEVER_WHEN_NOTHING_IS_NEW = {
    "multiprocessing",  # the worker processes of a big read
    "concurrent.futures",
    "statistics",  # the trends of the reports (with random, fractions)
    "claude_tray.core.trends",
    "claude_tray.engine.sync",  # sync is off
    "claude_tray.storage.sync_segments",
    "importlib.resources",  # the built-in prices are read beside the package
    "subprocess",  # wsl.exe, on Windows only
    "hashlib",  # OpenSSL: the dedupe keys need only BLAKE2, and only when lines are read
    "claude_tray.engine.read",  # the reader (and its decoder): only for a file with new bytes
    "claude_tray.engine.decode",
    "claude_tray.storage.ledger_sync",  # the sync folder's tables: sync is off
    "msgspec",  # plain figures are written by `json` (cli.render.json_text)
    "dataclasses",  # making one compiles its methods at import (and loads `inspect`): the
    "inspect",  # types on this path are named tuples and plain classes
    "tomllib",  # no config file here; the built-in prices' parse is kept (`parsed_toml`)
    "logging",  # nothing is logged (`storage.lazy_log`; with traceback, tokenize, string...)
    "tzlocal",  # TZ names the zone (`storage.zone._plain_zone`)
    "threading",
    "argparse",  # a plain `today`/`status` is read without the parser (`cli.main._plain_args`)
    "gettext",
}
NEVER_FOR_JSON = {
    "shutil",  # (with bz2, lzma) the terminal's width: for tables and help only
}


def probe(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        env=dict(os.environ),
        timeout=120,
    )
    report = json.loads(done.stderr.decode().splitlines()[-1])
    assert report["code"] == 0, done.stderr.decode()
    return report["out"], set(report["modules"])


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["today", "--json"], '"totalTokens": 1050'),
        (["today"], "1,050"),
        (["status", "--json"], '"sessionId": "s1"'),
    ],
)
def test_a_warm_run_imports_only_what_it_needs(
    claude: ClaudeData, command: list[str], shown: str
) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    claude.write("s1", assistant("s1", now, "m1", input=1000, output=50))
    probe(*command)  # the first run reads the transcript
    out, modules = probe(*command)
    assert shown in out
    assert not modules & NEVER_WHEN_NOTHING_IS_NEW
    if "--json" in command:
        assert not modules & NEVER_FOR_JSON


def test_the_cycle_collector_is_on_again_when_the_command_runs(claude: ClaudeData) -> None:
    """`main` turns the cycle collector off while the command's modules load (see
    `cli.main._collect_again`): it must be on again for the command's own work (a first read of
    a long history makes garbage), and, for the process's own command line, the import's
    objects are frozen out of its sight."""
    claude.write("s1", assistant("s1", "2026-01-01T10:00:00.000Z", "m1", input=10, output=5))
    seen = """
import gc, sys
import threading  # so that `main` returns (no `cli.main._end_now`): what follows it runs
from claude_tray.cli import usage_commands
from claude_tray.cli.main import main
states = []
real = usage_commands.run_today
def spy(args):
    states.append((gc.isenabled(), gc.get_freeze_count() > 0))
    return real(args)
usage_commands.run_today = spy
sys.argv = ["claude-tray", "today", "--json"]
code = main()
print(states, gc.isenabled(), code)
"""
    done = subprocess.run(
        [sys.executable, "-c", seen], capture_output=True, env=dict(os.environ), timeout=120
    )
    assert done.stdout.decode().split("\n")[-2] == "[(True, True)] True 0", done.stderr.decode()
