"""Finding Claude Code's transcripts under its data roots."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROJECTS = "projects"


@dataclass(slots=True)
class Discovery:
    roots: list[Path] = field(default_factory=list)
    """Data roots whose `projects/` folder exists."""
    missing_roots: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(path, what went wrong) for folders we could not read; never fatal."""


def discover(roots: list[Path]) -> Discovery:
    """Every `*.jsonl` under each root's `projects/`, recursively, following symlinked folders
    once (a symlink loop is walked around, not into)."""
    found = Discovery()
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    for root in roots:
        projects = root / PROJECTS
        if not projects.is_dir():
            found.missing_roots.append(root)
            continue
        found.roots.append(root)
        _walk(str(projects), found, seen_dirs, seen_files)
    return found


def _walk(
    top: str, found: Discovery, seen_dirs: set[tuple[int, int]], seen_files: set[tuple[int, int]]
) -> None:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
        except OSError as error:
            found.problems.append((folder, error.strerror or str(error)))
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen_dirs:
            continue  # a symlink loop, or a folder reached twice
        seen_dirs.add(identity)
        try:
            with os.scandir(folder) as entries:
                children = list(entries)
        except OSError as error:
            found.problems.append((folder, error.strerror or str(error)))
            continue
        for entry in sorted(children, key=lambda e: e.name):
            try:
                if entry.is_dir():  # follows symlinks
                    stack.append(entry.path)
                elif entry.name.endswith(".jsonl") and entry.is_file():
                    stat = entry.stat()
                    if (stat.st_dev, stat.st_ino) not in seen_files:
                        seen_files.add((stat.st_dev, stat.st_ino))
                        found.files.append(Path(entry.path))
            except OSError as error:
                found.problems.append((entry.path, error.strerror or str(error)))


def discover_named(roots: list[Path], paths: Iterable[Path]) -> Discovery:
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
        if os.path.isfile(name):
            found.files.append(Path(name))
    return found
