"""The answers of the plain commands, kept with what they were worked out from (the file).

`state/answers.json` holds, per command line (`today --json`), the text a full run printed and
the inputs it depended on (`cli.warm_answer` says which, and checks them). The file is only ever a
shortcut: one that is missing, cut short, unreadable, of another version or of another shape
gives no answer (the command then runs in full); writing it never fails a command.
"""

from __future__ import annotations

import os

from claude_tray.storage import json_c
from claude_tray.storage.regular import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ANSWERS_FILE = "answers.json"
"""In the state folder."""
ANSWERS_VERSION = 1
MAX_ANSWERS_BYTES = 4 << 20


def answers_file(state_dir: str) -> str:
    return os.path.join(state_dir, ANSWERS_FILE)


def read_answers(state_dir: str) -> dict[str, dict[str, Any]]:
    """The kept answers by command line; none when the file is missing or not ours."""
    try:
        data = json_c.loads(read_regular(answers_file(state_dir), MAX_ANSWERS_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != ANSWERS_VERSION:
        return {}
    answers = data.get("answers")
    if not isinstance(answers, dict):
        return {}
    return {key: entry for key, entry in answers.items() if isinstance(entry, dict)}


def read_answer(state_dir: str, command: str) -> dict[str, Any] | None:
    """The kept answer of `command`, if any (its fields are the caller's to check)."""
    return read_answers(state_dir).get(command)


def keep_answer(state_dir: str, command: str, entry: dict[str, Any] | None) -> bool:
    """Keep `entry` as the answer of `command` (None: forget it); False when the file could not
    be written (a read-only folder, a full disk): the next run works the answer out again."""
    answers = read_answers(state_dir)
    if entry is None and command not in answers:
        return True
    if entry is None:
        del answers[command]
    else:
        answers[command] = entry
    from claude_tray.storage.atomic import write_atomic

    text = json_c.dumps({"version": ANSWERS_VERSION, "answers": answers}, separators=(",", ":"))
    if len(text) > MAX_ANSWERS_BYTES:
        return False
    try:
        write_atomic(answers_file(state_dir), text.encode(), durable=False)
    except OSError:
        return False
    return True
