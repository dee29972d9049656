"""Backups of the ledger: rotating, consistent copies beside it, and putting one back.

A backup is made with `VACUUM INTO` (a consistent, compact copy, even while other processes write)
into `backups/ledger-<UTC time>.sqlite3` next to the ledger, written under a temporary name and
renamed when complete, so a half-made backup never counts as one. By default one is made a day,
and the newest 7 are kept (`ledger_backups` in the config; 0 turns them off).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import NamedTuple

from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.ledger_schema import SCHEMA_VERSION, connect

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

FOLDER = "backups"
PREFIX = "ledger-"
SUFFIX = ".sqlite3"
EVERY_SECONDS = 86_400.0
"""A backup is due when the newest one is older than this."""
KEEP = 7


class Backup(NamedTuple):
    path: Path
    made: float
    """Epoch seconds (the file's modification time)."""
    size: int


def folder(ledger: Path) -> Path:
    return ledger.parent / FOLDER


def backups(ledger: Path) -> list[Backup]:
    """The ledger's backups, newest first."""
    found: list[Backup] = []
    try:
        entries = list(folder(ledger).glob(f"{PREFIX}*{SUFFIX}"))
    except OSError:
        return []
    for path in entries:
        try:
            info = path.stat()
        except OSError:
            continue
        found.append(Backup(path, info.st_mtime, info.st_size))
    found.sort(key=lambda b: (b.path.name, b.made), reverse=True)
    return found


def due(ledger: Path, now: float, every: float = EVERY_SECONDS) -> bool:
    """Whether a backup is due: the newest is `every` old. The first is due `every` after the
    folder was made (made here, on the first call): a new ledger holds nothing the transcripts on
    disk do not, and a first run stays as fast as it was."""
    where = folder(ledger)
    try:
        if not where.is_dir():
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
            return False
    except OSError:
        return False
    moment = due_at(ledger, every)
    return moment is not None and moment <= now


def due_at(ledger: Path, every: float = EVERY_SECONDS) -> float | None:
    """From when on a backup is due (see `due`); None while the folder is missing or cannot be
    looked at (`due` makes it, and the first backup is due `every` later)."""
    newest = backups(ledger)
    if newest:
        return newest[0].made + every
    try:
        return folder(ledger).stat().st_mtime + every
    except OSError:
        return None


def make(db: sqlite3.Connection, ledger: Path, now: float) -> Path:
    """Write a consistent copy of the ledger open as `db` into its backup folder."""
    where = folder(ledger)
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    target = where / f"{PREFIX}{stamp}{SUFFIX}"
    counter = 1
    while target.exists():
        target = where / f"{PREFIX}{stamp}-{counter}{SUFFIX}"
        counter += 1
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        db.execute("VACUUM INTO ?", (str(part),))
        os.chmod(part, 0o600)
        _fsync(part)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    os.utime(target, (now, now))
    _fsync_folder(where)
    return target


def prune(ledger: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns the ones deleted."""
    gone: list[Path] = []
    for old in backups(ledger)[max(keep, 0) :]:
        try:
            old.path.unlink()
        except OSError as error:
            log.warning("cannot delete the old backup %s: %s", old.path, error)
            continue
        gone.append(old.path)
    return gone


def problems(path: Path, check: str = "quick_check") -> list[str]:
    """What is wrong with the ledger file at `path` (read-only): the findings of `check`
    (`quick_check`, or the slower `integrity_check` that also compares indexes with their
    tables), a schema newer than this claude-tray, or the error that kept it from being read.
    [] when it is sound."""
    try:
        db = connect(path, read_only="ro")
    except sqlite3.Error as error:
        return [str(error)]
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            return [f"schema version {version} is newer than this claude-tray's"]
        rows = [
            line.strip()
            for (row,) in db.execute(f"PRAGMA {check}")
            for line in str(row).splitlines()
            if line.strip() and not line.startswith("*** in database")
        ]
        return [] if rows == ["ok"] else rows
    except sqlite3.Error as error:
        return [str(error)]
    finally:
        db.close()


def newest_sound(ledger: Path) -> Backup | None:
    """The newest backup that passes `quick_check`."""
    for backup in backups(ledger):
        if not problems(backup.path):
            return backup
        log.warning("the backup %s is not sound; trying an older one", backup.path)
    return None


def put_back(ledger: Path, backup: Path, now: float) -> Path | None:
    """Replace the ledger with a copy of `backup` (which must be sound); the ledger it replaces is
    kept beside it as `<name>.replaced-<time>` (returned; None when there was none)."""
    found = problems(backup)
    if found:
        raise ValueError(f"the backup {backup} is not sound: {found[0]}")
    source = connect(backup, read_only="ro")
    part = ledger.with_name(ledger.name + ".restoring")
    part.unlink(missing_ok=True)
    try:
        source.execute("VACUUM INTO ?", (str(part),))
    finally:
        source.close()
    os.chmod(part, 0o600)
    _fsync(part)
    kept = set_aside(ledger, "replaced", now)
    os.replace(part, ledger)
    _fsync_folder(ledger.parent)
    return kept


def set_aside(ledger: Path, why: str, now: float) -> Path | None:
    """Rename the ledger and its write-ahead log and shared memory to `<name>.<why>-<time>`
    (kept, never deleted); returns the ledger's new name, None when there was no ledger."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    target = ledger.with_name(f"{ledger.name}.{why}-{stamp}")
    counter = 1
    while target.exists():
        target = ledger.with_name(f"{ledger.name}.{why}-{stamp}-{counter}")
        counter += 1
    moved: Path | None = None
    if ledger.exists():
        os.replace(ledger, target)
        moved = target
    for side in ("-wal", "-shm"):
        extra = ledger.with_name(ledger.name + side)
        if extra.exists():
            os.replace(extra, target.with_name(target.name + side))
    return moved


def set_aside_journal(ledger: Path, now: float | None = None) -> Path:
    """Rename the ledger's write-ahead log (and shared memory) to `<name>-wal.set-aside-<time>`
    (kept); returns the log's new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    wal = ledger.with_name(ledger.name + "-wal")
    target = wal.with_name(f"{wal.name}.set-aside-{stamp}")
    counter = 1
    while target.exists():
        target = wal.with_name(f"{wal.name}.set-aside-{stamp}-{counter}")
        counter += 1
    os.replace(wal, target)
    shm = ledger.with_name(ledger.name + "-shm")
    if shm.exists():
        os.replace(shm, target.with_name(target.name.replace("-wal.", "-shm.", 1)))
    return target


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
