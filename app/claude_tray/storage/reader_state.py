"""How the tray's history reader did last (`state/history-reader.json`), for `doctor`.

Written by the tray's engine thread (atomically) each time a history reader run ends; read by
`claude-tray doctor`. A file that cannot be read as such a record counts as no record.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from claude_tray.storage.atomic import write_atomic
from claude_tray.storage.paths import AppPaths
from claude_tray.storage.regular import read_regular

READER_STATE = "history-reader.json"


@dataclass(frozen=True, slots=True)
class ReaderRecord:
    at: float
    """When the run ended (epoch seconds)."""
    code: int
    """Its exit code (0: it read everything it planned; negative: killed by that signal)."""
    problem: str | None
    """Why it failed (its last words on stderr), or None."""
    files: int
    read_bytes: int
    total_bytes: int
    seconds: float | None
    peak_mb: float | None
    runs: int
    """Runs since the last one that read everything it planned."""
    in_tray: bool
    """After this many failures the tray reads the rest of the history itself."""


def reader_state_path(paths: AppPaths) -> Path:
    return paths.state_dir / READER_STATE


def save_reader_record(paths: AppPaths, record: ReaderRecord) -> None:
    data = json.dumps(asdict(record), allow_nan=False, sort_keys=True).encode()
    write_atomic(reader_state_path(paths), data + b"\n", durable=False)


def load_reader_record(paths: AppPaths) -> ReaderRecord | None:
    """The last run's record; None when there is none or it cannot be read."""
    try:
        data = json.loads(read_regular(reader_state_path(paths), 1 << 20))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(ReaderRecord)}
    for name, kinds in _KINDS.items():
        value = values[name]
        if isinstance(value, bool) is not (kinds == (bool,)) or not isinstance(value, kinds):
            return None
    return ReaderRecord(**values)


_NUMBER = (int, float)
_KINDS: dict[str, tuple[type, ...]] = {
    "at": _NUMBER,
    "code": (int,),
    "problem": (str, type(None)),
    "files": (int,),
    "read_bytes": (int,),
    "total_bytes": (int,),
    "seconds": (int, float, type(None)),
    "peak_mb": (int, float, type(None)),
    "runs": (int,),
    "in_tray": (bool,),
}
