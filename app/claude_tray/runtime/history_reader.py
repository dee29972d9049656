"""The tray's side of the history reader process (`claude-tray read-history`).

`ReaderProcess.start` runs the command with a pipe on its stdin that the tray never writes to
(its end, when the tray exits or dies, tells the reader to stop: see `app.history_child`), reads
its progress lines on a thread of its own and hands each, then the end, to `tell` (the engine
enqueues them: everything else happens on the engine thread). Its stderr goes to a log file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from claude_tray.engine.history import HistoryProgress

log = logging.getLogger(__name__)

STOP_WAIT_S = 5.0
"""How long a stopped reader may take to exit before it is killed."""
TAIL_BYTES = 2000


@dataclass(frozen=True, slots=True)
class ReaderProgress:
    pid: int
    progress: HistoryProgress


@dataclass(frozen=True, slots=True)
class ReaderEnd:
    """The reader exited: `code` (negative: killed by that signal), its last progress, what its
    `done` line said (time, peak memory) and the end of its stderr."""

    pid: int
    code: int
    progress: HistoryProgress | None
    done: Mapping[str, Any] | None
    errors: str


class Reader(Protocol):
    @property
    def pid(self) -> int: ...

    def stop(self) -> None: ...


ReaderStarter = Callable[[Callable[[object], None]], Reader]
"""Starts a reader whose progress and end go to the callable given (the engine's queue)."""


class ReaderProcess:
    def __init__(
        self, process: subprocess.Popen[bytes], log_path: Path, tell: Callable[[object], None]
    ) -> None:
        self._process = process
        self._log_path = log_path
        self._tell = tell
        self._thread = threading.Thread(
            target=self._follow, name="claude-tray-history-reader", daemon=True
        )
        self._thread.start()

    @classmethod
    def start(
        cls,
        command: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        tell: Callable[[object], None],
    ) -> ReaderProcess:
        """Start the reader (raises OSError when it cannot be started)."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as errors:  # the child has its own copy of the descriptor
            process = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=dict(env),
                # Windows: no console window for it when the tray runs without one
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        return cls(process, log_path, tell)

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        """End the reader (any thread): close its stdin, which makes it exit; kill it if it
        has not within `STOP_WAIT_S`. Waits for the thread that follows it."""
        stdin = self._process.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        try:
            self._process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            log.warning("history reader %d did not stop; killing it", self._process.pid)
            self._process.kill()
            self._process.wait()
        if self._thread is not threading.current_thread():
            self._thread.join(STOP_WAIT_S)

    def _follow(self) -> None:
        last: HistoryProgress | None = None
        done: Mapping[str, Any] | None = None
        stdout = self._process.stdout
        assert stdout is not None
        try:
            for line in _lines(stdout):
                try:
                    data = json.loads(line)
                    if "done" in data:
                        done = data["done"]
                        last = HistoryProgress.from_json(data["done"])
                    else:
                        last = HistoryProgress.from_json(data["progress"])
                        self._tell(ReaderProgress(self.pid, last))
                except (ValueError, KeyError, TypeError):
                    log.warning("history reader: unexpected output %r", line[:200])
        finally:
            code = self._process.wait()
            self._tell(ReaderEnd(self.pid, code, last, done, self._errors()))

    def _errors(self) -> str:
        try:
            with open(self._log_path, "rb") as handle:
                handle.seek(0, 2)
                size = handle.tell()
                handle.seek(max(0, size - TAIL_BYTES))
                return handle.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""


def _lines(stream: IO[bytes]) -> Any:
    for raw in stream:
        text = raw.decode("utf-8", "replace").strip()
        if text:
            yield text
