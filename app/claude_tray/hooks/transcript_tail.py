"""A session's context from the tail of its transcript, for the Stop hook of a session that has no
status line (print mode: `claude -p` runs no status line, and ends every run with SessionEnd, so
neither the status line nor the tray, which follows active sessions, would ever pause it).

Only the last `TAIL_BYTES` are read: the latest main-chain response (or a newer compact boundary's
`postTokens`) is at the end of the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from claude_tray.core.bounds import latest_plausible
from claude_tray.core.records import CompactBoundary, Response, Skipped
from claude_tray.core.transcript import interpret
from claude_tray.storage.regular import open_regular

TAIL_BYTES = 512 * 1024


def tail_context(path: str, now: float) -> int | None:
    """The prompt tokens of the latest main-chain response in the tail of `path` (or the
    `postTokens` of a compact boundary written after it); None when the tail holds neither or
    the file cannot be read."""
    for record in _tail_records(path, now):
        if isinstance(record, CompactBoundary) and record.post_tokens is not None:
            return record.post_tokens
        if isinstance(record, Response) and record.counts_for_context:
            return record.tokens.prompt
    return None


def latest_answer(path: str, now: float) -> float | None:
    """The time of the latest main-chain response in the tail of `path`; `-inf` when the tail
    holds none; None when the file cannot be read."""
    if not _readable(path):
        return None
    for record in _tail_records(path, now):
        if isinstance(record, Response) and record.counts_for_context:
            return record.timestamp
    return float("-inf")


def _readable(path: str) -> bool:
    try:
        with open_regular(path):
            return True
    except OSError:
        return False


def _tail_records(path: str, now: float) -> Iterator[Response | CompactBoundary]:
    """The responses and compact boundaries of the tail of `path`, newest first."""
    try:
        with open_regular(path) as handle:
            size = handle.seek(0, 2)
            start = max(0, size - TAIL_BYTES)
            handle.seek(start)
            data = handle.read(TAIL_BYTES)
    except OSError:
        return
    lines = data.split(b"\n")
    if start > 0:
        lines = lines[1:]  # the first piece is the end of a line cut by the tail
    latest = latest_plausible(now)
    for raw in reversed(lines):
        if b'"usage"' not in raw and b"compact_boundary" not in raw:
            continue
        try:
            record = interpret(json.loads(raw), latest)
        except (ValueError, RecursionError, Skipped):  # RecursionError: nested too deeply
            continue
        if isinstance(record, Response | CompactBoundary):
            yield record
