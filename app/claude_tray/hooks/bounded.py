"""Reading a pipe with a size cap and a deadline applied while reading.

What the hook and the status line read (their stdin, a chained command's output) comes from
another program: one that never closes its end, or prints without end, must cost us a bounded
amount of time and memory, not whatever it chooses. So reads go chunk by chunk, each waiting at
most until the deadline, and stop at the cap.
"""

from __future__ import annotations

import io
import os
import sys
import time

CHUNK = 64 * 1024

ENDED = "ended"
"""The writer closed its end: everything it wrote was read."""
FULL = "full"
"""`limit` bytes were read; more may have followed."""
LATE = "late"
"""The deadline passed before the writer closed its end."""


def read_stream(stream: object, limit: int, timeout: float) -> tuple[bytes, str]:
    """Up to `limit` bytes of `stream` and why reading stopped (`ENDED`, `FULL` or `LATE`).

    A stream without a file descriptor (an in-memory one, in tests) is read directly."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, io.UnsupportedOperation):
        data = stream.read(limit + 1)  # type: ignore[attr-defined]
        return (data[:limit], FULL) if len(data) > limit else (data, ENDED)
    return read_fd(fd, limit, timeout)


def read_fd(fd: int, limit: int, timeout: float) -> tuple[bytes, str]:
    """Up to `limit` bytes from the file descriptor `fd` within `timeout` seconds."""
    # select() takes only sockets on Windows: a helper thread reads there.
    reader = _read_in_thread if sys.platform == "win32" else _read_with_select
    return reader(fd, limit, timeout)


def _read_with_select(fd: int, limit: int, timeout: float) -> tuple[bytes, str]:
    import select

    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), LATE
        try:
            ready, _, _ = select.select([fd], [], [], left)
        except InterruptedError:  # pragma: no cover (retried by Python itself since 3.5)
            continue
        if not ready:
            return b"".join(chunks), LATE
        chunk = os.read(fd, min(CHUNK, limit - total))
        if not chunk:
            return b"".join(chunks), ENDED
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), FULL


def _read_in_thread(fd: int, limit: int, timeout: float) -> tuple[bytes, str]:
    import threading

    chunks: list[bytes] = []
    state = {"why": LATE}
    done = threading.Event()

    def pump() -> None:
        total = 0
        try:
            while total < limit:
                chunk = os.read(fd, min(CHUNK, limit - total))
                if not chunk:
                    state["why"] = ENDED
                    return
                chunks.append(chunk)
                total += len(chunk)
            state["why"] = FULL
        except OSError:
            state["why"] = ENDED
        finally:
            done.set()

    threading.Thread(target=pump, name="claude-tray-read", daemon=True).start()
    finished = done.wait(timeout)
    return b"".join(list(chunks)), state["why"] if finished else LATE
