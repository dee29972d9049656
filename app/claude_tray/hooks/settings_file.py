"""Claude Code's settings.json: read it strictly, write it back safely, show the difference.

The user's file is never rewritten when it is not valid JSON (some Claude Code versions tolerate
comments or trailing commas; we do not guess): `SettingsError` names the file and the line and
column where parsing fails. A write keeps a timestamped backup of the old bytes next to the file,
goes through a symlink to its target, keeps the file's permissions, refuses when the file changed
since it was read, and is atomic (`storage.atomic.write_atomic`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_tray.storage.atomic import write_atomic

BOM = b"\xef\xbb\xbf"
BACKUP_MARK = ".claude-tray-backup-"
KEEP_BACKUPS = 5
"""Backups of ours kept per settings file (older ones are removed)."""


class SettingsError(Exception):
    """A settings file we will not touch; the message says which and why (exit 2)."""


@dataclass(frozen=True)
class SettingsFile:
    path: Path
    exists: bool
    raw: bytes = b""
    text: str = ""
    """The file's text without a byte-order mark; `{}` plus a newline for a missing file."""
    bom: bool = False
    data: dict[str, Any] = field(default_factory=dict)


def read_settings(path: Path) -> SettingsFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return SettingsFile(path, exists=False, text="{}\n")
    except OSError as error:
        raise SettingsError(f"{path}: cannot be read: {error.strerror or error}") from None
    bom = raw.startswith(BOM)
    try:
        text = raw[len(BOM) :].decode("utf-8") if bom else raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"{path}: not UTF-8 text (byte {error.start}); left untouched"
        ) from None
    data = parse_settings(path, text)
    return SettingsFile(path, exists=True, raw=raw, text=text, bom=bom, data=data)


def parse_settings(path: Path, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}); the file is "
            "left untouched. Comments and trailing commas are not JSON: remove them (or edit "
            "the file by hand) and run this again."
        ) from None
    except RecursionError:
        raise SettingsError(f"{path}: nested too deeply to read; left untouched") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: the top level is not a JSON object; left untouched")
    return data


def unified_diff(settings: SettingsFile, new_text: str) -> str:
    import difflib  # only for --dry-run

    old = settings.text if settings.exists else ""
    name = str(settings.path)
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=name if settings.exists else "/dev/null",
        tofile=name,
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def write_settings(settings: SettingsFile, new_text: str, now: float) -> Path | None:
    """Write `new_text` in place of the file read as `settings`; the backup's path, if any."""
    target = Path(os.path.realpath(settings.path))
    _check_unchanged(settings, target)
    backup = _backup(target, settings.raw, now) if settings.exists else None
    mode = target.stat().st_mode & 0o7777 if settings.exists else 0o600
    data = (BOM if settings.bom else b"") + new_text.encode("utf-8")
    write_atomic(target, data, mode)
    _prune_backups(target)
    return backup


def _check_unchanged(settings: SettingsFile, target: Path) -> None:
    try:
        now_raw: bytes | None = target.read_bytes()
    except FileNotFoundError:
        now_raw = None
    expected = settings.raw if settings.exists else None
    if now_raw != expected:
        raise SettingsError(
            f"{settings.path} changed while it was being edited; nothing was "
            "written: run this again"
        )


def _backup(target: Path, raw: bytes, now: float) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    backup = target.with_name(f"{target.name}{BACKUP_MARK}{stamp}")
    counter = 1
    while backup.exists():
        backup = target.with_name(f"{target.name}{BACKUP_MARK}{stamp}-{counter}")
        counter += 1
    write_atomic(backup, raw, target.stat().st_mode & 0o7777)
    return backup


def backups_of(target: Path) -> list[Path]:
    """Our backups of `target`, oldest first."""
    try:
        found = [p for p in target.parent.iterdir() if p.name.startswith(target.name + BACKUP_MARK)]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _prune_backups(target: Path) -> None:
    for old in backups_of(target)[:-KEEP_BACKUPS]:
        with contextlib.suppress(OSError):
            old.unlink()
