"""Writing our own files so that a crash or a second writer never leaves half a file.

Light on purpose (`os` only, paths as strings or path-likes): the hooks write through it on every
call.

On Windows a file that another process holds open (without FILE_SHARE_DELETE, which is how
Python's `open` and most programs open files) cannot be replaced: `os.replace` (MoveFileExW) then
fails with ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION, a `PermissionError` with `winerror` 5
or 32. Such holds are short (the tray reading a state file, an antivirus scan), so the replace is
retried for a moment; and our own readers of files that writers replace while holding a lock take
the same lock (`read_locked`), so they never hold the file open under a writer at all.
"""

from __future__ import annotations

import os
import sys
import time

from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.locking import LockTimeout, locked
from claude_tray.storage.private import PRIVATE_DIR, PRIVATE_FILE
from claude_tray.storage.regular import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

log = LazyLogger(__name__)  # `logging` only when used: the hooks load this module

REPLACE_RETRY_S = 2.0
"""How long a replace blocked by another process's open handle is retried (Windows)."""
SHARING_ERRORS = frozenset({5, 32})
"""ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION: the target is open in another process."""
READ_LOCK_TIMEOUT_S = 2.0
READERS_BLOCK_WRITERS = sys.platform == "win32"
"""Whether an open reader makes `os.replace` of the file fail (Windows), so readers lock."""


def write_atomic(
    path: str | os.PathLike[str], data: bytes, mode: int | None = None, durable: bool = True
) -> None:
    """Replace `path` with `data`: temp file in the same folder, fsync, `os.replace`.

    The file is created 0600 (`mode` sets another). `durable=False` skips the fsync: still all
    or nothing for readers, but a power cut may lose the write (for a file rewritten every few
    seconds, where an fsync on a busy disk can cost a status line hundreds of ms)."""
    target = os.fspath(path)
    folder, name = os.path.split(target)
    os.makedirs(folder or ".", PRIVATE_DIR, exist_ok=True)
    temp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        replace_retrying(temp, target)
    except BaseException:
        # try/except, not contextlib.suppress: no contextlib on the hooks' path
        try:  # noqa: SIM105
            os.unlink(temp)
        except OSError:
            pass
        raise


def replace_retrying(
    source: str | os.PathLike[str], target: str | os.PathLike[str], timeout: float | None = None
) -> None:
    """`os.replace`, retried while the target is open in another process (Windows)."""
    deadline = time.monotonic() + (REPLACE_RETRY_S if timeout is None else timeout)
    delay = 0.005
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError as error:
            if getattr(error, "winerror", None) not in SHARING_ERRORS:
                raise
            if time.monotonic() >= deadline:
                log.warning("cannot replace %s: it stays open in another program", target)
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def read_locked(
    path: str | os.PathLike[str],
    lock: str | os.PathLike[str],
    use_lock: bool = READERS_BLOCK_WRITERS,
) -> bytes:
    """The bytes of `path`, read while holding `lock` (the lock its writers hold) where a reader
    would block their `os.replace` (Windows); a plain read elsewhere. Raises `OSError` like
    `Path.read_bytes` (`FileNotFoundError` for a missing file, `NotRegularFile` for a FIFO)."""
    if not use_lock or not os.path.exists(path):
        return _read_bytes(path)
    try:
        with locked(lock, READ_LOCK_TIMEOUT_S):
            return _read_bytes(path)
    except LockTimeout:  # a stuck writer: read what is there rather than nothing
        return _read_bytes(path)


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    return read_regular(path)


def move_aside(path: Path, why: str) -> Path:
    """Rename a corrupt file of ours to `<name>.corrupt-<time>` (kept to inspect); say so."""
    return type(path)(move_file_aside(os.fspath(path), why))


def move_file_aside(path: str, why: str) -> str:
    """`move_aside` for a path given as a string; returns where the file went."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = f"{path}.corrupt-{stamp}"
    counter = 1
    while os.path.lexists(target):
        target = f"{path}.corrupt-{stamp}-{counter}"
        counter += 1
    os.replace(path, target)
    log.warning(
        "%s is corrupt (%s): moved aside to %s and rebuilt", path, why, os.path.basename(target)
    )
    return target
