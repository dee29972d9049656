"""What went wrong with the ledger, told apart: corruption, and every failure that is not.

Only corruption (SQLite's CORRUPT and NOTADB errors, or a failed `quick_check`) ever leads to a
repair. A full disk, a read-only file or folder, missing permissions, a lock held too long, an I/O
error or a schema from a newer claude-tray never move the ledger aside and never rebuild it: the
ledger is read as it is where that is possible, and otherwise the command fails with one line that
names the file and what to do.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import Enum
from pathlib import Path


class Fault(Enum):
    CORRUPT = "corrupt"
    TOO_NEW = "too new"
    FULL = "disk full"
    READ_ONLY = "read-only"
    PERMISSION = "permission denied"
    LOCKED = "locked"
    IO = "I/O error"
    OTHER = "error"


# SQLite's primary result codes (the low byte of an extended code).
_SQLITE: dict[int, Fault] = {
    3: Fault.PERMISSION,  # SQLITE_PERM
    5: Fault.LOCKED,  # SQLITE_BUSY
    6: Fault.LOCKED,  # SQLITE_LOCKED
    8: Fault.READ_ONLY,  # SQLITE_READONLY
    10: Fault.IO,  # SQLITE_IOERR
    11: Fault.CORRUPT,  # SQLITE_CORRUPT
    13: Fault.FULL,  # SQLITE_FULL
    14: Fault.PERMISSION,  # SQLITE_CANTOPEN: the file or its folder cannot be opened
    23: Fault.PERMISSION,  # SQLITE_AUTH
    26: Fault.CORRUPT,  # SQLITE_NOTADB
}
_ERRNO: dict[int, Fault] = {
    errno.ENOSPC: Fault.FULL,
    errno.EDQUOT: Fault.FULL,
    errno.EROFS: Fault.READ_ONLY,
    errno.EACCES: Fault.PERMISSION,
    errno.EPERM: Fault.PERMISSION,
    errno.EIO: Fault.IO,
}


def classify(error: BaseException) -> Fault:
    """Which kind of fault an exception from SQLite or the file system is."""
    if isinstance(error, LedgerError):
        return error.fault
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return _SQLITE.get(code & 0xFF, Fault.OTHER)
        text = str(error).lower()  # no code (a driver without it): the message says enough
        if "malformed" in text or "not a database" in text:
            return Fault.CORRUPT
        if "locked" in text or "busy" in text:
            return Fault.LOCKED
        if "readonly" in text or "read-only" in text:
            return Fault.READ_ONLY
        if "full" in text:
            return Fault.FULL
        return Fault.OTHER
    if isinstance(error, OSError) and error.errno is not None:
        return _ERRNO.get(error.errno, Fault.IO)
    return Fault.OTHER


_ADVICE = {
    Fault.CORRUPT: "it is damaged; run `claude-tray ledger check --repair` (a copy is kept)",
    Fault.FULL: "the disk is full; free some space (nothing was changed)",
    Fault.READ_ONLY: "it or its folder is read-only; make both writable to count new usage",
    Fault.PERMISSION: "it cannot be opened; check the owner and mode of the file and its folder",
    Fault.LOCKED: "another process holds it locked; try again when that one finishes",
    Fault.IO: "the disk reported an I/O error; check the disk (nothing was changed)",
    Fault.OTHER: "see the error; nothing was changed",
}


class LedgerError(Exception):
    """A failure of the ledger, as one line: the file, the fault and what to do."""

    def __init__(self, path: Path, fault: Fault, detail: str = "", message: str = "") -> None:
        self.path = path
        self.fault = fault
        self.detail = detail
        super().__init__(message or self._line())

    def _line(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"the ledger {self.path}: {self.fault.value}{detail}: {_ADVICE[self.fault]}"

    @classmethod
    def from_error(cls, path: Path, error: BaseException) -> LedgerError:
        if isinstance(error, LedgerError):
            return error
        detail = getattr(error, "strerror", None) or str(error)
        return cls(path, classify(error), detail)


class LedgerTooNew(LedgerError):
    """The ledger's schema is newer than this claude-tray's: refused, never rebuilt."""

    def __init__(self, path: Path, version: int, written_by: str | None) -> None:
        self.version = version
        self.written_by = written_by
        by = f"claude-tray {written_by}" if written_by else "a newer claude-tray"
        super().__init__(
            path,
            Fault.TOO_NEW,
            f"schema {version}",
            f"the ledger {path} was written by {by} (schema {version}); upgrade claude-tray to "
            "read it (it was left as it is)",
        )


class RowsRejected(Exception):
    """One file's rows could not be stored (a value SQLite cannot hold): nothing of that file was
    written, everything else was."""
