"""Watching the files the tray depends on, and turning file events into hints for the engine.

What is watched:
- every Claude data root's `projects/`, recursively: a changed `*.jsonl` is a `TRANSCRIPT` hint
  for that file; a folder created, moved or deleted there is a `FULL` hint (files may have come
  along with it);
- the app's hook-state folder (`state/sessions`): a changed `*.json` is a `STATE` hint;
- the config file: a `CONFIG` hint;
- for a data root's `projects/` (or the config file) that does not exist yet, the nearest existing
  folder above it, not recursively: a change on the way to it is a `ROOTS` hint, on which the
  engine calls `sync()` (watch what exists now) and reads everything once. So a Claude Code
  installed after the tray is picked up, without any polling.

Events are only hints: they coalesce and can be dropped; the engine keeps byte offsets and rescans
on a slow timer. Thread rules: the handlers run on watchdog's threads and do nothing but classify
the path and call `hint` (which only enqueues). `start`, `sync` and `stop` may be called from any
thread (watchdog's observer locks its own state); `stop` joins the observer.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from claude_tray.engine.discover import PROJECTS
from claude_tray.runtime.hints import Hint, HintKind

log = logging.getLogger(__name__)

# Only what can change our numbers: no "opened"/"closed" events (our own reads would loop).
_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: HintKind
    target: Path
    """For ROOTS/CONFIG: the path waited for; for TRANSCRIPT/STATE: the watched folder."""


class _Handler(FileSystemEventHandler):
    """Classifies an event by the rules of its watch and enqueues hints; nothing else."""

    def __init__(self, rules: Sequence[_Rule], hint: Callable[[Hint], None]) -> None:
        super().__init__()
        self.rules = tuple(rules)
        self.hint = hint

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [event.src_path, event.dest_path] if event.dest_path else [event.src_path]
        for raw in paths:
            path = Path(os.fsdecode(raw))
            for rule in self.rules:
                found = classify(rule, path, event.is_directory)
                if found is not None:
                    self.hint(found)


def classify(rule: _Rule, path: Path, is_directory: bool) -> Hint | None:
    if rule.kind is HintKind.TRANSCRIPT:
        if is_directory:
            return Hint(HintKind.FULL, path)
        return Hint(HintKind.TRANSCRIPT, path) if path.name.endswith(".jsonl") else None
    if rule.kind is HintKind.STATE:
        return Hint(HintKind.STATE, path) if path.suffix == ".json" and not is_directory else None
    if rule.kind is HintKind.CONFIG:
        return Hint(HintKind.CONFIG, path) if path == rule.target else None
    # ROOTS: the path waited for, or a folder on the way to it
    if path == rule.target or path in rule.target.parents:
        return Hint(HintKind.ROOTS, path)
    return None


ObserverFactory = Callable[[], Any]


class Watcher:
    """Schedules watchdog watches for the data roots, the state folder and the config file."""

    def __init__(
        self,
        roots: Sequence[Path],
        state_dir: Path,
        config_file: Path,
        hint: Callable[[Hint], None],
        observer_factory: ObserverFactory = Observer,
        recursive_events: bool | None = None,
        home: Path | None = None,
    ) -> None:
        self.roots = list(roots)
        self.state_dir = state_dir
        self.config_file = config_file
        self.hint = hint
        self._observer = observer_factory()
        self.recursive_events = (
            "FSEvents" in type(self._observer).__name__
            if recursive_events is None
            else recursive_events
        )
        """The observer gets every event under a watched folder, however deep (macOS FSEvents:
        an event stream covers the whole tree under its path, and watchdog drops the deeper
        events only after receiving them). Then no folder is waited on that holds the home
        folder: the engine's safety rescan calls `sync` and finds what appeared there instead."""
        self.home = Path.home() if home is None else home
        self._lock = threading.Lock()
        self._watches: dict[tuple[Path, bool, tuple[_Rule, ...]], Any] = {}

    def start(self) -> None:
        self.sync()
        self._observer.start()

    def sync(self) -> None:
        """Watch what exists now (and wait above what does not); drop watches no longer wanted."""
        with self._lock:
            wanted = self._wanted()
            for key in [k for k in self._watches if k not in wanted]:
                self._unschedule(key)
            for key in wanted:
                if key not in self._watches:
                    self._schedule(key)

    def watched(self) -> list[tuple[Path, bool]]:
        """(folder, recursive) of each watch, for logs and tests."""
        with self._lock:
            return [(path, recursive) for path, recursive, _ in self._watches]

    def stop(self) -> None:
        """Stop watching and join watchdog's threads (safe if never started)."""
        try:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=10)
        except RuntimeError:  # never started
            pass

    def _wanted(self) -> list[tuple[Path, bool, tuple[_Rule, ...]]]:
        plans: dict[tuple[Path, bool], list[_Rule]] = {}
        for root in self.roots:
            projects = root / PROJECTS
            if projects.is_dir():
                plans.setdefault((projects, True), []).append(_Rule(HintKind.TRANSCRIPT, projects))
            else:
                self._add_waiting(plans, projects)
        if self.state_dir.is_dir():
            plans.setdefault((self.state_dir, False), []).append(
                _Rule(HintKind.STATE, self.state_dir)
            )
        else:
            self._add_waiting(plans, self.state_dir)
        folder = self.config_file.parent
        if folder.is_dir():
            plans.setdefault((folder, False), []).append(_Rule(HintKind.CONFIG, self.config_file))
        else:
            self._add_waiting(plans, self.config_file)
        return [(path, recursive, tuple(rules)) for (path, recursive), rules in plans.items()]

    def _schedule(self, key: tuple[Path, bool, tuple[_Rule, ...]]) -> None:
        path, recursive, rules = key
        try:
            watch = self._observer.schedule(
                _Handler(rules, self.hint), str(path), recursive=recursive, event_filter=_EVENTS
            )
        except OSError as error:  # gone meanwhile, or out of inotify watches
            log.warning("cannot watch %s: %s (the safety rescan still reads it)", path, error)
            return
        self._watches[key] = watch
        log.debug("watching %s%s", path, " recursively" if recursive else "")

    def _unschedule(self, key: tuple[Path, bool, tuple[_Rule, ...]]) -> None:
        watch = self._watches.pop(key)
        try:
            self._observer.unschedule(watch)
        except (KeyError, OSError, RuntimeError) as error:
            log.debug("unscheduling %s: %s", key[0], error)

    def _add_waiting(self, plans: dict[tuple[Path, bool], list[_Rule]], target: Path) -> None:
        """Watch the nearest existing folder above `target` for the way to it to appear (not,
        with recursive events, the home folder or above it: see `recursive_events`)."""
        folder = target.parent
        while not folder.is_dir() and folder.parent != folder:
            folder = folder.parent
        if not folder.is_dir():
            return
        if self.recursive_events and (folder == self.home or folder in self.home.parents):
            log.debug("not watching %s for %s: the safety rescan looks instead", folder, target)
            return
        plans.setdefault((folder, False), []).append(_Rule(HintKind.ROOTS, target))
