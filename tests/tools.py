"""The one rule for tests that need a program `.ci/setup` installs (ccusage, Xvfb and the desktop
stack, the StatusNotifier host, Chromium, PyInstaller, ruff, desktop-file-validate, …).

`require_tools("Xvfb", "dunst", install="apt-get install xvfb dunst")` returns the programs' paths.
When one is missing the test cannot run: under `CI=true` that is a FAILURE naming what is missing
(CI ran `.ci/setup`, so a missing tool means setup is broken and the test would otherwise hide it);
on a developer's machine it is a skip with the same reason and how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str, install: str) -> NoReturn:
    """This test cannot run because `what` is missing: fail in CI, skip elsewhere."""
    reason = f"{what} missing ({install})"
    if in_ci():
        pytest.fail(f"{reason}: .ci/setup installs it, so in CI a missing tool is a failure")
    pytest.skip(f"{reason}; run .ci/setup")


def require_tools(*names: str, install: str, path: str | None = None) -> dict[str, str]:
    """The full path of each program in `names` (searched on `path`, default PATH)."""
    found = {name: shutil.which(name, path=path) for name in names}
    absent = [name for name, where in found.items() if where is None]
    if absent:
        missing(", ".join(absent), install)
    return {name: where for name, where in found.items() if where is not None}


def require_executable(candidates: Iterable[str | Path], what: str, install: str) -> str:
    """The first of `candidates` that is an executable file."""
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return str(candidate)
    missing(what, install)


@contextmanager
def held_open_by_another_process(ledger: Path) -> Iterator[None]:
    """The SQLite file `ledger` open (and read once) in another process for the `with` block."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
            "db.execute('SELECT count(*) FROM messages').fetchall(); print('open', flush=True); "
            "sys.stdin.readline()",
            str(ledger),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        yield
    finally:
        holder.communicate("\n", timeout=30)


class Passes:
    """The tray engine's pass reports (pass it as the engine's `on_pass`), and a wait on them: a
    condition with a deadline, never a sleep."""

    def __init__(self) -> None:
        import threading

        from claude_tray.runtime.engine import PassReport

        self.reports: list[PassReport] = []
        self.changed = threading.Condition()

    def __call__(self, report: Any) -> None:
        with self.changed:
            self.reports.append(report)
            self.changed.notify_all()

    def wait(self, condition: Any, what: str, timeout: float = 60.0) -> None:
        with self.changed:
            assert self.changed.wait_for(condition, timeout), f"timed out waiting for {what}"
