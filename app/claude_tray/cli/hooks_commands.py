"""`claude-tray hooks install|uninstall|status`, and `hook` / `statusline` (run by Claude Code).

`hook` and `statusline` normally never get here: `cli.main` hands them to `hooks.fast` before it
builds the parser. They are registered so that `--help` describes them and `--debug` runs them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from claude_tray.cli.errors import EXIT_FAILURE, EXIT_USAGE, CommandError
from claude_tray.cli.render import print_json
from claude_tray.hooks.install import (
    HOOK_EVENTS,
    SCOPES,
    Change,
    Target,
    command_line,
    plan_install,
    plan_uninstall,
    program_prefix,
    status_of,
    targets,
)
from claude_tray.hooks.settings_file import (
    SettingsError,
    SettingsFile,
    check_writable,
    original_data,
    read_settings,
    unified_diff,
    write_settings,
)
from claude_tray.storage.paths import claude_roots


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    hooks = commands.add_parser(
        "hooks", parents=[common], help="put claude-tray's hooks and status line into Claude Code"
    )
    actions = hooks.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        parents=[common],
        help="add our hooks (and status line) to Claude Code's settings",
    )
    _scope_options(install)
    install.add_argument(
        "--statusline-chain",
        action="store_true",
        help="keep your own status line: ours records, then runs yours",
    )
    install.set_defaults(handler=run_install)
    uninstall = actions.add_parser(
        "uninstall", parents=[common], help="remove exactly what install added"
    )
    _scope_options(uninstall)
    uninstall.set_defaults(handler=run_uninstall)
    actions.add_parser("status", parents=[common], help="what is installed where").set_defaults(
        handler=run_status
    )

    commands.add_parser(
        "hook",
        parents=[common],
        help="(run by Claude Code) record a hook event; gate paused sessions",
    ).set_defaults(handler=run_hook)
    statusline = commands.add_parser(
        "statusline", parents=[common], help="(run by Claude Code) record and print the status line"
    )
    statusline.add_argument(
        "--then", metavar="COMMAND", help="also run this status line command and print its output"
    )
    statusline.set_defaults(handler=run_statusline)


def _scope_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scope",
        choices=SCOPES,
        default="user",
        help="user: settings.json of every Claude data folder (default); "
        "project: .claude/settings.json here; local: .claude/settings.local.json",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the change as a unified diff; write nothing"
    )


def run_hook(args: argparse.Namespace) -> int:
    from claude_tray.hooks.fast import run_hook as hook

    return hook(sys.stdin.buffer, sys.stdout.buffer)


def run_statusline(args: argparse.Namespace) -> int:
    from claude_tray.hooks.fast import run_statusline as statusline

    return statusline(sys.stdin.buffer, sys.stdout.buffer, args.then)


def run_install(args: argparse.Namespace) -> int:
    from claude_tray.adapters.platform import TRANSLOCATED_MESSAGE, is_translocated

    prefix = program_prefix()
    if is_translocated(prefix[0]):
        raise CommandError(TRANSLOCATED_MESSAGE)
    return _apply(args, lambda settings: plan_install(settings, prefix, args.statusline_chain))


def run_uninstall(args: argparse.Namespace) -> int:
    return _apply(args, lambda settings: plan_uninstall(settings, original_data(settings.path)))


def _apply(args: argparse.Namespace, plan: Any) -> int:
    found = _targets(args.scope)
    files = [_read(target) for target in found]  # every file checked before any is written
    try:
        changes: list[tuple[Target, SettingsFile, Change]] = [
            (target, settings, plan(settings))
            for target, settings in zip(found, files, strict=True)
        ]
        if not args.dry_run:  # a file we may not write stops the command before any write
            for _, settings, change in changes:
                if change.new_text != settings.text:
                    check_writable(settings)
    except SettingsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    report = []
    for target, settings, change in changes:
        changed = change.new_text != settings.text
        item: dict[str, Any] = {
            "scope": target.scope,
            "path": str(target.path),
            "changed": changed,
            "notes": list(change.notes),
        }
        if changed and args.dry_run:
            item["diff"] = unified_diff(settings, change.new_text)
        elif changed and _made_by_us_and_now_empty(target.path, change.new_text):
            try:  # as before install: no file (and no copy of a file that was only ours)
                target.path.unlink()
            except OSError as error:
                raise CommandError(
                    f"{target.path}: cannot be removed: {error.strerror or error}", EXIT_FAILURE
                ) from None
            item["backup"] = None
            item["removed"] = True
            item["notes"].append("nothing else was in the file, which install had made: removed it")
        elif changed:
            holds_ours = plan_uninstall(settings).new_text != settings.text
            try:
                backup = write_settings(settings, change.new_text, time.time(), holds_ours)
            except SettingsError as error:
                raise CommandError(str(error), EXIT_FAILURE) from None
            except OSError as error:
                raise CommandError(
                    f"{target.path}: cannot be written: {error.strerror or error}", EXIT_FAILURE
                ) from None
            item["backup"] = str(backup) if backup else None
        report.append(item)
    _print_report(report, args)
    return 0


def _targets(scope: str) -> list[Target]:
    roots = claude_roots()
    found = targets(scope, Path.cwd(), roots)
    if not found:
        where = ", ".join(str(root) for root in roots)
        raise CommandError(
            f"no Claude Code data folder found (looked in {where}); start Claude "
            "Code once, or set CLAUDE_CONFIG_DIR",
            EXIT_FAILURE,
        )
    return found


def _read(target: Target) -> SettingsFile:
    try:
        return read_settings(target.path)
    except SettingsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None


def _print_report(report: list[dict[str, Any]], args: argparse.Namespace) -> None:
    if args.json:
        print_json({"dryRun": args.dry_run, "files": report})
        return
    for item in report:
        if args.dry_run and item["changed"]:
            sys.stdout.write(item["diff"])
            continue
        if not item["changed"]:
            what = "nothing to change" + (f" ({'; '.join(item['notes'])})" if item["notes"] else "")
            print(f"{item['path']}: {what}")
            continue
        print(f"{item['path']}: {'; '.join(item['notes'])}")
        if item.get("backup"):
            print(f"  backup of the old file: {item['backup']}")


def run_status(args: argparse.Namespace) -> int:
    prefix = program_prefix()
    cwd = Path.cwd()
    found = [
        *(Target("user", root / "settings.json") for root in claude_roots()),
        *targets("project", cwd, []),
        *targets("local", cwd, []),
    ]
    files: list[dict[str, Any]] = []
    seen: dict[Path, dict[str, Any]] = {}
    for target in found:  # run from the home folder, the project file IS the user file
        key = _same_file_key(target.path)
        if key in seen:
            seen[key].setdefault("alsoScopes", []).append(target.scope)
            continue
        seen[key] = _file_status(target, prefix)
        files.append(seen[key])
    if args.json:
        print_json({"hookCommand": command_line(prefix, "hook"), "files": files})
        return 0
    print(f"Hook command: {command_line(prefix, 'hook')}")
    for item in files:
        also = "".join(f" (also the {scope} file here)" for scope in item.get("alsoScopes", []))
        print(f"{item['scope']:<8} {item['path']}{also}")
        for line in _status_lines(item):
            print(f"         {line}")
    return 0


def _made_by_us_and_now_empty(path: Path, new_text: str) -> bool:
    """Whether an uninstall leaves `{}` in a file that did not exist before claude-tray first
    wrote it (no copy of the user's original: there was none). Claude Code reads `{}` as no
    file at all, so the file goes rather than staying behind as `{}`."""
    if original_data(path) is not None:
        return False
    try:
        return bool(json.loads(new_text) == {})
    except ValueError:
        return False


def _same_file_key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _file_status(target: Target, prefix: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "scope": target.scope,
        "path": str(target.path),
        "exists": target.path.is_file(),
    }
    if not item["exists"]:
        return item
    try:
        item.update(status_of(read_settings(target.path).data, prefix))
    except SettingsError as error:
        item["error"] = str(error)
    return item


def _status_lines(item: dict[str, Any]) -> list[str]:
    if not item["exists"]:
        return ["no file"]
    if "error" in item:
        return [item["error"]]
    hooks: dict[str, str] = item["hooks"]
    installed = [e for e in HOOK_EVENTS if hooks[e] == "installed"]
    other = [e for e in HOOK_EVENTS if hooks[e] == "other-path"]
    missing = [e for e in HOOK_EVENTS if hooks[e] == "missing"]
    if len(installed) == len(HOOK_EVENTS):
        lines = [f"hooks: installed on all {len(HOOK_EVENTS)} events"]
    elif not installed and not other:
        lines = ["hooks: not installed"]
    else:
        lines = [f"hooks: installed on {', '.join(installed) or 'none'}"]
        if other:
            lines.append(
                f"hooks of another claude-tray path on {', '.join(other)} "
                "(run `claude-tray hooks install` to update)"
            )
        if missing:
            lines.append(f"hooks missing on {', '.join(missing)}")
    status = item["statusLine"]
    state = status["state"]
    lines.append(
        {
            "none": "status line: none",
            "ours": "status line: ours",
            "chained": f"status line: ours, then yours: {status.get('chained')}",
            "theirs": f"status line: yours ({status.get('command')}), not recorded by "
            "claude-tray (install with --statusline-chain to record it)",
        }[state]
    )
    if item.get("disableAllHooks"):
        lines.append(
            'warning: "disableAllHooks" is true: Claude Code runs no hooks and no status line'
        )
    return lines
