"""An exclusive lock on a file shared by processes (the tray, hooks, the status line, the CLI).

Light on purpose (`os` only): the hooks take it on every call.
"""

from __future__ import annotations

import os
import sys
import time

LOCK_TIMEOUT = 5.0


class LockTimeout(Exception):
    pass


class locked:
    """`with locked(path, timeout):` holds an exclusive lock on `path` (created if missing) for
    the block; waits at most `timeout` seconds (`LOCK_TIMEOUT` when None), then raises
    `LockTimeout`. (A class, not `contextlib.contextmanager`: the status line takes the lock on
    every call, and `contextlib` would load `collections` and `functools` for it.)"""

    __slots__ = ("_fd", "_path", "_timeout")

    def __init__(self, path: str | os.PathLike[str], timeout: float | None = None) -> None:
        self._path = os.fspath(path)
        self._timeout = LOCK_TIMEOUT if timeout is None else timeout
        self._fd = -1

    def __enter__(self) -> None:
        fd = _open(self._path)
        try:
            _acquire(fd, self._timeout)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def __exit__(self, *exc: object) -> None:
        fd, self._fd = self._fd, -1
        try:
            _release(fd)
        finally:
            os.close(fd)


def _open(path: str) -> int:
    os.makedirs(os.path.dirname(path) or ".", 0o700, exist_ok=True)  # private (storage.private)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


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


def try_lock_forever(path: str | os.PathLike[str]) -> int | None:
    """Take an exclusive lock held until the process exits (one tray per user); None if taken."""
    fd = _open(os.fspath(path))
    if _try(fd):
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        return fd
    os.close(fd)
    return None
