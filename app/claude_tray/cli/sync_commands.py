"""`claude-tray sync`: one publish-and-import pass with the sync folder; `--watch` keeps doing it
as transcripts change, with no display (a remote development server publishes without a tray)."""

from __future__ import annotations

import argparse
import logging
import queue
import signal
import threading
import time
from typing import Any

from claude_tray.cli.clock import now
from claude_tray.cli.errors import EXIT_USAGE, CommandError
from claude_tray.cli.render import print_json
from claude_tray.cli.workspace import open_workspace
from claude_tray.core.sanitize import clean
from claude_tray.engine.sync import SyncStats
from claude_tray.engine.workspace import Workspace

log = logging.getLogger(__name__)

SETTLE = 5.0
"""After a transcript changes, wait this long for more before a pass (a response is several
lines, a turn several responses)."""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    sync = commands.add_parser(
        "sync",
        parents=[common],
        help="publish this machine's usage to the sync folder and read the other machines'",
    )
    sync.add_argument(
        "--watch",
        action="store_true",
        help="keep syncing as transcripts change (for a machine without a tray)",
    )
    sync.add_argument(
        "--interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --watch: sync at least this often (default 60)",
    )
    sync.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    if args.interval < 1:
        raise CommandError("--interval must be at least 1 second", EXIT_USAGE)
    with open_workspace() as workspace:
        settings = workspace.sync_settings()
        if settings is None:
            raise CommandError(
                "sync is off: set `folder` under [sync] in the config "
                "(`claude-tray config path` tells where it is)",
                EXIT_USAGE,
            )
        stats = workspace.last_sync or SyncStats()
        _report(args, workspace, stats)
        if args.watch:
            _watch(args, workspace)
    return 0


def _report(args: argparse.Namespace, workspace: Workspace, stats: SyncStats) -> None:
    settings = workspace.sync_settings()
    assert settings is not None
    if args.json:
        print_json(
            {
                "folder": str(settings.folder),
                "machine": settings.machine,
                "publishedDays": stats.published_days,
                "publishedResponses": stats.published_rows,
                "importedFiles": stats.imported_files,
                "importedResponses": stats.imported_rows,
                "problems": [{"path": p, "problem": why} for p, why in stats.problems],
                "syncMs": round(stats.seconds * 1000, 3),
            }
        )
        return
    print(
        f"{clean(settings.machine)} -> {clean(str(settings.folder))}: published "
        f"{stats.published_rows} responses in {stats.published_days} day(s); read "
        f"{stats.imported_rows} responses from {stats.imported_files} file(s)"
    )
    for path, problem in stats.problems:
        print(f"  passed over {clean(path)}: {clean(problem)}")


def _watch(args: argparse.Namespace, workspace: Workspace) -> None:
    """Sync whenever transcripts have changed and settled, and every `--interval` seconds."""
    from claude_tray.runtime.hints import Hint
    from claude_tray.runtime.watcher import Watcher

    hints: queue.Queue[Hint | None] = queue.Queue()
    stop = threading.Event()

    def finish(*_: object) -> None:
        stop.set()
        hints.put(None)

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    watcher = Watcher(
        workspace.roots, workspace.paths.sessions_state_dir, workspace.paths.config_file, hints.put
    )
    watcher.start()
    try:
        while not stop.is_set():
            try:
                hints.get(timeout=args.interval)
                if stop.is_set():
                    break
                _drain_until_quiet(hints, stop)
            except queue.Empty:
                pass
            workspace.refresh()
            stats = workspace.sync(now())
            if stats is not None and (stats.published_rows or stats.imported_rows):
                _report(args, workspace, stats)
    finally:
        watcher.stop()


def _drain_until_quiet(hints: queue.Queue[Any], stop: threading.Event) -> None:
    """Take hints until none came for `SETTLE` seconds."""
    deadline = time.monotonic() + SETTLE
    while not stop.is_set():
        try:
            if hints.get(timeout=max(0.0, deadline - time.monotonic())) is None:
                return
            deadline = time.monotonic() + SETTLE
        except queue.Empty:
            return
