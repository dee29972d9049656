"""The usage report: one self-contained HTML page with charts, made from the ledger.

`write_report` is what the tray's "Open usage report" and `claude-tray report` call.
"""

from __future__ import annotations

from pathlib import Path

from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.report.data import gather
from claude_tray.report.page import render
from claude_tray.storage.atomic import write_atomic

DEFAULT_DAYS = 30
MAX_DAYS = 3660
REPORT_FILE = "report.html"


def default_output(workspace: Workspace) -> Path:
    return workspace.paths.data_dir / REPORT_FILE


def write_report(
    workspace: Workspace, clock: Clock, days: int = DEFAULT_DAYS, output: Path | None = None
) -> Path:
    """Write the report of the `days` local days ending today to `output` (atomically; default
    `<data dir>/report.html`) and return its path.

    Reads the workspace's ledger as it is (no ingest pass): call it on the thread that owns the
    workspace (the tray's engine thread). Raises `ValueError` for a `days` out of 1..3660 and
    `OSError` when the file cannot be written.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    path = output if output is not None else default_output(workspace)
    page = render(gather(workspace, clock, days))
    write_atomic(path, page.encode("utf-8"))
    return path
