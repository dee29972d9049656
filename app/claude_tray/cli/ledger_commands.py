"""`claude-tray ledger check|backup|restore`: the user's own hands on the ledger's safety.

`check` runs SQLite's integrity check (and `--repair` repairs what it finds, as a damaged ledger is
repaired on its own); `backup` makes a backup now; `restore` puts the newest sound backup (or the
one named) back in place, keeping the ledger it replaces.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claude_tray.cli.clock import now
from claude_tray.cli.errors import CommandError
from claude_tray.cli.render import print_json
from claude_tray.cli.workspace import open_workspace
from claude_tray.storage import ledger_backup
from claude_tray.storage.ledger import in_use
from claude_tray.storage.ledger_repair import check, repair
from claude_tray.storage.paths import app_paths


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    ledger = commands.add_parser(
        "ledger", parents=[common], help="check, back up or restore the ledger"
    )
    actions = ledger.add_subparsers(dest="action", metavar="ACTION", required=True)
    check_parser = actions.add_parser(
        "check", parents=[common], help="check the ledger for damage (and list its backups)"
    )
    check_parser.add_argument(
        "--repair", action="store_true", help="repair damage found (the damaged file is kept)"
    )
    check_parser.set_defaults(handler=run_check)
    actions.add_parser(
        "backup", parents=[common], help="make a backup of the ledger now"
    ).set_defaults(handler=run_backup)
    restore = actions.add_parser(
        "restore",
        parents=[common],
        help="put a backup back in place (the newest sound one unless named); "
        "the ledger it replaces is kept",
    )
    restore.add_argument("backup", nargs="?", type=Path, help="the backup file to restore")
    restore.set_defaults(handler=run_restore)


def backup_list(ledger: Path) -> list[dict[str, Any]]:
    """The ledger's backups, newest first, as `doctor` and `ledger check` show them."""
    return [
        {
            "path": str(b.path),
            "made": datetime.fromtimestamp(b.made, UTC).isoformat(timespec="seconds"),
            "bytes": b.size,
        }
        for b in ledger_backup.backups(ledger)
    ]


def run_check(args: argparse.Namespace) -> int:
    path = app_paths().ledger
    if not path.exists():
        raise CommandError(f"there is no ledger at {path} yet (any command makes one)")
    problems = check(path)
    report: dict[str, Any] = {"path": str(path), "sound": not problems, "problems": problems[:20]}
    if problems and args.repair:
        done = repair(path)
        report.update(repair=done.action, message=done.line(), kept=str(done.kept or ""))
        report["salvaged"], report["restored"] = done.salvaged, done.restored
    report["backups"] = backup_list(path)
    if args.json:
        print_json(report)
    else:
        if not problems:
            print(f"The ledger {path} is sound.")
        else:
            print(f"The ledger {path} is damaged:")
            for line in problems[:20]:
                print(f"  {line}")
            print(report.get("message") or "Run `claude-tray ledger check --repair` to repair it.")
        _print_backups(report["backups"])
    return 0 if not problems or args.repair else 1


def run_backup(args: argparse.Namespace) -> int:
    with open_workspace(ingest=False) as workspace:
        if workspace.ledger.read_only is not None:
            raise CommandError(workspace.ledger.read_only)
        made = workspace.ledger.backup(now())
        gone = ledger_backup.prune(workspace.paths.ledger, max(workspace.config.ledger_backups, 1))
    if args.json:
        print_json({"backup": str(made), "deleted": [str(p) for p in gone]})
    else:
        print(f"Backed up the ledger to {made}")
        for old in gone:
            print(f"  deleted the oldest backup {old}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    path = app_paths().ledger
    chosen: Path | None = args.backup
    if chosen is None:
        newest = ledger_backup.newest_sound(path)
        if newest is None:
            raise CommandError(f"no sound backup of {path} to restore")
        chosen = newest.path
    if not chosen.is_file():
        raise CommandError(f"no backup at {chosen}")
    if in_use(path):
        raise CommandError(
            f"the ledger {path} is open in another process (the tray?); quit it, then restore"
        )
    try:
        kept = ledger_backup.put_back(path, chosen, now())
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print_json({"restored": str(chosen), "kept": str(kept or "")})
    else:
        print(f"Restored the ledger from {chosen}.")
        if kept is not None:
            print(f"The ledger it replaced is kept as {kept}.")
        print("Transcripts written since that backup are read again on the next run.")
    return 0


def _print_backups(backups: list[dict[str, Any]]) -> None:
    if not backups:
        print("Backups: none yet")
        return
    print(f"Backups: {len(backups)}, newest first:")
    for item in backups:
        print(f"  {item['made']}  {item['bytes']:>12,} bytes  {item['path']}")
