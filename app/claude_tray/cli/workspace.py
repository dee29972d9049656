"""Opening the workspace for a CLI command: config errors become exit 2, then one ingest pass."""

from __future__ import annotations

import sys
import zoneinfo
from datetime import date, tzinfo

from claude_tray.cli.clock import now
from claude_tray.cli.errors import EXIT_USAGE, CommandError
from claude_tray.cli.progress import ingest_progress
from claude_tray.core.periods import day_start
from claude_tray.engine.ingest import SKEW_MARGIN_S
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.config import ConfigError
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.ledger_faults import LedgerError
from claude_tray.storage.paths import app_paths, missing_configured_roots
from claude_tray.storage.private import tighten
from claude_tray.storage.state_index import StateFacts
from claude_tray.storage.zone import resolve_timezone

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

_only_machines: list[str] | None = None
"""`--machine NAME…` of this run: every total is restricted to these machines."""


def only_machines(names: list[str] | None) -> None:
    """Restrict the workspaces this run opens to the machines named (`--machine`)."""
    global _only_machines
    _only_machines = names or None


def open_workspace(
    ingest: bool = True,
    today_for: argparse.Namespace | None = None,
    since_day: tuple[argparse.Namespace, date] | None = None,
) -> Workspace:
    """Open the workspace and read what is new. `today_for` (the command's arguments, for its
    clock): read only what today's figures and the live sessions need (`refresh_today`), on a
    history not read yet too; `since_day` (the arguments and a date): only what the days from
    that date on need (the transcripts modified since its start in the command's zone)."""
    tighten(app_paths())  # what an older version left readable by others (`doctor` lists it)
    try:
        workspace = Workspace.open()
    except ConfigError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except LedgerError as error:
        raise CommandError(str(error)) from None
    if _only_machines:
        workspace.restrict_to_machines(_only_machines)
    if ingest:
        with ingest_progress() as progress:
            if today_for is not None:
                stats = workspace.refresh_today(clock_for(today_for, workspace), progress)
            elif since_day is not None:
                args, day = since_day
                start = day_start(day, timezone_for(args, workspace))
                stats = workspace.refresh(since=start - SKEW_MARGIN_S, progress=progress)
            else:
                stats = workspace.refresh(progress=progress)
        if stats.ledger_problem is not None:
            print(
                f"claude-tray: warning: {stats.ledger_problem}; showing what it holds",
                file=sys.stderr,
            )
        missing = missing_configured_roots()
        if missing:
            print(
                "claude-tray: CLAUDE_CONFIG_DIR names "
                + ", ".join(str(r) for r in missing)
                + ", which does not exist",
                file=sys.stderr,
            )
        elif not stats.data_found:
            where = ", ".join(str(r) for r in workspace.roots)
            print(
                f"claude-tray: no Claude Code data yet (looked in {where}); usage shows here "
                "after your first Claude Code session",
                file=sys.stderr,
            )
        for path, problem in stats.problems[:5]:
            log.warning("could not read %s: %s", path, problem)
        workspace.sync(now())
    elif workspace.ledger.read_only is not None:
        print(f"claude-tray: warning: {workspace.ledger.read_only}", file=sys.stderr)
    if workspace.ledger.notice is not None:
        print(f"claude-tray: warning: {workspace.ledger.notice}", file=sys.stderr)
    if workspace.repaired is not None and workspace.repaired.action != "none":
        print(f"claude-tray: warning: {workspace.repaired.line()}", file=sys.stderr)
    return workspace


def session_facts(workspace: Workspace) -> StateFacts:
    """The live facts of the sessions for this run's views: from the scan of the state folder
    with which this run's pass learned its roots, when that pass read no transcript (it took a
    few tens of ms; a state file a hook writes meanwhile shows at the next run, as one written
    just after a second scan would); after a pass that read transcripts, from a new scan."""
    scanned = workspace.scanned
    if scanned is not None and workspace.last_pass.files_read == 0:
        return StateFacts(scanned)
    return workspace.session_facts()


def add_timezone_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timezone",
        metavar="TZ",
        type=_timezone_name,
        help="IANA timezone for days (default: config, else this machine's)",
    )


def _timezone_name(name: str) -> str:
    try:
        resolve_timezone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        import argparse  # loaded already: the parser is reading the arguments

        raise argparse.ArgumentTypeError(f"unknown timezone {name!r}") from None
    return name


def clock_for(args: argparse.Namespace, workspace: Workspace) -> Clock:
    return Clock(now(), timezone_for(args, workspace))


def timezone_for(args: argparse.Namespace, workspace: Workspace) -> tzinfo:
    name = getattr(args, "timezone", None) or workspace.config.timezone
    try:
        return resolve_timezone(name or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"unknown timezone {name!r}", EXIT_USAGE) from None
