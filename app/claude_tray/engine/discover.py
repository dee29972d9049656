"""Finding Claude Code's transcripts under its data roots.

Each file found comes with its `os.stat_result`, taken once: a pass over years of history stats
thousands of files and should not do it twice (nor build a `Path` for each).

A file is known by its identity (device, inode): the same transcript reached twice (through a
symlinked folder, or two roots) is counted once, and the ingest marks compare it with the identity
`os.fstat` gives the reader. On Windows `os.DirEntry.stat()` leaves `st_dev` and `st_ino` zero
(Python's documentation of `os.DirEntry.stat`: "On Windows, the st_ino, st_dev and st_nlink
attributes of the stat_result are always set to zero. Call os.stat() to get these attributes"), so
a zero identity from the listing is taken again with `os.fstat` on an open handle (the reader's
own call); a file whose identity is still zero (a file system without file ids) is known by its
resolved path instead.
"""

from __future__ import annotations

import gc
import os
import stat as stat_kinds
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECTS = "projects"


class Discovery:
    """What a walk found."""

    __slots__ = ("files", "missing_roots", "problems", "roots")

    def __init__(self) -> None:
        self.roots: list[Path] = []
        """Data roots whose `projects/` folder exists."""
        self.missing_roots: list[Path] = []
        self.files: list[tuple[str, os.stat_result]] = []
        """Each transcript's path (as the walk names it: the key of its read position) and stat."""
        self.problems: list[tuple[str, str]] = []
        """(path, what went wrong) for folders and files we could not read; never fatal."""


def discover(roots: list[Path]) -> Discovery:
    """Every `*.jsonl` under each root's `projects/`, recursively, following symlinked folders
    once (a symlink loop is walked around, not into)."""
    found = Discovery()
    seen_files: set[tuple[int, int] | str] = set()
    for root in roots:
        projects = root / PROJECTS
        if not projects.is_dir():
            found.missing_roots.append(root)
            continue
        found.roots.append(root)
        with no_cycle_collection():
            _walk(str(projects), found, seen_files)
    return found


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector held off: a pass over thousands of transcripts makes a stat, a
    listing entry and tuples for each, none of them in a cycle, and the collector would otherwise
    walk them some 30 times over (about 2 ms of a warm `today`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _walk(top: str, found: Discovery, seen_files: set[tuple[int, int] | str]) -> None:
    # Plain folders cannot form a loop; only symlinked ones are resolved, each target once.
    # The loop runs once per transcript on every pass (thousands): its checks are inlined.
    visited = {os.path.realpath(top)}
    stack = [top]
    files = found.files
    problems = found.problems
    is_regular = stat_kinds.S_ISREG
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                children = list(entries)
        except OSError as error:
            problems.append((folder, error.strerror or str(error)))
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
                    identity: tuple[int, int] | str = (stat.st_dev, stat.st_ino)
                    if identity == _NO_ID:  # Windows: the listing has no ids
                        stat = stat_as_read(entry.path)
                        identity = file_identity(entry.path, stat)
                    if is_regular(stat.st_mode) and identity not in seen_files:
                        seen_files.add(identity)
                        files.append((entry.path, stat))
            except OSError as error:
                problems.append((entry.path, error.strerror or str(error)))


_NO_ID = (0, 0)


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


def stat_as_read(path: str) -> os.stat_result:
    """The file's stat as the reader will see it: `os.fstat` of an open handle, the very call
    that makes the ingest marks, so the ids match whatever `os.stat` would answer."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def file_identity(path: str, info: os.stat_result) -> tuple[int, int] | str:
    """(device, inode), or the resolved path where the file system gives no ids (both zero)."""
    if info.st_dev or info.st_ino:
        return (info.st_dev, info.st_ino)
    return os.path.normcase(os.path.realpath(path))


def _is_regular(info: os.stat_result) -> bool:
    return stat_kinds.S_ISREG(info.st_mode)
