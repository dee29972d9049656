"""`claude-tray run` (also plain `claude-tray`): the tray; `claude-tray reset`: Reset session.

Nothing of the tray (pystray, Pillow, plyer) is imported here: `run` imports it when it runs; nor
what only `reset` needs (the CLI's output and workspace modules), which would otherwise stay
loaded in the tray and its history reader for as long as they run.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    run = commands.add_parser(
        "run", parents=[common], help="start the tray icon (the default with no command)"
    )
    run.set_defaults(handler=run_tray_command)

    reset = commands.add_parser(
        "reset",
        parents=[common],
        help="Reset session: lift its auto-pause and acknowledge its context level",
    )
    which = reset.add_mutually_exclusive_group()
    which.add_argument(
        "session_id",
        nargs="?",
        metavar="SESSION_ID",
        help="the session (or a unique start of its id)",
    )
    which.add_argument(
        "--current", action="store_true", help="the most urgent active session (the default)"
    )
    reset.set_defaults(handler=run_reset)

    reader = commands.add_parser(
        "read-history",
        parents=[common],
        help="(run by the tray) read the rest of the history, in the background",
    )
    reader.set_defaults(handler=run_read_history)


def run_tray_command(args: argparse.Namespace) -> int:
    from claude_tray.app.tray_app import run_tray

    return run_tray(debug=bool(args.debug))


def run_read_history(args: argparse.Namespace) -> int:
    from claude_tray.app.history_child import run_history_reader

    return run_history_reader()


def run_reset(args: argparse.Namespace) -> int:
    from claude_tray.cli.errors import EXIT_FAILURE, EXIT_USAGE, CommandError
    from claude_tray.cli.render import print_json
    from claude_tray.cli.shapes import session_json
    from claude_tray.cli.workspace import clock_for, open_workspace
    from claude_tray.core.formats import money
    from claude_tray.core.view import session_text
    from claude_tray.runtime.reset import AmbiguousSession, apply_reset, find_session
    from claude_tray.storage.state import read_all_facts, read_session

    session_id = None if args.current else args.session_id
    with open_workspace() as workspace:
        clock = clock_for(args, workspace)
        facts = read_all_facts(workspace.paths)
        try:
            session = find_session(workspace, clock, facts, session_id)
        except AmbiguousSession as error:
            raise CommandError(str(error), EXIT_USAGE) from None
        if session is None:
            what = f"no session {session_id!r}" if session_id else "no active session to reset"
            raise CommandError(what, EXIT_FAILURE)
        was_paused = session.paused
        apply_reset(workspace, session, clock.now)
        record = read_session(workspace.paths, session.session_id)
        reset = record.reset_mark if record is not None else None
    if args.json:
        print_json(
            {
                **session_json(session, clock.tz),
                "paused": False,
                "wasPaused": was_paused,
                "reset": reset.to_json() if reset is not None else None,
            }
        )
        return 0
    lifted = session._replace(pause_mark=False)
    print(f"Reset session {session.session_id}: {session_text(lifted)}.")
    print(
        f"  {'Pause lifted' if was_paused else 'It was not paused'}; it pauses again only above "
        f"its current level ({session.level.label}) or after its context falls and climbs "
        f"back. Cost since reset starts again at {money(0.0)}."
    )
    return 0
