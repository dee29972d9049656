"""Ledgers with known contents for the report's tests, written through the ledger's own API."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.ledger_rows import FileMark, MessageRow, SessionMark

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC).timestamp()
OPUS = "claude-opus-4-5-20251101"  # $5 per million input tokens
PER_DOLLAR = 200_000  # Opus 4.5 input tokens that cost $1


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def message(
    key: str,
    when: str,
    dollars: float,
    session: str = "s1",
    project: str = "/home/u/app",
    model: str = OPUS,
) -> MessageRow:
    """A request that costs `dollars` at Opus 4.5's input price."""
    tokens = round(dollars * PER_DOLLAR)
    number = int.from_bytes(
        hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True
    )
    return MessageRow(
        number, at(when), session, project, model, tokens, 0, 0, 0, 0, tokens, 0, 0, 0
    )


def fill(workspace: Workspace, rows: Sequence[MessageRow]) -> None:
    """Record `rows` as one read of a made-up file, with a session mark for each session."""
    sessions: dict[str, list[MessageRow]] = {}
    for row in rows:
        sessions.setdefault(str(row.session), []).append(row)
    marks = [
        SessionMark(
            sid,
            str(items[0].project),
            str(items[0].model),
            min(r.ts for r in items),
            max(r.ts for r in items),
            None,
            None,
            None,
            None,
            0,
        )
        for sid, items in sessions.items()
    ]
    workspace.ledger.record(
        "/made/up.jsonl", FileMark(1, 1, 1, 1, 1), len(rows), rows, marks, {}, restarted=True
    )


def write_config(workspace: Workspace, text: str) -> None:
    path: Path = workspace.paths.config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    workspace.reload_config()


def clock(now: float = NOW) -> Clock:
    return Clock(now, UTC)
