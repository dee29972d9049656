"""The session state files, read and changed exactly as `storage.state` does, with lighter imports.

Same file (`state/sessions/<safe id>.json`), same lock (`<safe id>.lock`, an exclusive `flock`),
same atomic replace (temp file in the folder, fsync, `os.replace`), same repair (a corrupt file is
renamed `<name>.corrupt-<time>` and started afresh), so hooks, the status line and the tray can
write one session at once without losing an update (`tests/hooks/test_concurrency.py`).
`storage.state` imports pathlib, tempfile and the layers below; a hook call cannot afford them.
On Windows the lock comes from `storage.locking` itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time

from claude_tray.hooks.hook_log import log_trouble
from claude_tray.hooks.lean_paths import HookPaths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from typing import Any

STATE_VERSION = 1  # storage.state.STATE_VERSION
LOCK_TIMEOUT = 5.0
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def state_path(paths: HookPaths, session_id: str) -> str:
    """The same file name as `storage.state.state_file`."""
    name = _SAFE.sub("_", session_id)[:200] or "_"
    return os.path.join(paths.sessions_dir, f"{name}.json")


def read_state(paths: HookPaths, session_id: str) -> dict[str, Any] | None:
    """The session's state, or None when missing or unreadable (a reader never repairs)."""
    return _read(state_path(paths, session_id), None)


def update_state(
    paths: HookPaths, session_id: str, change: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Apply `change` to the session's state under its lock and write it back atomically."""
    path = state_path(paths, session_id)
    with _locked(path[: -len(".json")] + ".lock"):
        data = _read(path, paths) or {}
        data.setdefault("version", STATE_VERSION)
        data["session_id"] = session_id
        change(data)
        write_atomic(path, json.dumps(data, separators=(",", ":")).encode())
    return data


def write_atomic(path: str, data: bytes) -> None:
    """Replace `path` with `data` as `storage.atomic.write_atomic` does."""
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _read(path: str, repair: HookPaths | None) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        if repair is not None:
            _move_aside(path, str(error), repair)
        return None
    return data


def _move_aside(path: str, why: str, paths: HookPaths) -> None:
    """As `storage.atomic.move_aside`: keep the corrupt file for inspection, say so in the log."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = f"{path}.corrupt-{stamp}"
    counter = 1
    while os.path.exists(target):
        target = f"{path}.corrupt-{stamp}-{counter}"
        counter += 1
    os.replace(path, target)
    log_trouble(
        paths.log_dir,
        "state",
        f"{path} is corrupt ({why}): moved aside to {os.path.basename(target)} and rebuilt",
    )


if sys.platform == "win32":  # pragma: no cover - Windows only

    def _locked(path: str) -> AbstractContextManager[None]:
        from pathlib import Path

        from claude_tray.storage.locking import locked

        return locked(Path(path), LOCK_TIMEOUT)

else:
    import fcntl

    class LockTimeout(Exception):
        pass

    @contextlib.contextmanager
    def _locked(path: str) -> Iterator[None]:
        """The lock `storage.locking.locked` takes: `flock(LOCK_EX)` on the lock file."""
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            delay = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(f"timed out waiting for {path}") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
