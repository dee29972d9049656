"""What the watcher tells the engine: "this changed", a hint to look, never the data itself."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class HintKind(enum.Enum):
    TRANSCRIPT = "transcript"
    """A transcript changed: read its new bytes."""
    STATE = "state"
    """A session state file (hooks, status line, our marks) changed."""
    CONFIG = "config"
    """The config file changed: reload it."""
    ROOTS = "roots"
    """A watched folder (or one on the way to it) appeared or went: watch again, read all."""
    FULL = "full"
    """Something under `projects/` changed that a single file does not describe: read all."""


@dataclass(frozen=True, slots=True)
class Hint:
    kind: HintKind
    path: Path | None = None
