"""`claude-tray roots [list|remove PATH]`: the data roots read, and the learned ones removed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from claude_tray.cli.errors import EXIT_USAGE, CommandError
from claude_tray.cli.render import print_json
from claude_tray.storage.learned_roots import (
    read_learned_roots,
    remove_learned_root,
    same_path_key,
    watched_roots,
)
from claude_tray.storage.paths import app_paths


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    roots = commands.add_parser(
        "roots", parents=[common], help="Claude data roots read (configured and learned)"
    )
    actions = roots.add_subparsers(dest="action", metavar="ACTION")
    roots.set_defaults(handler=run_list)
    actions.add_parser("list", parents=[common], help="every root read").set_defaults(
        handler=run_list
    )
    remove = actions.add_parser(
        "remove", parents=[common], help="stop reading a learned root (it is not learned again)"
    )
    remove.add_argument("path", type=Path)
    remove.set_defaults(handler=run_remove)


def run_list(args: argparse.Namespace) -> int:
    paths = app_paths()
    learned = {same_path_key(r.path): r for r in read_learned_roots(paths)}
    rows = []
    for root in watched_roots(paths):
        item = learned.get(same_path_key(root))
        rows.append(
            {
                "path": str(root),
                "learned": item is not None,
                "learnedFromSession": item.session if item else None,
                "exists": (root / "projects").is_dir() or root.name == "projects",
            }
        )
    if args.json:
        print_json({"roots": rows})
        return 0
    for row in rows:
        how = (
            f"learned from session {row['learnedFromSession']}" if row["learned"] else "configured"
        )
        print(f"{row['path']}  ({how}{'' if row['exists'] else ', no projects/ folder'})")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    if not remove_learned_root(app_paths(), args.path):
        raise CommandError(f"{args.path} is not a learned root", EXIT_USAGE)
    if args.json:
        print_json({"removed": str(args.path)})
    else:
        print(f"removed {args.path}; it will not be learned again")
    return 0
