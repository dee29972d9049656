"""What Claude Code runs: `claude-tray hook` and `claude-tray statusline`, JSON on stdin.

Every prompt waits for the hook, so this path is kept lean: `cli.main` hands these two commands
here before building its argument parser, and only small modules are imported: no argparse use, no
pathlib, dataclasses, typing, tempfile or platformdirs on the hook path (`storage.paths`,
`storage.state` and the modules under them are written to be light enough), no config validation
(`hook_settings` caches it), no ledger, no transcript. The status line also loads `core.levels`
and `core.pause` for the auto-pause rule when it can matter: a session at or above the pause level,
marked paused, or with a reset's acknowledgement.

Neither ever fails Claude Code because of its own trouble: unreadable input, a corrupt or locked
state file, a broken config or any unexpected error let the prompt through (exit 0, nothing on
stdout; for UserPromptSubmit anything printed would be added to the prompt) and are written to
`<log dir>/hooks.log`. The status line then prints a plain line instead.
"""

from __future__ import annotations

import os
import sys
import time

from claude_tray.hooks.hook_log import log_trouble
from claude_tray.storage import json_c
from claude_tray.storage.lazy_log import when_logging_loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

    from claude_tray.storage.budget_state import BudgetState
    from claude_tray.storage.paths import AppDirs
    from claude_tray.storage.state import SessionRecord


def run_fast(argv: list[str]) -> int | None:
    """Run `hook` or `statusline [--then CMD]`; None when `argv` is something else (`--help`).

    For the process's entry only: it sends our modules' log records to the hooks' log file.
    """
    if argv == ["hook"]:
        _route_logging()
        return run_hook(sys.stdin.buffer, sys.stdout.buffer)
    if argv[:1] != ["statusline"]:
        return None
    rest = argv[1:]
    if not rest:
        then = None
    elif len(rest) == 2 and rest[0] == "--then":
        then = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--then="):
        then = rest[0][len("--then=") :]
    else:
        return None
    _route_logging()
    return run_statusline(sys.stdin.buffer, sys.stdout.buffer, then)


def now() -> float:
    """The clock; `CLAUDE_TRAY_NOW` (epoch seconds) fixes it for tests, as in the CLI."""
    fixed = os.environ.get("CLAUDE_TRAY_NOW")
    try:
        return float(fixed) if fixed else time.time()
    except ValueError:
        return time.time()


def run_hook(stdin: IO[bytes], stdout: IO[bytes]) -> int:
    """Record the event; on UserPromptSubmit print the block decision when the gate refuses."""
    log_dir = None
    try:
        paths = _paths()
        log_dir = paths.log_dir
        payload = _payload(_read_input(stdin, MAX_HOOK_INPUT))
        reason = handle_event(paths, payload, now())
        if reason:
            _write(stdout, json_c.dumps({"decision": "block", "reason": reason}) + "\n")
    except Exception as error:  # fail open: the prompt goes through
        log_trouble(log_dir, "hook", f"{type(error).__name__}: {error}")
    return 0


def handle_event(paths: AppDirs, payload: dict[str, Any], moment: float) -> str | None:
    """Record one hook event; the reason to refuse the prompt, or None to let it through."""
    from claude_tray.hooks.event import apply_event
    from claude_tray.hooks.hook_settings import load_hook_settings
    from claude_tray.hooks.payload import text
    from claude_tray.storage.state import SessionRecord, change_session, read_session

    loaded = load_hook_settings(paths)
    if loaded.error and loaded.fresh:
        log_trouble(paths.log_dir, "config", f"{loaded.error} (the gate is off until it is fixed)")
    session_id = text(payload.get("session_id"))
    if session_id is None:
        raise ValueError("the hook input has no session_id")
    try:
        record = change_session(
            paths, session_id, lambda r: apply_event(r, payload, loaded.settings, moment)
        )
    except Exception as error:  # still decide from what is on disk
        log_trouble(paths.log_dir, "hook", f"cannot record the event: {error}")
        record = read_session(paths, session_id) or SessionRecord(session_id)
    if payload.get("hook_event_name") != "UserPromptSubmit" or loaded.error:
        return None
    from claude_tray.hooks.gate import decide

    budget = _budget(paths) if loaded.settings.budget else None
    return decide(record, loaded.settings, budget, moment, payload.get("prompt"))


