"""Every write is atomic per file: a file whose rows the ledger cannot hold is named and left
for a later pass, and every other file's rows in the same pass are kept."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from pathlib import Path

import pytest

from claude_tray.engine import read as read_module
from claude_tray.engine.workspace import Workspace
from claude_tray.storage import ledger_backup, ledger_schema
from claude_tray.storage.ledger import Ledger, RowsRejected
from claude_tray.storage.ledger_rows import FileMark, FileRecord, MessageRow
from tests.tools import held_open_by_another_process
from tests.transcripts import ClaudeData, assistant

T = "2026-11-20T10:00:{:02d}.000Z"


def row(key: int, output: int) -> MessageRow:
    return MessageRow(
        key, 1_763_632_800.0 + key, "s", "/p", "m", 0, output, 0, 0, 0, output, 0, 0, 0
    )


def test_a_rejected_file_in_a_batch_leaves_the_others(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        with ledger.batch():
            ledger.record("/a", FileMark(1, 1, 10, 10, 1), 1, [row(1, 5)], [], {}, True)
            with pytest.raises(RowsRejected, match="not stored"):
                ledger.record(
                    "/b", FileMark(1, 2, 10, 10, 1), 2, [row(2, 7), row(3, 2**70)], [], {}, True
                )
            ledger.record("/c", FileMark(1, 3, 10, 10, 1), 1, [row(4, 9)], [], {}, True)
        assert ledger.query("SELECT key, output FROM messages ORDER BY key") == [(1, 5), (4, 9)]
        assert sorted(ledger.file_marks()) == ["/a", "/c"]  # /b is read again next time
        assert ledger.query("SELECT sum(messages), sum(output) FROM slots") == [(2, 14)]


def test_one_bad_file_does_not_roll_back_the_pass(
    claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    claude.write("good1", assistant("good1", T.format(1), "m1", output=2))
    bad = claude.write("bad", assistant("bad", T.format(2), "m2", output=3))
    claude.write("good2", assistant("good2", T.format(3), "m3", output=4))
    real = read_module.read_file

    def too_big(
        path: str, start: int, head: tuple[int, int] = (0, 0), chunk: int = read_module.CHUNK
    ) -> read_module.FileRead:
        result = real(path, start, head, chunk)
        if path == str(bad):  # a value no SQLite integer holds (the decoder bounds them today)
            result = dataclasses.replace(
                result, rows=[(*r[:6], 2**70, *r[7:]) for r in result.rows]
            )
        return result

    monkeypatch.setattr(read_module, "read_file", too_big)
    with Workspace.open() as ws:
        stats = ws.refresh()
        assert [(p, why[:10]) for p, why in stats.problems] == [(str(bad), "not stored")]
        assert ws.ledger.query("SELECT sum(output) FROM messages") == [(6,)]
        monkeypatch.setattr(read_module, "read_file", real)
        ws.refresh()  # the bad file was not marked read: it is read again, now whole
        assert ws.ledger.query("SELECT sum(output) FROM messages") == [(9,)]


def test_a_group_stored_in_a_batch_is_a_transaction_of_its_own(tmp_path: Path) -> None:
    """A first read stores thousands of rows per group. In a savepoint, SQLite keeps the pages a
    write changes in an in-memory journal that the end of each row's statement walks whole, so a
    group's cost grew with its square: a group inside a batch commits what the batch wrote before
    and is a transaction of its own, never a savepoint; a rejected group is undone whole and the
    batch goes on."""
    path = tmp_path / "ledger.sqlite3"

    def files(*rows: tuple[str, list[MessageRow]]) -> list[FileRecord]:
        return [
            FileRecord(name, FileMark(1, hash(name), 10, 10, 1), 1, messages, [], {}, True)
            for name, messages in rows
        ]

    def committed() -> list[int]:
        other = sqlite3.connect(path)
        try:
            return [key for (key,) in other.execute("SELECT key FROM messages ORDER BY key")]
        finally:
            other.close()

    statements: list[str] = []
    with Ledger(path) as ledger:
        with ledger.batch():
            ledger.record("/a", FileMark(1, 1, 10, 10, 1), 1, [row(1, 5)], [], {}, True)
            ledger._db.set_trace_callback(statements.append)
            ledger.record_files(files(("/b", [row(2, 7)]), ("/c", [row(3, 8)])), alone=True)
            assert committed() == [1]  # /a, committed when the group began
            with pytest.raises(RowsRejected, match="not stored"):
                ledger.record_files(files(("/d", [row(4, 1)]), ("/e", [row(5, 2**70)])), alone=True)
            assert committed() == [1, 2, 3]
            ledger.record_files(files(("/f", [row(6, 9)])), alone=True)
            ledger._db.set_trace_callback(None)
        assert committed() == [1, 2, 3, 6]
        assert sorted(ledger.file_marks()) == ["/a", "/b", "/c", "/f"]
        assert ledger.query("SELECT sum(messages), sum(output) FROM slots") == [(4, 29)]
    assert statements and not [s for s in statements if "SAVEPOINT" in s.upper()]


@pytest.mark.skipif(sys.platform == "win32", reason="SQLite's POSIX locks")
def test_a_write_ahead_log_in_use_by_another_process_is_known_as_live(tmp_path: Path) -> None:
    from claude_tray.storage.ledger import in_use as _in_use

    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    with held_open_by_another_process(path):
        assert _in_use(path)
    assert not _in_use(path)
    with Ledger(path):
        assert _in_use(path)  # this process's own connection
    assert not _in_use(path)


def test_a_new_ledger_has_larger_pages_and_an_older_one_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first read writes each page of a new ledger several times: in pages of `PAGE_SIZE` it
    makes a quarter of the writes. A ledger made before keeps its pages (SQLite cannot change
    them in a write-ahead-logged file) and is written, backed up and read as before."""
    new = tmp_path / "new.sqlite3"
    with Ledger(new) as ledger:
        ledger.record("/a", FileMark(1, 1, 10, 10, 1), 1, [row(1, 5)], [], {}, True)
        assert ledger.query("PRAGMA page_size") == [(ledger_schema.PAGE_SIZE,)]
        assert ledger.query("PRAGMA journal_mode") == [("wal",)]
        # the log is copied into the ledger at the same size as in pages of 4 KiB
        assert ledger.query("PRAGMA wal_autocheckpoint") == [(4_096_000 // 16_384,)]
    assert ledger_schema.PAGE_SIZE == 16_384
    old = tmp_path / "old.sqlite3"
    monkeypatch.setattr(ledger_schema, "PAGE_SIZE", 4096)  # as an older claude-tray made it
    with Ledger(old) as ledger:
        ledger.record("/a", FileMark(1, 1, 10, 10, 1), 1, [row(1, 5)], [], {}, True)
    monkeypatch.undo()
    with Ledger(old) as ledger:
        assert ledger.query("PRAGMA page_size") == [(4096,)]
        assert ledger.query("PRAGMA wal_autocheckpoint") == [(1000,)]
        with ledger.batch():
            ledger.record("/b", FileMark(1, 2, 10, 10, 1), 1, [row(2, 7)], [], {}, True)
        assert ledger.query("PRAGMA page_size") == [(4096,)]
        assert ledger.query("SELECT sum(messages), sum(output) FROM slots") == [(2, 12)]
        copy = ledger.backup(1_763_632_800.0)
    assert ledger_backup.problems(copy, "integrity_check") == []
    with Ledger(copy) as restored:
        assert restored.query("SELECT key, output FROM messages ORDER BY key") == [(1, 5), (2, 7)]
