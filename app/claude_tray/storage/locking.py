"""An exclusive lock on a file shared by processes (the tray, hooks, the status line, the CLI)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(Exception):
    pass


@contextmanager
def locked(path: Path, timeout: float = 5.0) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the `with` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, timeout)
        try:
            yield
        finally:
            _release(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - Windows only (type-checked with --platform)
    import msvcrt

    def _try(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _acquire(fd: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not _try(fd):
        if time.monotonic() >= deadline:
            raise LockTimeout("timed out waiting for a lock")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def try_lock_forever(path: Path) -> int | None:
    """Take an exclusive lock held until the process exits (one tray per user); None if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if _try(fd):
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        return fd
    os.close(fd)
    return None
