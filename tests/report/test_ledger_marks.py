"""Notes, tags and pruning in the ledger, and the migration that added them (schema 1 -> 2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from claude_tray.storage.ledger import Ledger
from claude_tray.storage.ledger_schema import MIGRATIONS, SCHEMA_VERSION

COLUMNS = (
    "key, ts, session, project, model, input, output, cache_write_5m, cache_write_1h, "
    "cache_read, total, sidechain, fast, long"
)
MESSAGE = (11, 1000.0, "s1", "/p", "claude-opus-4-5", 1, 2, 3, 4, 5, 15, 0, 0, 0)


def make_v1(path: Path) -> None:
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[1].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.executemany(
        f"INSERT INTO messages ({COLUMNS}) VALUES ({', '.join('?' * 14)})",
        [MESSAGE, (22, 2000.0, "s2", "/q", "claude-haiku-4-5", 9, 9, 0, 0, 0, 18, 1, 0, 0)],
    )
    db.execute(
        "INSERT INTO sessions (session, project, model, first_ts, last_ts, max_context) "
        "VALUES ('s1', '/p', 'claude-opus-4-5', 1000, 1000, 7)"
    )
    db.execute("INSERT INTO files VALUES ('/t.jsonl', 1, 2, 300, 300, 4, 5)")
    db.execute("INSERT INTO skipped VALUES ('/t.jsonl', 'bad json', 2)")
    db.commit()
    db.close()


def test_a_v1_ledger_migrates_to_v2_keeping_every_row(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    make_v1(path)
    with Ledger(path) as ledger:
        assert ledger.read_only is None
        assert ledger.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 6
        assert ledger.query(f"SELECT {COLUMNS} FROM messages WHERE key = 11") == [MESSAGE]
        assert ledger.stats() == {"messages": 2, "sessions": 1, "files": 1, "lines": 5}
        assert ledger.skipped() == [("/t.jsonl", "bad json", 2)]
        assert [m.max_context for m in ledger.sessions()] == [7]
        ledger.set_note("s1", "kept", 5.0)
        ledger.add_tag("s1", "x")
    with Ledger(path) as again:  # reopening does not migrate twice
        assert again.notes() == {"s1": "kept"}
        assert again.tags() == {"s1": ("x",)}
        assert again.stats()["messages"] == 2


def test_notes_and_tags(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        ledger.set_note("s1", "first", 1.0)
        ledger.set_note("s1", '=HYPERLINK("http://x")', 2.0)
        ledger.set_note("s2", "other", 3.0)
        assert ledger.notes() == {"s1": '=HYPERLINK("http://x")', "s2": "other"}
        ledger.set_note("s2", "   ", 4.0)  # blank removes
        assert ledger.notes() == {"s1": '=HYPERLINK("http://x")'}
        assert ledger.add_tag("s1", "b") and ledger.add_tag("s1", "a")
        assert not ledger.add_tag("s1", "a")
        assert ledger.add_tag("s2", "a")
        assert ledger.tags() == {"s1": ("a", "b"), "s2": ("a",)}
        assert ledger.remove_tag("s1", "a") and not ledger.remove_tag("s1", "a")
        assert ledger.tags() == {"s1": ("b",), "s2": ("a",)}


def test_prune_before_removes_old_rows_and_the_marks_of_old_sessions(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    make_v1(path)
    with Ledger(path) as ledger:
        ledger.set_note("s1", "old session", 1.0)
        ledger.add_tag("s1", "old")
        ledger.set_note("s2", "no session row yet", 1.0)
        removed = ledger.prune_before(1500.0)
        assert removed == {"messages": 1, "sessions": 1, "notes": 1, "tags": 1}
        assert [row[0] for row in ledger.query("SELECT key FROM messages")] == [22]
        assert ledger.notes() == {"s2": "no session row yet"}
        assert ledger.prune_before(1500.0) == {"messages": 0, "sessions": 0, "notes": 0, "tags": 0}
