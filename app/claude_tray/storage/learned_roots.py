"""Data roots learned from Claude Code itself: remembered in the app's state, shown by `doctor`,
removable (`claude-tray roots remove`).

A hook or status-line payload names its session's `transcript_path`. When that file lies under the
`projects/` folder of a root claude-tray does not watch (Claude Code started with another
`CLAUDE_CONFIG_DIR` than the tray), the root is added here, so that the session's cost is counted
too. A root the user removed is remembered as removed and not learned again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import Any, NamedTuple

from claude_tray.storage.atomic import write_atomic
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.locking import locked
from claude_tray.storage.paths import CLAUDE_CONFIG_VARIABLE, AppPaths, claude_roots
from claude_tray.storage.regular import read_regular
from claude_tray.storage.wsl import wsl_roots

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

FILE_NAME = "learned_roots.json"
PROJECTS = "projects"


class LearnedRoot(NamedTuple):
    path: Path
    learned_at: float
    session: str | None
    """The session whose transcript showed the root."""


def learned_roots_file(paths: AppPaths) -> Path:
    return paths.state_dir / FILE_NAME


def read_learned_roots(paths: AppPaths) -> list[LearnedRoot]:
    """The learned roots, oldest first; none when the file is missing or unreadable (logged)."""
    data = _read(learned_roots_file(paths))
    out = []
    for item in data.get("roots", []):
        if isinstance(item, dict) and isinstance(item.get("path"), str) and item["path"]:
            at = item.get("learned_at")
            session = item.get("session")
            out.append(
                LearnedRoot(
                    Path(item["path"]),
                    float(at) if isinstance(at, int | float) and not isinstance(at, bool) else 0.0,
                    session if isinstance(session, str) else None,
                )
            )
    return out


def removed_roots(paths: AppPaths) -> set[str]:
    data = _read(learned_roots_file(paths))
    return {p for p in data.get("removed", []) if isinstance(p, str)}


def add_learned_root(paths: AppPaths, root: Path, session: str | None, now: float) -> bool:
    """Remember `root`; False when it is known already or the user removed it."""
    added = False

    def change(data: dict[str, Any]) -> None:
        nonlocal added
        key = same_path_key(root)
        if key in {same_path_key(Path(p)) for p in data.get("removed", []) if isinstance(p, str)}:
            return
        roots = [r for r in data.get("roots", []) if isinstance(r, dict)]
        if any(same_path_key(Path(str(r.get("path", "")))) == key for r in roots):
            return
        roots.append({"path": str(root), "learned_at": now, "session": session})
        data["roots"] = roots
        added = True

    _update(paths, change)
    return added


def remove_learned_root(paths: AppPaths, root: Path) -> bool:
    """Forget a learned root (and never learn it again); False when it was not a learned one."""
    removed = False

    def change(data: dict[str, Any]) -> None:
        nonlocal removed
        key = same_path_key(root)
        roots = [r for r in data.get("roots", []) if isinstance(r, dict)]
        kept = [r for r in roots if same_path_key(Path(str(r.get("path", "")))) != key]
        removed = len(kept) != len(roots)
        if removed:
            data["roots"] = kept
            gone = [p for p in data.get("removed", []) if isinstance(p, str)]
            data["removed"] = [*gone, str(root)]

    _update(paths, change)
    return removed


def watched_roots(paths: AppPaths, env: Mapping[str, str] | None = None) -> list[Path]:
    """The configured roots (`CLAUDE_CONFIG_DIR`, else the defaults and, on Windows, the running
    WSL distributions'), then the learned ones."""
    roots = claude_roots(env)
    configured = (os.environ if env is None else env).get(CLAUDE_CONFIG_VARIABLE, "").strip()
    extra = [] if configured else wsl_roots()
    keys = {same_path_key(r) for r in roots}
    for path in [*extra, *(learned.path for learned in read_learned_roots(paths))]:
        key = same_path_key(path)
        if key not in keys:
            roots.append(path)
            keys.add(key)
    return roots


def root_of_transcript(transcript_path: object) -> Path | None:
    """The data root a transcript lies in: the folder holding the `projects/` folder above it.
    None for a path that is not absolute or has no `projects/` folder above the file."""
    if not isinstance(transcript_path, str) or not transcript_path:
        return None
    path = PurePath(transcript_path)
    if not path.is_absolute():
        return None
    parts = path.parts[:-1]
    for index in range(len(parts) - 1, 1, -1):  # a root is a folder below the drive or `/`
        if parts[index] == PROJECTS:
            return Path(*parts[:index])
    return None


def is_watched(root: Path, roots: list[Path]) -> bool:
    """Whether `root` is one of `roots`, or one of them names its `projects/` folder directly."""
    key = same_path_key(root)
    projects = same_path_key(root / PROJECTS)
    return any(same_path_key(r) in (key, projects) for r in roots)


def same_path_key(path: Path) -> str:
    """A comparison key: absolute, normalised, case-folded where the file system folds case."""
    text = os.path.normpath(os.path.abspath(os.path.expanduser(str(path))))
    return os.path.normcase(text)


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        return {}
    except OSError as error:
        log.warning("cannot read %s: %s", path, error)
        return {}
    try:
        data = json.loads(raw)
    except ValueError as error:
        log.warning("ignoring unreadable %s: %s", path, error)
        return {}
    return data if isinstance(data, dict) else {}


def _update(paths: AppPaths, change: Callable[[dict[str, Any]], None]) -> None:
    path = learned_roots_file(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path.with_suffix(".lock")):
        data = _read(path)
        before = json.dumps(data, sort_keys=True)
        change(data)
        if json.dumps(data, sort_keys=True) != before:
            write_atomic(path, json.dumps(data, indent=1).encode())
