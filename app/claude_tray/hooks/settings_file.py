"""Claude Code's settings.json: read it strictly, write it back safely, show the difference.

The user's file is never rewritten when it is not valid JSON (some Claude Code versions tolerate
comments or trailing commas; we do not guess): `SettingsError` names the file and the line and
column where parsing fails; so is a file nested deeper than `MAX_DEPTH`. A file without write
permission is refused, whoever runs us (root included: the mode bits say what the user wants).

A write keeps a timestamped backup of the old bytes next to the file (the last `KEEP_BACKUPS`),
and the first copy we ever made, `<name>.claude-tray-original`, for ever; it goes through a
symlink to its target, keeps the file's permissions, refuses when the file changed since it was
read, and is atomic (`storage.atomic.write_atomic`).
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
from claude_tray.storage.regular import read_regular

BOM = b"\xef\xbb\xbf"
BACKUP_MARK = ".claude-tray-backup-"
KEEP_BACKUPS = 5
"""Backups of ours kept per settings file (older ones are removed; the original never is)."""
ORIGINAL_MARK = ".claude-tray-original"
MAX_DEPTH = 64
"""Claude Code's settings nest about six levels; deeper is not a settings file we edit."""


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
        raw = read_regular(path)
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
    if _depth(data) > MAX_DEPTH:
        raise SettingsError(
            f"{path}: nested more than {MAX_DEPTH} levels deep; not a settings file we edit, "
            "left untouched"
        )
    return data


def _depth(data: object) -> int:
    """How deeply `data` nests (without recursion: the editor's own walk must not meet more)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            stack.extend((child, level + 1) for child in children)
    return deepest


def check_writable(settings: SettingsFile) -> None:
    """Refuse a file the user made read-only, or one we could not write.

    Deliberately by the mode bits first: root may write anything (`os.access` says yes), but a
    settings.json without any write bit was made read-only on purpose and stays as it is.
    """
    path = settings.path
    hint = "; left untouched (run with --dry-run to see the change and make it by hand)"
    if settings.exists:
        target = Path(os.path.realpath(path))
        mode = target.stat().st_mode & 0o7777
        if not mode & 0o222:
            raise SettingsError(
                f"{path}: is read-only (mode {mode:04o}){hint}, or make it writable first "
                f"(chmod u+w)"
            )
        if not os.access(target, os.W_OK):
            raise SettingsError(f"{path}: you may not write it{hint}")
        folder = target.parent
    else:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SettingsError(f"{path}: its folder {folder} is not writable{hint}")


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


def write_settings(
    settings: SettingsFile, new_text: str, now: float, holds_ours: bool = False
) -> Path | None:
    """Write `new_text` in place of the file read as `settings`; the backup's path, if any.

    `holds_ours`: the file already holds entries of ours, so its bytes are not the user's
    original (an install by a claude-tray that made no original copy)."""
    target = Path(os.path.realpath(settings.path))
    _check_unchanged(settings, target)
    check_writable(settings)
    backup = _keep_copies(target, settings.raw, now, holds_ours) if settings.exists else None
    mode = target.stat().st_mode & 0o7777 if settings.exists else 0o600
    data = (BOM if settings.bom else b"") + new_text.encode("utf-8")
    write_atomic(target, data, mode)
    _prune_backups(target)
    return backup


def _check_unchanged(settings: SettingsFile, target: Path) -> None:
    try:
        now_raw: bytes | None = read_regular(target)
    except FileNotFoundError:
        now_raw = None
    expected = settings.raw if settings.exists else None
    if now_raw != expected:
        raise SettingsError(
            f"{settings.path} changed while it was being edited; nothing was "
            "written: run this again"
        )


def original_of(target: Path) -> Path:
    """Where the first copy of the user's file we ever made is kept (never pruned)."""
    return target.with_name(target.name + ORIGINAL_MARK)


def original_data(path: Path) -> dict[str, Any] | None:
    """The settings as they were before claude-tray first wrote them, when that copy exists."""
    original = original_of(Path(os.path.realpath(path)))
    try:
        return read_settings(original).data if original.is_file() else None
    except SettingsError:
        return None


def _keep_copies(target: Path, raw: bytes, now: float, holds_ours: bool) -> Path:
    """Back up `raw` (the file before this write): the original copy if there is none yet (the
    oldest rotating backup of an older claude-tray becomes it; bytes holding our entries never
    do), else a rotating backup, unless the newest copy holds the same bytes. The copy holding
    `raw`."""
    original = original_of(target)
    rotating = rotating_backups(target)
    if not original.exists():
        if rotating:
            os.replace(rotating.pop(0), original)
        elif holds_ours:
            return _backup(target, raw, now)
        else:
            write_atomic(original, raw, target.stat().st_mode & 0o7777)
            return original
    newest = rotating[-1] if rotating else original
    with contextlib.suppress(OSError):
        if newest.read_bytes() == raw:
            return newest
    return _backup(target, raw, now)


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
    """Our backups of `target`, oldest first: the original copy (when made), then the rotating."""
    original = original_of(target)
    return ([original] if original.is_file() else []) + rotating_backups(target)


def rotating_backups(target: Path) -> list[Path]:
    """Our timestamped backups of `target`, oldest first."""
    try:
        found = [p for p in target.parent.iterdir() if p.name.startswith(target.name + BACKUP_MARK)]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _prune_backups(target: Path) -> None:
    for old in rotating_backups(target)[:-KEEP_BACKUPS]:
        with contextlib.suppress(OSError):
            old.unlink()
