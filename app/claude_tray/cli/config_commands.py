"""`claude-tray config init|show|path`."""

from __future__ import annotations

import argparse
import os
from typing import Any

from claude_tray.cli.errors import EXIT_USAGE, CommandError
from claude_tray.cli.render import print_json
from claude_tray.storage.config import (
    ConfigError,
    config_dict,
    config_to_toml,
    default_config_toml,
    load_config,
)
from claude_tray.storage.paths import app_paths


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    config = commands.add_parser("config", parents=[common], help="the configuration file")
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "init", parents=[common], help="write the defaults (never overwrites)"
    ).set_defaults(handler=run_init)
    actions.add_parser(
        "show", parents=[common], help="print the configuration in effect"
    ).set_defaults(handler=run_show)
    actions.add_parser("path", parents=[common], help="print where the file is").set_defaults(
        handler=run_path
    )


def run_init(args: argparse.Namespace) -> int:
    path = app_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # init is idempotent: the user's file is kept, and that is no error
        if args.json:
            print_json({"path": str(path), "created": False})
        else:
            print(f"{path} already exists; left as it is (`claude-tray config show` prints it)")
        return 0
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(default_config_toml())
    if args.json:
        print_json({"path": str(path), "created": True})
    else:
        print(path)
    return 0


def run_show(args: argparse.Namespace) -> int:
    path = app_paths().config_file
    try:
        config = load_config(path)
    except ConfigError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    if args.json:
        print_json({"path": str(path), "exists": path.exists(), "config": config_dict(config)})
    else:
        print(f"# {path}{'' if path.exists() else ' (not created: defaults)'}")
        print(config_to_toml(config), end="")
    return 0


def run_path(args: argparse.Namespace) -> int:
    path = app_paths().config_file
    if args.json:
        print_json({"path": str(path), "exists": path.exists()})
    else:
        print(path)
    return 0
