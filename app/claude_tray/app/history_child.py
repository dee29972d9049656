"""`claude-tray read-history`: the tray's history reader, a process the tray starts (hidden).

It reads the rest of a history that the tray read today first (`engine.history`), at a lower
priority (`adapters.platform.lower_priority`), and says how far it is on stdout, one JSON object a
line: `{"progress": {...}}` after each batch (what it tells is committed), then `{"done": {...}}`
with its time and peak memory. Exit 0 when all is read; 1, with one line on stderr, when the
ledger cannot be opened or written.

It lives as long as the tray: the tray holds the write end of its stdin and never writes to it, so
when the tray exits, crashes or is killed, the read below ends and the reader exits at once. That
is safe at any moment: every file's rows are one SQLite transaction, and a transaction that was
not committed is rolled back by SQLite (the file is read again by a later pass).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Mapping

from claude_tray import APP_NAME
from claude_tray.adapters.platform import lower_priority, peak_memory_mb
from claude_tray.engine.history import HistoryNotWritten, HistoryProgress, read_history
from claude_tray.engine.workspace import open_beside_the_tray
from claude_tray.storage.learned_roots import watched_roots
from claude_tray.storage.ledger import LedgerError
from claude_tray.storage.paths import app_paths

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ORPHANED = 3
"""The tray went away (stdin closed) before the history was read."""
READER_CACHE_KIB = 8 << 10
"""SQLite's page cache in the reader: it writes, and needs no more to stay fast."""


def run_history_reader(env: Mapping[str, str] | None = None) -> int:
    priority = lower_priority()
    watch_parent(sys.stdin.fileno())
    paths = app_paths(env)
    roots = watched_roots(paths, env)
    started = time.monotonic()
    try:
        ledger = open_beside_the_tray(paths)
    except LedgerError as error:
        return _failed(str(error))
    try:
        if ledger.read_only is not None:
            return _failed(ledger.read_only)
        ledger.limit_cache(READER_CACHE_KIB)
        final = read_history(ledger, roots, lambda progress: _say("progress", progress))
    except (LedgerError, HistoryNotWritten) as error:
        return _failed(str(error))
    finally:
        ledger.close()
    peak = peak_memory_mb()
    _say(
        "done",
        final,
        seconds=round(time.monotonic() - started, 3),
        peak_mb=None if peak is None else round(peak, 1),
        priority=priority,
    )
    return EXIT_OK


def watch_parent(stdin: int) -> threading.Thread:
    """Exit at once when the file descriptor `stdin` reaches its end: the tray that started this
    process is gone. (A raw read: a thread blocked in a buffered one would hold its lock when
    the interpreter shuts down.)"""

    def wait() -> None:
        try:
            while os.read(stdin, 4096):
                pass
        except OSError:
            pass
        os._exit(EXIT_ORPHANED)

    thread = threading.Thread(target=wait, name="claude-tray-parent", daemon=True)
    thread.start()
    return thread


def _say(kind: str, progress: HistoryProgress, **extra: object) -> None:
    line = json.dumps({kind: {**progress.to_json(), **extra}})
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):  # nobody reads any more: the tray is gone
        os._exit(EXIT_ORPHANED)


def _failed(why: str) -> int:
    print(f"{APP_NAME} read-history: {why}", file=sys.stderr)
    return EXIT_FAILED
