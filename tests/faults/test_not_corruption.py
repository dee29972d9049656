"""Faults that are not corruption: the ledger is never moved, rebuilt or written; commands answer
from it read-only with one warning line, or fail with one line naming the file and what to do."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from tests.faults.conftest import mount, umount
from tests.faults.scene import EXPECTED, GONE, Scene, history, world_readable

OLD_OUTPUT = EXPECTED.gone_output + 10 * 1000  # the deleted session, and 10 lines of the kept one


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_full_disk_changes_nothing_and_answers_from_the_ledger(
    scene: Scene, root_tools: None
) -> None:
    data = scene.ledger.parent
    kept = data.with_name("data.before")
    data.rename(kept)
    data.mkdir()
    mount("-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(data))
    try:
        for item in kept.iterdir():
            (data / item.name).write_bytes(item.read_bytes()) if item.is_file() else None
        filler = data / "filler"
        with open(filler, "wb", buffering=0) as handle:  # fill the disk to the last byte
            try:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
            except OSError:
                pass
        before = digest(scene.ledger)
        scene.write_kept(200, first=10)  # new usage that cannot be stored now
        for _ in range(2):  # twice: nothing piles up
            run, report = scene.daily()
            assert run.returncode == 0, run.stderr
            assert "disk full" in one_line(run.stderr)
            assert str(scene.ledger) in run.stderr
            assert report["totals"]["outputTokens"] == OLD_OUTPUT  # what the ledger holds
        assert digest(scene.ledger) == before
        assert sorted(p.name for p in data.iterdir() if not p.name.startswith("ledger")) == [
            "filler"
        ]
        assert history(scene.ledger) == EXPECTED
        filler.unlink()  # space again: the new lines are counted, nothing twice
        run, report = scene.daily()
        assert run.returncode == 0 and run.stderr == "", run.stderr
        assert report["totals"]["outputTokens"] == OLD_OUTPUT + 200 * 1000
        assert history(scene.ledger) == EXPECTED
    finally:
        umount(data)


def test_a_read_only_ledger_file_is_read_as_it_is(scene: Scene, root_tools: None) -> None:
    world_readable(scene)
    scene.ledger.parent.chmod(0o777)  # the folder is writable; the file is not (for nobody)
    scene.ledger.chmod(0o444)
    before = digest(scene.ledger)
    scene.write_kept(5, first=10)
    world_readable(scene)
    scene.ledger.parent.chmod(0o777)
    scene.ledger.chmod(0o444)
    run, report = scene.daily(as_nobody=True)
    assert run.returncode == 0, run.stderr
    assert "read-only" in one_line(run.stderr) and str(scene.ledger) in run.stderr
    assert report["totals"]["outputTokens"] == OLD_OUTPUT
    note = scene.cli("note", GONE, "changed", as_nobody=True)
    assert note.returncode == 1  # the warning of the pass, then why the note cannot be kept
    assert note.stderr.splitlines()[-1].startswith(f"claude-tray: the ledger {scene.ledger}: ")
    assert digest(scene.ledger) == before
    assert scene.siblings() == []
    assert history(scene.ledger) == EXPECTED


@pytest.mark.parametrize("how", ["permissions", "read-only mount"])
def test_a_read_only_folder_is_read_as_it_is(scene: Scene, root_tools: None, how: str) -> None:
    world_readable(scene)
    data = scene.ledger.parent
    before = digest(scene.ledger)
    scene.write_kept(5, first=10)
    world_readable(scene)
    if how == "read-only mount":
        mount("--bind", str(data), str(data))
        mount("-o", "remount,ro,bind", str(data))
    try:
        run, report = scene.daily(as_nobody=how == "permissions")
        assert run.returncode == 0, run.stderr
        line = one_line(run.stderr)
        assert str(scene.ledger) in line
        assert "read-only" in line or "cannot be opened" in line
        assert report["totals"]["outputTokens"] == OLD_OUTPUT
        doctor = scene.cli("doctor", as_nobody=how == "permissions")
        assert doctor.returncode == 0, doctor.stderr
    finally:
        if how == "read-only mount":
            umount(data)
    assert digest(scene.ledger) == before
    assert scene.siblings() == []
    assert history(scene.ledger) == EXPECTED


def test_a_ledger_from_a_newer_claude_tray_is_refused_and_left_alone(scene: Scene) -> None:
    db = sqlite3.connect(scene.ledger)
    db.execute("UPDATE meta SET value = '9.9.0' WHERE key = 'schema_by'")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    before = digest(scene.ledger)
    for command in (("daily", "--json"), ("doctor",), ("note", GONE, "x")):
        run = scene.cli(*command)
        assert run.returncode == 1
        line = one_line(run.stderr)
        assert f"the ledger {scene.ledger} was written by claude-tray 9.9.0" in line
        assert "upgrade claude-tray" in line
    assert digest(scene.ledger) == before
    assert scene.siblings() == []
    assert history(scene.ledger) == EXPECTED
    assert os.stat(scene.ledger).st_size > 0


def test_a_ledger_locked_too_long_fails_with_one_line_and_is_left_alone(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_tray.storage import ledger_schema
    from claude_tray.storage.ledger import Ledger, LedgerError
    from claude_tray.storage.ledger_faults import Fault

    monkeypatch.setattr(ledger_schema, "BUSY_TIMEOUT_MS", 200)  # instead of a minute
    holder = sqlite3.connect(scene.ledger, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        before = digest(scene.ledger)
        with pytest.raises(LedgerError) as caught:
            Ledger(scene.ledger).close()
        assert caught.value.fault is Fault.LOCKED
        assert str(caught.value).startswith(f"the ledger {scene.ledger}: locked")
        assert "try again" in str(caught.value)
        assert digest(scene.ledger) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert scene.siblings() == []
    assert history(scene.ledger) == EXPECTED
