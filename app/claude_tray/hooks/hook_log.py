"""The hooks' own log: one appended line per problem in `<log dir>/hooks.log` (cheap, no logging
setup). The hooks never fail Claude Code because of their own trouble; this is where it shows."""

from __future__ import annotations

import os
import time

from claude_tray.storage.private import PRIVATE_DIR, PRIVATE_FILE

LOG_NAME = "hooks.log"
MAX_BYTES = 256 * 1024
"""Past this size the log is moved to `hooks.log.1` (replacing an older one) and restarted."""


def log_trouble(log_dir: str | None, where: str, message: str, now: float | None = None) -> None:
    """Append `message` to the hooks' log; never raises."""
    if log_dir is None:
        return
    moment = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(moment))
    line = f"{stamp} [{os.getpid()}] {where}: {' '.join(message.split())}\n"
    path = os.path.join(log_dir, LOG_NAME)
    try:
        os.makedirs(log_dir, PRIVATE_DIR, exist_ok=True)
        try:
            if os.stat(path).st_size > MAX_BYTES:
                os.replace(path, path + ".1")
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError:
        pass
