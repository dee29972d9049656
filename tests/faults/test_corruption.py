"""Real corruption: found at open or at any later point, salvaged (indexes rebuilt, else every
readable row copied and the newest sound backup merged in), the damaged file kept, and said."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
from pathlib import Path

from tests.faults.scene import EXPECTED, GONE, Scene, history
from tests.tools import held_open_by_another_process
from tests.transcripts import ClaudeData, assistant

NOW_OUTPUT = EXPECTED.gone_output + 3010 * 1000  # the deleted session and the kept one


def grow(scene: Scene) -> None:
    """Enough rows that tables and indexes span many pages; then a backup of it all."""
    scene.write_kept(3000, first=10)
    run = scene.cli("daily", "--json")
    assert run.returncode == 0, run.stderr
    run = scene.cli("ledger", "backup")
    assert run.returncode == 0, run.stderr


def pages_of(ledger: Path, name: str, kind: str) -> list[int]:
    db = sqlite3.connect(ledger)
    try:
        return [
            p
            for (p,) in db.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
                (name, kind),
            )
        ]
    finally:
        db.close()


def page_size(ledger: Path) -> int:
    db = sqlite3.connect(ledger)
    try:
        size: int = db.execute("PRAGMA page_size").fetchone()[0]
        return size
    finally:
        db.close()


def scribble(ledger: Path, page: int, start: int = 0, length: int | None = None) -> None:
    size = page_size(ledger)
    with open(ledger, "r+b") as handle:
        handle.seek((page - 1) * size + start)
        handle.write(os.urandom(size if length is None else length))


def damaged_copies(scene: Scene) -> list[str]:
    return [name for name in scene.siblings() if ".damaged-" in name and name.count("-") == 2]


def test_a_broken_header_is_salvaged_from_the_newest_backup(scene: Scene) -> None:
    grow(scene)
    scribble(scene.ledger, 1, 0, 100)  # "SQLite format 3" and the header are gone
    run, report = scene.daily()
    assert run.returncode == 0, run.stderr
    assert "was damaged" in run.stderr and "recovered 0 messages" in run.stderr
    assert "3050 messages, 1 notes, 1 tags more from the backup" in run.stderr
    assert report["totals"]["outputTokens"] == NOW_OUTPUT
    assert history(scene.ledger) == EXPECTED
    assert len(damaged_copies(scene)) == 1  # kept, once
    again, _ = scene.daily()
    assert again.returncode == 0 and again.stderr == ""
    assert len(damaged_copies(scene)) == 1


def test_a_damaged_index_page_found_by_a_query_is_salvaged_with_every_row(scene: Scene) -> None:
    grow(scene)
    db = sqlite3.connect(scene.ledger)
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'messages_ts'").fetchone()
    db.close()
    scribble(scene.ledger, root)  # the index's root: every search by time meets it
    run, report = scene.daily()
    assert run.returncode == 0, run.stderr
    assert "recovered 3050 messages, 1 notes, 1 tags from it" in run.stderr  # every row
    assert report["totals"]["outputTokens"] == NOW_OUTPUT
    assert history(scene.ledger) == EXPECTED
    check = scene.cli("ledger", "check")
    assert check.returncode == 0 and "is sound" in check.stdout


def test_wrong_index_entries_are_found_by_check_and_rebuilt(scene: Scene) -> None:
    grow(scene)
    db = sqlite3.connect(scene.ledger)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file itself
    db.close()
    base = (pages_of(scene.ledger, "messages_ts", "leaf")[1] - 1) * page_size(scene.ledger)
    with open(scene.ledger, "r+b") as handle:  # point three entries at the wrong rows
        handle.seek(base + 3)
        (cells,) = struct.unpack(">H", handle.read(2))
        handle.seek(base + 8)
        pointers = struct.unpack(f">{cells}H", handle.read(2 * cells))
        for pointer in pointers[:3]:
            handle.seek(base + pointer)
            last = base + pointer + handle.read(1)[0]  # payload size: the rowid ends it
            handle.seek(last)
            byte = handle.read(1)[0]
            handle.seek(last)
            handle.write(bytes([byte ^ 1]))
    check = scene.cli("ledger", "check")
    assert check.returncode == 1
    assert "missing from index messages_ts" in check.stdout and "--repair" in check.stdout
    repair = scene.cli("ledger", "check", "--repair")
    assert repair.returncode == 0, repair.stderr
    assert "had damaged indexes; rebuilt them (no row was lost)" in repair.stdout
    assert scene.siblings() == []  # nothing set aside: the ledger itself was mended
    assert scene.cli("ledger", "check").returncode == 0
    _, report = scene.daily()
    assert report["totals"]["outputTokens"] == NOW_OUTPUT
    assert history(scene.ledger) == EXPECTED


def test_a_damaged_table_page_loses_nothing_the_backup_or_transcripts_hold(scene: Scene) -> None:
    grow(scene)
    leaves = pages_of(scene.ledger, "messages", "leaf")
    for page in leaves[:2]:  # the deleted session's rows live in the first pages
        scribble(scene.ledger, page)
    repair = scene.cli("ledger", "check", "--repair")
    assert repair.returncode == 0, repair.stderr
    assert "from the backup" in repair.stdout
    run, report = scene.daily()
    assert run.returncode == 0, run.stderr
    assert report["totals"]["outputTokens"] == NOW_OUTPUT
    assert history(scene.ledger) == EXPECTED
    assert len(damaged_copies(scene)) == 1


def test_a_write_ahead_log_from_another_ledger_is_set_aside(scene: Scene) -> None:
    scene.cli("ledger", "backup")
    other = Scene(scene.top / "o", ClaudeData(scene.top / "o" / "claude"), scene.top / "o" / "t")
    other.claude.write(
        "other",
        *[
            assistant("other", f"2026-11-22T01:{i // 60:02d}:{i % 60:02d}.000Z", f"o{i}", output=3)
            for i in range(900)
        ],
    )
    assert other.cli("daily", "--json").returncode == 0
    db = sqlite3.connect(other.ledger, isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint = 0")  # keep its last writes in its log
    db.execute("BEGIN")
    db.execute("UPDATE messages SET output = output + 7")
    db.execute("INSERT INTO notes VALUES ('other', 'not ours', 1)")
    db.execute("COMMIT")
    shutil.copy(f"{other.ledger}-wal", f"{scene.ledger}-wal")
    db.close()
    run, report = scene.daily()
    assert run.returncode == 0, run.stderr
    assert "did not belong to it" in run.stderr
    assert report["totals"]["outputTokens"] == EXPECTED.gone_output + 10 * 1000
    assert history(scene.ledger) == EXPECTED
    assert [n for n in scene.siblings() if "-wal.set-aside-" in n] != []
    assert GONE in history(scene.ledger).notes


def test_damage_inside_cells_is_salvaged_without_hanging(scene: Scene) -> None:
    grow(scene)
    base = (pages_of(scene.ledger, "messages_ts", "leaf")[1] - 1) * page_size(scene.ledger)
    with open(scene.ledger, "r+b") as handle:  # garble bytes inside three cells
        handle.seek(base + 3)
        (cells,) = struct.unpack(">H", handle.read(2))
        handle.seek(base + 8)
        for pointer in struct.unpack(f">{cells}H", handle.read(2 * cells))[:3]:
            handle.seek(base + pointer + 10)
            byte = handle.read(1)[0]
            handle.seek(base + pointer + 10)
            handle.write(bytes([byte ^ 0x5A]))
    repair = scene.cli("ledger", "check", "--repair", timeout=120)
    assert repair.returncode == 0, repair.stderr
    _, report = scene.daily()
    assert report["totals"]["outputTokens"] == NOW_OUTPUT
    assert history(scene.ledger) == EXPECTED


def test_the_live_write_ahead_log_of_a_running_process_is_used(scene: Scene) -> None:
    holder = sqlite3.connect(scene.ledger, isolation_level=None)  # the tray, say, mid-day
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("INSERT INTO tags VALUES (?, 'live')", (GONE,))
        assert Path(f"{scene.ledger}-wal").stat().st_size > 0
        run, report = scene.daily()
        assert run.returncode == 0, run.stderr
        assert run.stderr == ""  # nothing set aside
        assert report["totals"]["outputTokens"] == EXPECTED.gone_output + 10 * 1000
    finally:
        holder.close()
    assert (GONE, "live") in history(scene.ledger).tags
    assert scene.siblings() == []


def test_restore_refuses_while_another_process_has_the_ledger_open(scene: Scene) -> None:
    assert scene.cli("ledger", "backup").returncode == 0
    with held_open_by_another_process(scene.ledger):
        refused = scene.cli("ledger", "restore")
        assert refused.returncode == 1
        assert "is open in another process" in refused.stderr
        assert scene.siblings() == []
    restored = scene.cli("ledger", "restore")
    assert restored.returncode == 0, restored.stderr
    assert len([n for n in scene.siblings() if ".replaced-" in n and n.count("-") == 2]) == 1
    assert history(scene.ledger) == EXPECTED
