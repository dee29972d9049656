"""`claude-tray autostart enable|disable|status`: start the tray at login, or not."""

from __future__ import annotations

import argparse
from typing import Any

from claude_tray.cli.errors import EXIT_USAGE, CommandError
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
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument(
            "--headless",
            action="store_true",
            help="instead of the tray: `claude-tray sync --watch` as a systemd user service "
            "(a machine without a display that publishes to the sync folder; Linux)",
        )
        action.set_defaults(handler=handler)


def run_enable(args: argparse.Namespace) -> int:
    from claude_tray.adapters.autostart import launch_command, make_autostart
    from claude_tray.adapters.platform import TRANSLOCATED_MESSAGE, is_translocated

    if args.headless:
        return _headless(args, enable=True)
    if is_translocated():
        raise CommandError(TRANSLOCATED_MESSAGE)
    autostart = make_autostart()
    _change(lambda: autostart.enable(launch_command()), autostart.location)
    return _report(args, "enabled")


def run_disable(args: argparse.Namespace) -> int:
    from claude_tray.adapters.autostart import make_autostart

    if args.headless:
        return _headless(args, enable=False)
    autostart = make_autostart()
    _change(autostart.disable, autostart.location)
    return _report(args, "disabled")


def run_status(args: argparse.Namespace) -> int:
    if args.headless:
        return _headless(args, enable=None)
    return _report(args, None)


def _headless(args: argparse.Namespace, enable: bool | None) -> int:
    """The headless sync service: enable (True), disable (False) or report (None)."""
    import os

    from claude_tray.adapters.autostart import launch_command, xdg_config_home
    from claude_tray.adapters.platform import current_os
    from claude_tray.adapters.sync_service import SyncService, headless_command

    if current_os() != "linux":
        raise CommandError(
            "--headless installs a systemd user service (Linux); here, start the tray, or run "
            "`claude-tray sync --watch` from your own scheduler",
            EXIT_USAGE,
        )
    service = SyncService(xdg_config_home() / "systemd" / "user")
    command = headless_command(launch_command())
    said = ""
    try:
        if enable is True:
            said = service.enable(command, os.environ)
        elif enable is False:
            said = service.disable()
    except OSError as error:
        raise CommandError(f"cannot change {service.location}: {error}") from None
    enabled = service.is_enabled()
    if args.json:
        print_json(
            {"enabled": enabled, "location": service.location, "command": command, "systemd": said}
        )
        return 0
    state = "enabled" if enabled else "disabled"
    print(f"Headless sync at login: {state}")
    print(f"  unit:    {service.location}")
    if enabled:
        print(f"  runs:    {' '.join(command)}")
    if said:
        print(f"  systemd: {said} (the unit file is written; start it with systemctl --user)")
    return 0


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