def run_statusline(stdin: IO[bytes], stdout: IO[bytes], then: str | None) -> int:
    """Record the status-line data and print one line (or the chained command's output)."""
    raw = b""
    payload: Any = None
    log_dir = None
    line = None
    unread: Exception | None = None
    try:  # first: a chained command gets the input whatever happens next
        raw = _read_input(stdin, MAX_STATUSLINE_INPUT)
    except _InputCutShort as cut:
        raw, unread = cut.raw, cut
    except Exception as error:
        unread = error
    try:
        paths = _paths()
        log_dir = paths.log_dir
        if unread is not None:
            raise unread
        payload = _payload(raw)
        line = statusline_text(paths, payload, now())
    except Exception as error:
        log_trouble(log_dir, "statusline", f"{type(error).__name__}: {error}")
    if then:
        from claude_tray.hooks.chain import run_chained

        theirs = run_chained(then, raw)
        if theirs is not None:
            _write(stdout, theirs + b"\n")
            return 0
    if line is None:
        from claude_tray.hooks.statusline import fallback_line

        line = fallback_line(payload)
    _write(stdout, line + "\n")
    return 0


def statusline_text(paths: AppDirs, payload: dict[str, Any], moment: float) -> str:
    """Record one status-line call in the session's state; our line for it."""
    from claude_tray.hooks.hook_settings import load_hook_settings
    from claude_tray.hooks.payload import text
    from claude_tray.hooks.statusline import apply_statusline, render_line
    from claude_tray.storage.state import SessionRecord, change_session

    loaded = load_hook_settings(paths)
    settings = loaded.settings
    if loaded.error and loaded.fresh:
        log_trouble(
            paths.log_dir,
            "config",
            f"{loaded.error} (auto-pause marks are not set until it is fixed)",
        )
    pause_rule = loaded.error is None

    def change(record: SessionRecord) -> None:
        apply_statusline(record, payload, settings, moment, pause_rule)

    session_id = text(payload.get("session_id"))
    record = None
    try:
        record = change_session(paths, session_id, change) if session_id else None
    except Exception as error:
        log_trouble(paths.log_dir, "statusline", f"cannot record: {error}")
    if record is None:
        record = SessionRecord(session_id or "")
        change(record)
    color = settings.color and not os.environ.get("NO_COLOR")
    return render_line(record, payload, settings, _budget(paths), moment, color)


def _paths() -> AppDirs:
    from claude_tray.storage.paths import app_dirs

    return app_dirs()


def _budget(paths: AppDirs) -> BudgetState | None:
    from claude_tray.storage.budget_state import BUDGET_FILE, read_budget_file

    return read_budget_file(os.path.join(paths.state_dir, BUDGET_FILE))


MAX_HOOK_INPUT = 32 << 20
"""A hook's input holds the prompt: a long paste is a few MB; more is not Claude Code's input."""
MAX_STATUSLINE_INPUT = 4 << 20
INPUT_TIMEOUT = 5.0
"""Claude Code writes the input at once and closes it; an input still open after this is not."""


def _read_input(stdin: IO[bytes], limit: int) -> bytes:
    """Stdin, read with a cap and a deadline (an endless or never-closed input costs neither
    memory nor more than `INPUT_TIMEOUT`); raises ValueError for input cut short."""
    from claude_tray.hooks.bounded import ENDED, FULL, read_stream

    raw, why = read_stream(stdin, limit, INPUT_TIMEOUT)
    if why == ENDED:
        return raw
    if why == FULL:
        raise _InputCutShort(raw, f"the input is larger than {limit >> 20} MiB")
    raise _InputCutShort(raw, f"the input was not closed within {INPUT_TIMEOUT:g} s")


class _InputCutShort(ValueError):
    def __init__(self, raw: bytes, message: str) -> None:
        super().__init__(message)
        self.raw = raw


def _payload(raw: bytes) -> dict[str, Any]:
    payload = json_c.loads(raw)
    if not isinstance(payload, dict):
        raise ValueError("the input is not a JSON object")
    return payload


def _write(stream: IO[bytes], text: str | bytes) -> None:
    try:
        stream.write(text.encode("utf-8") if isinstance(text, str) else text)
        stream.flush()
    except OSError:  # Claude Code stopped reading (BrokenPipeError): nothing to tell it
        pass


def _route_logging() -> None:
    """Send what our modules log (a corrupt budget file) to the hooks' log, never to stderr;
    set up only if something is logged at all (`logging` costs each call a few ms to load)."""
    when_logging_loads(_send_logs_to_hook_log)


def _send_logs_to_hook_log() -> None:
    import logging

    class TroubleHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                log_dir: str | None = _paths().log_dir
            except Exception:
                log_dir = None
            log_trouble(log_dir, record.name, record.getMessage())

    package = logging.getLogger("claude_tray")
    package.handlers[:] = [TroubleHandler(logging.WARNING)]
    package.propagate = False
