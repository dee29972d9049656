"""Windows: a file open in another process cannot be replaced; writers retry, readers lock.

Windows' rule, reproduced by the fake file system below: `os.replace` is `MoveFileExW` with
MOVEFILE_REPLACE_EXISTING, which fails with ERROR_ACCESS_DENIED (5) or ERROR_SHARING_VIOLATION (32)
while another process has the target open without FILE_SHARE_DELETE (Microsoft's documentation of
MoveFileExW and of CreateFileW's dwShareMode; Python's `open` does not ask for FILE_SHARE_DELETE).
Python raises that as `PermissionError` with `winerror` set (Python's documentation of
`OSError.winerror`). On Linux the `winerror` attribute does not exist, so the fake sets it by hand.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from claude_tray.storage import atomic, locking
from claude_tray.storage.atomic import read_locked, write_atomic
from claude_tray.storage.locking import locked

REAL_REPLACE = os.replace


class WindowsOpenFiles:
    """Which files other processes hold open; `os.replace` onto one of them fails as on Windows."""

    def __init__(self) -> None:
        self.open: set[Path] = set()
        self.refused = 0
        self.on_refusal: list[Any] = []

    def replace(self, source: Any, target: Any) -> None:
        if Path(target) in self.open:
            self.refused += 1
            for action in self.on_refusal:
                action(self)
            error = PermissionError(13, "The process cannot access the file", str(target))
            error.winerror = 32  # type: ignore[attr-defined]  # ERROR_SHARING_VIOLATION
            raise error
        REAL_REPLACE(source, target)

    @contextmanager
    def held(self, path: Path) -> Iterator[None]:
        self.open.add(path)
        try:
            yield
        finally:
            self.open.discard(path)


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> WindowsOpenFiles:
    files = WindowsOpenFiles()
    monkeypatch.setattr(os, "replace", files.replace)
    return files


def test_the_fake_refuses_as_windows_does(windows: WindowsOpenFiles, tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    (tmp_path / "new").write_bytes(b"new")
    with windows.held(target), pytest.raises(PermissionError) as caught:
        os.replace(tmp_path / "new", target)
    assert caught.value.winerror == 32  # type: ignore[attr-defined]


def test_a_write_waits_out_a_short_hold(windows: WindowsOpenFiles, tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(b"old")

    def let_go_after_three(files: WindowsOpenFiles) -> None:
        if files.refused == 3:
            files.open.discard(target)  # the other process closes its handle

    windows.on_refusal.append(let_go_after_three)
    windows.open.add(target)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert windows.refused == 3
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["state.json"]


def test_a_hold_that_lasts_fails_after_the_retry_time(
    windows: WindowsOpenFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic, "REPLACE_RETRY_S", 0.05)
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    with windows.held(target), pytest.raises(PermissionError):
        atomic.replace_retrying(tmp_path / "missing-is-not-reached", target, timeout=0.05)
    assert windows.refused >= 2
    assert target.read_bytes() == b"old"


def test_other_permission_errors_are_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def denied(source: Any, target: Any) -> None:
        calls.append(target)
        raise PermissionError(13, "Permission denied", str(target))  # POSIX: no winerror

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(PermissionError):
        write_atomic(tmp_path / "x.json", b"{}")
    assert len(calls) == 1


def test_a_reader_waits_for_the_writer_instead_of_blocking_it(
    windows: WindowsOpenFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader takes the writer's lock, so it never holds the file open under a replace."""
    target = tmp_path / "session.json"
    lock = target.with_suffix(".lock")
    target.write_bytes(b"old")
    waiting = threading.Event()
    real_try = locking._try

    def try_lock(fd: int) -> bool:
        got = real_try(fd)
        if not got:
            waiting.set()
        return got

    monkeypatch.setattr(locking, "_try", try_lock)
    real_read = Path.read_bytes

    def read_while_open(path: Path) -> bytes:
        with windows.held(path):  # the reader's handle is open while it reads
            return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_while_open)
    result: list[bytes] = []
    with locked(lock):  # the writer holds the lock, as `change_session` does
        reader = threading.Thread(target=lambda: result.append(read_locked(target, lock, True)))
        reader.start()
        deadline = time.monotonic() + 10
        while not waiting.is_set() and time.monotonic() < deadline:
            waiting.wait(0.05)
        assert waiting.is_set(), "the reader never asked for the lock"
        write_atomic(target, b"new")
    reader.join(10)
    assert result == [b"new"]
    assert windows.refused == 0


def test_a_missing_file_reads_as_missing_without_making_a_lock(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_locked(tmp_path / "none.json", tmp_path / "none.lock", True)
    assert not (tmp_path / "none.lock").exists()
