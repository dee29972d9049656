"""Entry point: parse arguments, run one command, turn failures into one line and an exit code.

Exit codes: 0 ok, 2 bad usage or invalid config, 1 anything else (details with `--debug`).
Each command module has `register(subparsers, common)`; adding a command is adding it to
`COMMAND_MODULES`.
"""

from __future__ import annotations

import gc
import os
import sys

from claude_tray import APP_NAME, __version__
from claude_tray.cli.errors import EXIT_FAILURE, EXIT_USAGE, CommandError
from claude_tray.storage.lazy_log import when_logging_loads
from claude_tray.storage.private import enter_private_umask

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import Any

# argparse and importlib are imported where they are used: `hook` and `statusline` run on every
# prompt and every assistant message, and never need them (each costs a few ms a call); `logging`
# only when something is logged (see `_configure_logging`).

COMMAND_MODULES = {
    "claude_tray.cli.usage_commands": ("today", "daily", "sessions", "status"),
    "claude_tray.cli.doctor": ("doctor",),
    "claude_tray.cli.roots_commands": ("roots",),
    "claude_tray.cli.ledger_commands": ("ledger",),
    "claude_tray.cli.config_commands": ("config",),
    "claude_tray.cli.tray_commands": ("run", "reset", "read-history"),
    "claude_tray.cli.autostart_commands": ("autostart",),
    "claude_tray.cli.hooks_commands": ("hooks", "hook", "statusline"),
    "claude_tray.cli.sync_commands": ("sync",),
    "claude_tray.cli.report_commands": (
        "report",
        "weekly",
        "monthly",
        "projects",
        "categories",
        "trends",
        "blocks",
        "export",
        "note",
        "tag",
        "compare",
        "prune",
    ),
}
"""Each module and the commands it registers. A run imports only the module of its command (the
others pull in the report, the hooks, the tray...), all of them for `--help` or a typo."""


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Formatter(argparse.HelpFormatter):
        """argparse's own formatter, which asks for the terminal's width only when it formats
        text. A parser makes a formatter for each argument it adds (to check its metavar), and
        the width comes from `shutil`, which loads bz2 and lzma (~2 ms of every run): only help,
        usage and errors need it."""

        def __init__(
            self,
            prog: str,
            indent_increment: int = 2,
            max_help_position: int = 24,
            width: int | None = None,
        ) -> None:
            known = width is not None
            super().__init__(
                prog, indent_increment, max_help_position, width if known else _SOME_WIDTH
            )
            self._layout = None if known else (indent_increment, max_help_position)

        def format_help(self) -> str:
            if self._layout is not None:  # the width and help column argparse would choose
                chosen = argparse.HelpFormatter(self._prog, *self._layout)
                self._width, self._max_help_position = chosen._width, chosen._max_help_position
                self._layout = None
            return super().format_help()

    class _Parser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("formatter_class", _Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> None:  # type: ignore[override]
            raise CommandError(f"{message} (see `{self.prog} --help`)", EXIT_USAGE)

    return _Parser


_SOME_WIDTH = 80
"""Stands for the terminal's width until a formatter formats text (see `_Formatter`)."""


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; given the arguments, with only the command modules they need."""
    import argparse
    import importlib

    _Parser = _parser_class()
    parser = _Parser(prog=APP_NAME, description="Claude Code usage in your tray and terminal.")
    _add_global_options(parser, False)
    common = _Parser(add_help=False)  # the same options after the command's name
    _add_global_options(common, argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    # `prog` as argparse would make it (the program's name: no positional comes before the
    # command), without formatting a usage line (see `_Formatter`).
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, prog=APP_NAME
    )
    for name in _modules_for(argv):
        importlib.import_module(name).register(commands, common)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """`--json` and `--debug`, before the command's name (`default` False) or after it (default
    `SUPPRESS`: a command's parser then leaves the value given before its name as it is)."""
    parser.add_argument(
        "--json", action="store_true", default=default, help="print JSON instead of a table"
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="log details to stderr"
    )
    parser.add_argument(
        "--machine",
        action="append",
        default=None if default is False else default,
        metavar="NAME",
        help="only this machine's usage (repeatable; default: every machine in the sync folder)",
    )


PLAIN_COMMANDS = {
    "today": ("claude_tray.cli.usage_commands", "run_today"),
    "status": ("claude_tray.cli.usage_commands", "run_status"),
}
"""Commands that scripts and status bars run over and over, as `COMMAND`, `COMMAND --json` or
`--json COMMAND`: read without building the parser (argparse with gettext, and the parser itself,
cost each run a few ms), into what the parser makes of them (`tests/test_cli.py` holds the two
equal). Any other word or option goes through the parser."""


def _plain_command(argv: Sequence[str]) -> str | None:
    """The command of a plain command line (see `PLAIN_COMMANDS`), else None."""
    words = [word for word in argv if word != "--json"]
    if len(words) != 1 or len(argv) > 2 or words[0] not in PLAIN_COMMANDS:
        return None
    return words[0]


def _plain_args(argv: Sequence[str]) -> Any:
    """The parser's namespace for a plain command line of `PLAIN_COMMANDS`; None for any other."""
    command = _plain_command(argv)
    if command is None:
        return None
    import importlib
    from types import SimpleNamespace

    module, handler = PLAIN_COMMANDS[command]
    return SimpleNamespace(
        json="--json" in argv,
        debug=False,
        machine=None,
        command=command,
        timezone=None,
        handler=getattr(importlib.import_module(module), handler),
    )


def _modules_for(argv: Sequence[str]) -> list[str]:
    words = [word for word in argv if not word.startswith("-")]
    if not words and ("-h" in argv or "--help" in argv):
        return list(COMMAND_MODULES)
    command = words[0] if words else "run"  # no command starts the tray
    for module, names in COMMAND_MODULES.items():
        if command in names:
            return [module]
    return list(COMMAND_MODULES)


def _run(handler: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run the command; when it meets a damaged ledger, repair it (saying what was saved) and
    run the command once more."""
    try:
        return int(handler(args) or 0)
    except Exception as error:
        if not _ledger_fault(error, corrupt=True):
            raise
        from claude_tray.storage.ledger_repair import repair

        report = repair(error.path)  # type: ignore[attr-defined]
        print(f"{APP_NAME}: warning: {report.line()}", file=sys.stderr)
    return int(handler(args) or 0)


def _ledger_fault(error: BaseException, corrupt: bool = False) -> bool:
    """Whether `error` is the ledger's own (`LedgerError`); with `corrupt`, a damaged ledger.
    Looked up only when the ledger was loaded at all (the hooks never load it)."""
    faults = sys.modules.get("claude_tray.storage.ledger_faults")
    if faults is None or not isinstance(error, faults.LedgerError):
        return False
    return not corrupt or error.fault is faults.Fault.CORRUPT


def _load_site() -> None:
    """The site module's work, when Python started without it: the hooks' command
    (`python -I -S .../claude_tray/__main__.py`, see `hooks.install.program_prefix`) skips it for
    speed, and every other command needs site-packages (a PyInstaller build has none to load)."""
    if not sys.flags.no_site:
        return
    from claude_tray import is_frozen

    if not is_frozen():
        import site

        site.main()


def main(argv: Sequence[str] | None = None) -> int:
    entry = argv is None  # the process's own command line (not a caller in the same process)
    argv = list(sys.argv[1:] if argv is None else argv)
    code = _main(argv, entry)
    if entry and (argv[:1] in (["hook"], ["statusline"]) or _plain_command(argv) is not None):
        _end_now(code)
    return code


_NEEDS_TEARDOWN = ("threading", "multiprocessing", "concurrent.futures", "logging", "tempfile")
"""Modules whose work Python's exit finishes (threads joined, worker processes and their
semaphores let go, log handlers closed, temporary folders removed)."""


def _end_now(code: int) -> None:
    """End the process with `code` without Python's teardown, which frees every module and
    object one by one (~7 ms of a warm `today`, a few of each status line): for the commands
    that run over and over (`hook`, `statusline`, a plain `today` or `status`), whose files are
    all closed when they return, once their output is flushed, and only when none of
    `_NEEDS_TEARDOWN` was loaded. Returns when it cannot (the caller exits as usual)."""
    if any(name in sys.modules for name in _NEEDS_TEARDOWN):
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started without that stream
                stream.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream: Python's exit reports it
        return
    os._exit(code)


def _main(argv: list[str], entry: bool) -> int:
    enter_private_umask()  # everything this process creates is the user's alone
    if argv[:1] == ["hook"] or argv[:1] == ["statusline"]:  # run by Claude Code: no argparse
        from claude_tray.hooks.fast import run_fast

        code = run_fast(argv)
        if code is not None:
            return code
    _load_site()
    # `today --json` or `status --json` as the process's own command line (a caller in the same
    # process may have changed what the code does): the answer a run printed, if it still holds
    key = _kept_answer(argv) if entry else None
    if key is not None:
        from claude_tray.cli.warm_answer import answered

        return answered(key, lambda: _run_command(argv, entry))
    return _run_command(argv, entry)


def _kept_answer(argv: Sequence[str]) -> str | None:
    """The key of a command line whose answer is kept (`cli.warm_answer`), else None."""
    if _plain_command(argv) is None or "--json" not in argv:
        return None
    from claude_tray.cli.warm_answer import answer_key

    return answer_key(argv)


def _run_command(argv: list[str], entry: bool) -> int:
    collecting = gc.isenabled()
    gc.disable()  # while the command's modules load: see `_collect_again`
    debug = "--debug" in argv
    when_logging_loads(lambda: _configure_logging(debug))
    try:
        args = _plain_args(argv)
        if args is None:
            parser = build_parser(argv)
            args = parser.parse_args(argv)
            if args.command is None:
                args = parser.parse_args(["run", *argv])
        handler = getattr(args, "handler", None)
        if getattr(args, "json", False):  # JSON for a program: no progress bar on stderr
            from claude_tray.cli.progress import want_progress

            want_progress(False)
        if getattr(args, "machine", None):
            from claude_tray.cli.workspace import only_machines

            only_machines(args.machine)
        if handler is None:  # a command that needs a subcommand (not a plain one)
            build_parser(argv).print_help()
            return EXIT_USAGE
        _collect_again(collecting, frozen=entry)
        return _run(handler, args)
    except CommandError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # the last line of defence: one clear line, details with --debug
        if _ledger_fault(error):  # a full disk, a read-only ledger, a newer one...: its own line
            print(f"{APP_NAME}: {error}", file=sys.stderr)
            return EXIT_FAILURE
        if debug:
            import logging

            logging.exception("unexpected error")
        print(
            f"{APP_NAME}: unexpected error: {type(error).__name__}: {error} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    finally:
        _collect_again(collecting)


def _configure_logging(debug: bool) -> None:
    """What is logged goes to stderr, one line each (details with `--debug`). Run when `logging`
    loads (`storage.lazy_log`): a run that logs nothing never imports it."""
    import logging

    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format=f"{APP_NAME}: %(levelname)s: %(message)s",
    )


# The imports of a command and its parser make some 20,000 objects that live as long as the
# process; the cycle collector would walk them again and again while they are made (about 30
# collections, ~5 ms of a warm `today`). So it is off until the parser is built, then on as usual.
# When the command line is the process's own, those objects are also frozen (`gc.freeze`: out of
# the collector's sight for good; they would never be freed anyway).
def _collect_again(collecting: bool, frozen: bool = False) -> None:
    """Turn the cycle collector back on, if it was on when `main` began."""
    if collecting and not gc.isenabled():
        if frozen:
            gc.freeze()
        gc.enable()
