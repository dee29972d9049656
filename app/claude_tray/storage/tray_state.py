"""The tray's own memory (`state/tray.json`): alerts already sent, and the notification pause.

Only the tray's engine thread writes it (one tray per user, held by the instance lock), always
atomically. A file that cannot be read as a memory is moved aside with a warning and the tray starts
from an empty memory; that can repeat notifications once, but it never stops the tray.
"""

from __future__ import annotations

import json
import logging

from claude_tray.core.alerts import AlertMemory
from claude_tray.storage.atomic import move_aside, write_atomic
from claude_tray.storage.paths import AppPaths

log = logging.getLogger(__name__)


def load_tray_state(paths: AppPaths) -> AlertMemory:
    """The stored memory; an empty one when there is none or it is corrupt (moved aside)."""
    path = paths.tray_state
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return AlertMemory()
    except OSError as error:
        log.warning("cannot read %s (%s): starting with an empty alert memory", path, error)
        return AlertMemory()
    try:
        return AlertMemory.from_json(json.loads(raw))
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError too
        try:
            move_aside(path, str(error))
        except OSError as move_error:
            log.warning("cannot move %s aside: %s", path, move_error)
        return AlertMemory()


def save_tray_state(paths: AppPaths, memory: AlertMemory) -> None:
    """Write the memory atomically (a crash leaves the old file or the new one, never half)."""
    data = json.dumps(memory.to_json(), indent=1, sort_keys=True).encode()
    write_atomic(paths.tray_state, data + b"\n")
