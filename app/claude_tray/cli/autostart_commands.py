"""`claude-tray autostart enable|disable|status`: start the tray at login, or not."""

from __future__ import annotations

import argparse
from typing import Any

from claude_tray.cli.errors import CommandError
from claude_tray.cli.render import print_json


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    autostart = commands.add_parser(
        "autostart", parents=[common], help="start the tray at login (enable, disable, status)"
    )
    actions = autostart.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, handler, text in (
        ("enable", run_enable, "start the tray at login (with the Python or app running now)"),
        ("disable", run_disable, "do not start the tray at login"),
        ("status", run_status, "whether the tray starts at login, and with what"),
    ):
        actions.add_parser(name, parents=[common], help=text).set_defaults(handler=handler)


def run_enable(args: argparse.Namespace) -> int:
    from claude_tray.adapters.autostart import launch_command, make_autostart
    from claude_tray.adapters.platform import TRANSLOCATED_MESSAGE, is_translocated

    if is_translocated():
        raise CommandError(TRANSLOCATED_MESSAGE)
    autostart = make_autostart()
    _change(lambda: autostart.enable(launch_command()), autostart.location)
    return _report(args, "enabled")


def run_disable(args: argparse.Namespace) -> int:
    from claude_tray.adapters.autostart import make_autostart

    autostart = make_autostart()
    _change(autostart.disable, autostart.location)
    return _report(args, "disabled")


def run_status(args: argparse.Namespace) -> int:
    return _report(args, None)


def _change(action: Any, location: str) -> None:
    try:
        action()
    except OSError as error:
        raise CommandError(f"cannot change {location}: {error}") from None


def _report(args: argparse.Namespace, changed: str | None) -> int:
    from claude_tray.adapters.autostart import launch_command, make_autostart
    from claude_tray.adapters.platform import STORE_PYTHON_NOTE, is_frozen, is_store_python

    autostart = make_autostart()
    enabled = autostart.is_enabled()
    command = autostart.command()
    current = launch_command()
    store = not is_frozen() and is_store_python()
    if args.json:
        report: dict[str, Any] = {
            "enabled": enabled,
            "location": autostart.location,
            "command": command,
            "current": command == current,
            "expected_command": current,
        }
        if store:
            report["note"] = STORE_PYTHON_NOTE
        print_json(report)
        return 0
    if changed:
        print(f"Start at login {changed}.")
    else:
        print(f"Start at login: {'enabled' if enabled else 'disabled'}")
    print(f"  entry:   {autostart.location}{'' if command is not None else ' (none)'}")
    if command is not None:
        print(f"  starts:  {' '.join(command)}")
        if command != current:
            print(
                f"  note:    not this installation ({' '.join(current)}); "
                "`claude-tray autostart enable` or starting the tray points it here"
            )
    if store:
        print(f"  note:    {STORE_PYTHON_NOTE}")
    return 0
