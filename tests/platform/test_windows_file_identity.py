"""Windows: `os.DirEntry.stat()` has no file ids, so discovery must take them again itself.

Python's documentation of `os.DirEntry.stat` (https://docs.python.org/3/library/os.html#os.DirEntry.stat):
"On Windows, the st_ino, st_dev and st_nlink attributes of the stat_result are always set to zero.
Call os.stat() to get these attributes." The fake below lists folders exactly as `os.scandir` does
and answers `stat()` as Windows does; `os.stat` and `os.fstat` stay real (on Windows they fill the
ids in). Discovery takes the ids again with `os.fstat`, the reader's own call, so the marks
match whether or not `os.stat` and `os.fstat` agree on Windows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_tray.engine.discover import discover
from claude_tray.engine.ingest import ingest
from claude_tray.storage.ledger import Ledger
from tests.transcripts import ClaudeData, assistant

REAL_SCANDIR = os.scandir


class WindowsDirEntry:
    """An `os.DirEntry` whose `stat()` zeroes st_ino, st_dev and st_nlink, as on Windows."""

    def __init__(self, entry: os.DirEntry[str]) -> None:
        self._entry = entry
        self.name = entry.name
        self.path = entry.path

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return self._entry.is_dir(follow_symlinks=follow_symlinks)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return self._entry.is_file(follow_symlinks=follow_symlinks)

    def is_symlink(self) -> bool:
        return self._entry.is_symlink()

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        real = self._entry.stat(follow_symlinks=follow_symlinks)
        fields = list(real)
        fields[1] = fields[2] = fields[3] = 0  # st_ino, st_dev, st_nlink
        return os.stat_result(fields, {"st_mtime_ns": real.st_mtime_ns})


class WindowsScandir:
    def __init__(self, path: Any) -> None:
        self._iterator = REAL_SCANDIR(path)

    def __enter__(self) -> Iterator[WindowsDirEntry]:
        return (WindowsDirEntry(entry) for entry in self._iterator)

    def __exit__(self, *exc: object) -> None:
        self._iterator.close()


@pytest.fixture
def windows_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "scandir", WindowsScandir)


def test_the_fake_lists_zero_ids_as_windows_does(windows_listing: None, tmp_path: Path) -> None:
    folder = tmp_path / "listed"
    folder.mkdir()
    (folder / "a.jsonl").write_text("{}\n")
    with os.scandir(folder) as entries:
        (entry,) = list(entries)
    info = entry.stat()
    assert (info.st_dev, info.st_ino) == (0, 0)
    assert info.st_size == 3


def test_every_transcript_is_found_when_the_listing_has_no_ids(
    windows_listing: None, claude: ClaudeData
) -> None:
    for n in range(3):
        claude.append(
            claude.transcript(f"session-{n}"),
            assistant(f"session-{n}", f"2026-11-20T10:00:0{n}.000Z", f"m{n}"),
        )
    found = discover([claude.root])
    assert len(found.files) == 3
    for path, info in found.files:
        real = os.stat(path)
        assert (info.st_dev, info.st_ino) == (real.st_dev, real.st_ino) != (0, 0)


def test_a_symlinked_folder_still_counts_its_files_once(
    windows_listing: None, claude: ClaudeData
) -> None:
    path = claude.append(claude.transcript("s1"), assistant("s1", "2026-11-20T10:00:00.000Z", "m1"))
    (claude.root / "projects" / "alias").symlink_to(path.parent, target_is_directory=True)
    assert len(discover([claude.root]).files) == 1


def test_the_second_pass_reads_nothing_new(windows_listing: None, claude: ClaudeData) -> None:
    """The marks written from `os.fstat` ids match the ids discovery gives: nothing is re-read."""
    for n in range(3):
        claude.append(
            claude.transcript(f"session-{n}"),
            assistant(f"session-{n}", f"2026-11-20T10:00:0{n}.000Z", f"m{n}"),
        )
    ledger = Ledger(Path(os.environ["CLAUDE_TRAY_HOME"]) / "ledger.sqlite3")
    try:
        first = ingest(ledger, [claude.root])
        second = ingest(ledger, [claude.root])
        assert (first.files_seen, first.files_read, first.responses) == (3, 3, 3)
        assert (second.files_seen, second.files_read, second.bytes_read) == (3, 0, 0)
    finally:
        ledger.close()


def test_zero_ids_everywhere_fall_back_to_the_resolved_path(
    monkeypatch: pytest.MonkeyPatch, claude: ClaudeData
) -> None:
    """A file system with no file ids at all (fstat zero too): files are told apart by path."""
    real_fstat = os.fstat

    def fstat_without_ids(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        fields = list(info)
        fields[1] = fields[2] = 0
        return os.stat_result(fields, {"st_mtime_ns": info.st_mtime_ns})

    monkeypatch.setattr(os, "scandir", WindowsScandir)
    monkeypatch.setattr(os, "fstat", fstat_without_ids)
    for n in range(2):
        claude.append(
            claude.transcript(f"session-{n}"),
            assistant(f"session-{n}", f"2026-11-20T10:00:0{n}.000Z", f"m{n}"),
        )
    assert len(discover([claude.root]).files) == 2


def test_marks_match_even_where_stat_and_fstat_ids_differ(
    windows_listing: None, claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever `os.stat` answers for ids (it may differ from `os.fstat` on some Windows file
    systems and Python versions), discovery and the reader use the same call."""
    real_stat = os.stat

    def other_ids(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        info = real_stat(path, *args, **kwargs)
        fields = list(info)
        fields[1] = info.st_ino + 1_000_000
        return os.stat_result(fields, {"st_mtime_ns": info.st_mtime_ns})

    monkeypatch.setattr(os, "stat", other_ids)
    for n in range(2):
        claude.append(
            claude.transcript(f"session-{n}"),
            assistant(f"session-{n}", f"2026-11-20T10:00:0{n}.000Z", f"m{n}"),
        )
    ledger = Ledger(Path(os.environ["CLAUDE_TRAY_HOME"]) / "ledger.sqlite3")
    try:
        assert ingest(ledger, [claude.root]).files_read == 2
        assert ingest(ledger, [claude.root]).files_read == 0
    finally:
        ledger.close()
