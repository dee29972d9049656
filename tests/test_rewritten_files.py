"""A transcript rewritten under the same name (and inode) is read again from its start: its
mark's fingerprint of the first bytes no longer matches. Appends never trigger that."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_tray.engine.workspace import Workspace
from claude_tray.storage.ledger_rows import FileMark
from tests.transcripts import ClaudeData, assistant

T = "2026-11-20T10:00:{:02d}.000Z"
PAD = "x" * 600  # makes the rewritten file longer than the first one


@pytest.fixture
def ws() -> Iterator[Workspace]:
    with Workspace.open() as workspace:
        yield workspace


def counted(ws: Workspace) -> tuple[int, int]:
    """(messages, output tokens) in the ledger."""
    ((n, out),) = ws.ledger.query("SELECT count(*), coalesce(sum(output), 0) FROM messages")
    return int(n), int(out)  # type: ignore[call-overload]


def rewrite_in_place(path: Path, *lines: dict[str, object]) -> None:
    """Truncate the file and write new lines into it: same inode, new content."""
    import json

    before = os.stat(path).st_ino
    with open(path, "r+b") as handle:
        handle.truncate(0)
        for line in lines:
            handle.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
    assert os.stat(path).st_ino == before


def test_truncate_and_rewrite_in_place_longer_reads_from_start(
    claude: ClaudeData, ws: Workspace
) -> None:
    path = claude.write("s1", assistant("s1", T.format(1), "m1", output=1))
    ws.refresh()
    old_size = path.stat().st_size
    rewrite_in_place(
        path,
        assistant("s1", T.format(2), "m2", output=10, content=PAD),
        assistant("s1", T.format(3), "m3", output=100, content=PAD),
    )
    assert path.stat().st_size > old_size
    stats = ws.refresh()
    assert counted(ws) == (3, 111)  # m1 stays history; m2 and m3 are both counted
    assert not stats.skipped  # nothing read from the middle of a line
    assert ws.ledger.skipped() == []


def test_delete_and_recreate_with_the_same_inode_reads_from_start(
    claude: ClaudeData, ws: Workspace
) -> None:
    path = claude.write("s1", assistant("s1", T.format(1), "m1", output=1, content=PAD))
    ws.refresh()
    (old,) = ws.ledger.file_marks([str(path)]).values()
    path.unlink()
    claude.write(
        "s1",
        assistant("s1", T.format(2), "m2", output=10, content=PAD),
        assistant("s1", T.format(3), "m3", output=100, content=PAD),
    )
    info = path.stat()
    # The file system may or may not hand the old inode out again: make the mark say it did.
    reused = FileMark(info.st_dev, info.st_ino, *old[2:])
    ws.ledger.record(str(path), reused, 0, [], [], {}, restarted=False)
    stats = ws.refresh()
    assert counted(ws) == (3, 111)
    assert not stats.skipped


def test_growth_after_a_rewrite_reads_only_the_new_lines(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write("s1", assistant("s1", T.format(1), "m1", output=1))
    ws.refresh()
    rewrite_in_place(
        path,
        assistant("s1", T.format(2), "m2", output=10, content=PAD),
        assistant("s1", T.format(3), "m3", output=100, content=PAD),
    )
    ws.refresh()
    size = path.stat().st_size
    claude.append(path, assistant("s1", T.format(4), "m4", output=1000))
    stats = ws.refresh()
    assert stats.bytes_read == path.stat().st_size - size  # the appended line only
    assert counted(ws) == (4, 1111)
    ((lines,),) = ws.ledger.query("SELECT lines FROM files")
    assert lines == 3  # the rewrite restarted the count; the append added one


def test_appends_keep_the_fingerprint_and_the_offset(claude: ClaudeData, ws: Workspace) -> None:
    path = claude.write(
        "s1", *[assistant("s1", T.format(i), f"m{i}", content=PAD) for i in range(9)]
    )
    ws.refresh()
    (first,) = ws.ledger.file_marks().values()
    assert first.head_len == 4096
    size = path.stat().st_size
    claude.append(path, assistant("s1", T.format(30), "m30", output=5))
    stats = ws.refresh()
    assert stats.bytes_read == path.stat().st_size - size
    (second,) = ws.ledger.file_marks().values()
    assert (second.head_len, second.head_hash) == (first.head_len, first.head_hash)
    assert counted(ws)[0] == 10
