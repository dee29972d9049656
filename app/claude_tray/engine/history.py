"""Reading the rest of a history, beside a live writer: the tray's history reader process.

The tray reads what today and the live sessions need itself (`Workspace.refresh_today`); the rest
(the transcripts older than every file read so far) is read here, newest first, in a process of
its own (`claude-tray read-history`, started by the tray), so the tray never holds the GIL or grows
its heap for it. Each file is written in a transaction of its own once it is parsed
(`ingest(background=True)`): the tray's live writes wait at most for one file's insert. What this
reads is exactly what the tray's in-process slices read (`Workspace.refresh_backlog`): the same
files in the same order with the same dedupe-tie rule, so the ledger ends as one full pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from claude_tray.engine.ingest import ingest, unread_history
from claude_tray.storage.ledger import Ledger

BATCH_FILES = 32
BATCH_BYTES = 8 << 20
"""One `ingest` call reads at most this many files or about this many bytes: progress is told
(and a stop is honoured) between calls."""


class HistoryNotWritten(Exception):
    """The ledger cannot be written (read-only, a full disk...): one line saying why."""


@dataclass(frozen=True, slots=True)
class HistoryProgress:
    """How far the reader is. `newest_unread_ns`: the modification time of the newest transcript
    not read yet (every line dated at or after it is in the ledger), None once all are read."""

    read: int
    total: int
    newest_unread_ns: int | None
    files: int = 0
    problems: int = 0

    def to_json(self) -> dict[str, int | None]:
        return {
            "read": self.read,
            "total": self.total,
            "newest_unread_ns": self.newest_unread_ns,
            "files": self.files,
            "problems": self.problems,
        }

    @classmethod
    def from_json(cls, data: object) -> HistoryProgress:
        """Parse what `to_json` made; raises ValueError for anything else."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        counts: list[int] = []
        for name in ("read", "total", "files", "problems"):
            value = data.get(name)
            if type(value) is not int or value < 0:
                raise ValueError(f"not a progress report: {data!r}")
            counts.append(value)
        newest = data.get("newest_unread_ns")
        if newest is not None and type(newest) is not int:
            raise ValueError(f"not a progress report: {data!r}")
        read, total, files, problems = counts
        return cls(read, total, newest, files, problems)


def read_history(
    ledger: Ledger,
    roots: list[Path],
    report: Callable[[HistoryProgress], None],
    stop: Callable[[], bool] = lambda: False,
) -> HistoryProgress:
    """Read every transcript older than the files the ledger has read, newest first, telling
    `report` after each batch (committed by then). Raises `HistoryNotWritten` when the ledger
    cannot be written (`LedgerError` for damage); a transcript that cannot be read is counted in
    `problems` (the tray's passes name it)."""
    items = unread_history(ledger, roots)
    total = sum(left for _, _, left in items)
    read = files = problems = 0
    done = 0
    progress = HistoryProgress(0, total, items[0][1] if items else None)
    report(progress)
    while done < len(items) and not stop():
        end, size = done, 0
        while end < len(items) and end - done < BATCH_FILES:
            if end > done and size >= BATCH_BYTES:
                break
            size += items[end][2]
            end += 1
        batch = items[done:end]
        stats = ingest(ledger, roots, [Path(path) for path, _, _ in batch], background=True)
        if stats.ledger_problem is not None:
            raise HistoryNotWritten(stats.ledger_problem)
        left = {path for path, _, _ in stats.unread}
        read += sum(size for path, _, size in batch if path not in left)
        files += stats.files_read
        problems += len(stats.problems)
        done = end
        newest = items[done][1] if done < len(items) else None
        progress = HistoryProgress(read, total, newest, files, problems)
        report(progress)
    return progress
