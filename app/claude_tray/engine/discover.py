"""Finding Claude Code's transcripts under its data roots.

Each file found comes with its `os.stat_result`, taken once: a pass over years of history stats
thousands of files and should not do it twice (nor build a `Path` for each).
"""

from __future__ import annotations

import os
import stat as stat_kinds
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROJECTS = "projects"


@dataclass(slots=True)
class Discovery:
    roots: list[Path] = field(default_factory=list)
    """Data roots whose `projects/` folder exists."""
    missing_roots: list[Path] = field(default_factory=list)
    files: list[tuple[str, os.stat_result]] = field(default_factory=list)
    """Each transcript's path (as the walk names it: the key of its read position) and stat."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(path, what went wrong) for folders and files we could not read; never fatal."""


def discover(roots: list[Path]) -> Discovery:
    """Every `*.jsonl` under each root's `projects/`, recursively, following symlinked folders
    once (a symlink loop is walked around, not into)."""
    found = Discovery()
    seen_files: set[tuple[int, int]] = set()
    for root in roots:
        projects = root / PROJECTS
        if not projects.is_dir():
            found.missing_roots.append(root)
            continue
        found.roots.append(root)
        _walk(str(projects), found, seen_files)
    return found


def _walk(top: str, found: Discovery, seen_files: set[tuple[int, int]]) -> None:
    # Plain folders cannot form a loop; only symlinked ones are resolved, each target once.
    visited = {os.path.realpath(top)}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                children = list(entries)
        except OSError as error:
            found.problems.append((folder, error.strerror or str(error)))
            continue
        for entry in children:
            try:
                if entry.is_dir():  # follows symlinks; the file type comes with the listing
                    if entry.is_symlink():
                        target = os.path.realpath(entry.path)
                        if target in visited:
                            continue
                        visited.add(target)
                    stack.append(entry.path)
                elif entry.name.endswith(".jsonl"):
                    stat = entry.stat()  # follows symlinks; one system call per file
                    identity = (stat.st_dev, stat.st_ino)
                    if _is_regular(stat) and identity not in seen_files:
                        seen_files.add(identity)
                        found.files.append((entry.path, stat))
            except OSError as error:
                found.problems.append((entry.path, error.strerror or str(error)))


def discover_named(roots: list[Path], paths: Iterable[Path | str]) -> Discovery:
    """Like `discover`, for just the given paths: those that are transcripts under a root's
    `projects/` folder (as `discover` would name them) and still exist."""
    found = Discovery()
    tops: list[str] = []
    for root in roots:
        projects = root / PROJECTS
        if projects.is_dir():
            found.roots.append(root)
            tops.append(os.path.join(str(projects), ""))
        else:
            found.missing_roots.append(root)
    seen: set[str] = set()
    for path in paths:
        name = os.path.normpath(str(path))
        if name in seen or not name.endswith(".jsonl") or not name.startswith(tuple(tops)):
            continue
        seen.add(name)
        try:
            stat = os.stat(name)
        except OSError:
            continue  # gone again: the next pass will not see it either
        if _is_regular(stat):
            found.files.append((name, stat))
    return found


def _is_regular(info: os.stat_result) -> bool:
    return stat_kinds.S_ISREG(info.st_mode)
