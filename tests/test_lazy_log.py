"""`logging` is loaded only when something is logged (`storage.lazy_log`): a warm `today` or a
status line never pays for it. Whoever loads it (one of our lazy loggers, a module or a library
that imports it itself), it is set up at that moment as the CLI or the hooks configured it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from tests.transcripts import ClaudeData, assistant


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def test_the_setup_runs_when_anything_loads_logging() -> None:
    done = python(
        """
import importlib.machinery, importlib.util, sys
from claude_tray.storage.lazy_log import when_logging_loads
ran = []
when_logging_loads(lambda: ran.append(sys.modules["logging"].getLogger().name))
assert "logging" not in sys.modules and not ran
assert importlib.util.find_spec("logging") is not None  # looked for, not loaded: nothing runs
assert "logging" not in sys.modules and not ran
import logging.handlers  # as a library would: not through our loggers
assert ran == ["root"], ran
assert type(logging.__loader__) is importlib.machinery.SourceFileLoader  # its own loader
assert logging.__spec__.loader is logging.__loader__
assert not [f for f in sys.meta_path if type(f).__module__ == "claude_tray.storage.lazy_log"]
when_logging_loads(lambda: ran.append("then"))  # loaded already: at once
assert ran == ["root", "then"], ran
print("ok")
"""
    )
    assert done.stdout == "ok\n", done.stderr


def test_what_a_command_logs_is_shown_as_configured(claude: ClaudeData) -> None:
    """A run that finds a transcript it cannot read logs it (the first thing that loads
    `logging`): the line has the CLI's form, not Python's bare fallback."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    transcript = claude.write("s1", assistant("s1", now, "m1", input=1000, output=50))
    gone = transcript.with_name("gone.jsonl")
    gone.symlink_to(transcript.with_name("nowhere.jsonl"))
    for _ in range(2):  # a first read, then a warm run
        done = python(
            "import sys\nfrom claude_tray.cli.main import main\nsys.exit(main())",
            "today",
            "--json",
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == (
            f"claude-tray: WARNING: could not read {gone}: No such file or directory\n"
        )


def test_a_run_that_logs_nothing_never_loads_logging(claude: ClaudeData) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    claude.write("s1", assistant("s1", now, "m1", input=1000, output=50))
    code = (
        "import sys\nfrom claude_tray.cli.main import main\ncode = main(sys.argv[1:])\n"
        "print('logging' in sys.modules, 'tzlocal' in sys.modules, code, file=sys.stderr)"
    )
    for command in (["today", "--json"], ["status", "--json"], ["today"]):
        done = python(code, *command)
        assert done.stderr == "False False 0\n", done.stderr
