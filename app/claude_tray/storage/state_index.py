"""What every session's state file says that a full pass needs, without reading every file again.

The state folder keeps one file per session, and never forgets one (`storage.state`): a user of
our hooks for years has thousands. A full pass needs of each only a little: the data root its
transcript lies in (`engine.workspace.Workspace.learn_roots`), when our hooks last saw it, and
until when a plan limit it reported counts. `SessionIndex` keeps that, per state file, in
`<state dir>/session_index.json` with the file's stat (`storage.kept`): a file that has not changed
since is not read again; every file is still stat'ed on every scan, and a new, changed or replaced
file, or one written within `storage.kept.SETTLED_S`, is read as `read_all` reads it.

`scan` gives the sessions in `read_all`'s order and with its choice between two files that name
the same session (the later name wins), so what is worked out from it is what `read_all` gives.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from claude_tray.core.snapshot import LiveFacts, last_seen
from claude_tray.storage.kept import KeptByStat, file_identity, settled_before
from claude_tray.storage.learned_roots import root_of_transcript
from claude_tray.storage.paths import AppPaths
from claude_tray.storage.state import SessionRecord, is_state_file_name, read_record

INDEX_FILE = "session_index.json"
"""In the state folder (beside `sessions/`, whose `*.json` are the state files)."""
INDEX_VERSION = 1


class SessionSummary(NamedTuple):
    """What a full pass needs of one session's state file."""

    session_id: str
    root: str | None
    """The data root its transcript lies in (`root_of_transcript`), None if none."""
    last_seen: float
    """When our hooks or status line last saw it (`core.snapshot.last_seen`)."""
    limits_until: float
    """Until when a plan limit it reported counts (`core.snapshot.plan_limits` leaves out a
    limit whose window has reset): the latest reset of its limits, infinity for a limit with no
    reset time, 0.0 when it reported none."""
    path: str
    """Its state file."""
    record: SessionRecord | None = None
    """Its record, when the scan read the file (not kept)."""


class SessionIndex:
    """The summaries of the state files, kept in the state folder between scans."""

    __slots__ = ("_folder", "_kept")

    def __init__(self, paths: AppPaths, keep: bool = True) -> None:
        self._folder = paths.dirs.sessions_dir
        self._kept = KeptByStat(
            paths.state_dir / INDEX_FILE if keep else None, "sessions", INDEX_VERSION
        )

    def scan(self, now: float | None = None) -> dict[str, SessionSummary]:
        """Every readable session's summary, by session id, in `read_all`'s order; `now` (the
        clock by default) decides which files count as settled."""
        try:
            found = _listing(self._folder)
        except OSError:
            return {}
        settled = settled_before(now)
        kept = self._kept
        out: dict[str, SessionSummary] = {}
        for name, path, entry in found:
            try:
                info = os.stat(path) if entry is None else entry.stat()
            except OSError:
                continue  # gone since the listing (`read_all` would not find it either)
            identity = file_identity(info)
            values = kept.get(name, identity)
            summary = None if values is None else _summary(values, path)
            if summary is None:
                summary = _read(path)
                if summary is None:
                    continue
                if info.st_mtime_ns < settled:
                    kept.put(name, identity, list(summary[:4]))
            out[summary.session_id] = summary
        kept.save()
        return out

    def facts(self, now: float | None = None) -> StateFacts:
        """The live facts of every session (`read_all_facts`), as a `scan` finds them."""
        return StateFacts(self.scan(now))


def _listing(folder: str) -> Sequence[tuple[str, str, os.DirEntry[str] | None]]:
    """The state files of `folder` by name: (name, path, the listing's entry where its stat is
    to be taken from). On Windows the stat comes with the listing (no file is opened, so none is
    held open under a writer's replace); elsewhere a stat costs the same either way and a plain
    listing is cheaper."""
    if sys.platform == "win32":
        with os.scandir(folder) as entries:
            listed = sorted((e.name, e) for e in entries if is_state_file_name(e.name))
        found = [(name, entry.path, entry) for name, entry in listed]
    else:
        prefix = os.path.join(folder, "")
        names = sorted(name for name in os.listdir(folder) if is_state_file_name(name))
        found = [(name, prefix + name, None) for name in names]
    return found


def _read(path: str) -> SessionSummary | None:
    record = read_record(path)
    if record is None:
        return None
    facts = record.facts()
    root = root_of_transcript(record.transcript_path)
    limits = [limit for limit in (facts.five_hour, facts.seven_day) if limit is not None]
    until = max(
        (math.inf if limit.resets_at is None else limit.resets_at for limit in limits),
        default=0.0,
    )
    text = None if root is None else str(root)
    return SessionSummary(
        record.session_id, text, float(last_seen(facts)), float(until), path, record
    )


def _summary(values: list[object], path: str) -> SessionSummary | None:
    """A kept summary, if it has the shape `scan` keeps."""
    if len(values) != 4:
        return None
    sid, root, seen, until = values
    if (
        type(sid) is not str
        or (root is not None and type(root) is not str)
        or type(seen) is not float
        or type(until) is not float
    ):
        return None
    return SessionSummary(sid, root, seen, until, path)


class StateFacts(Mapping[str, LiveFacts]):
    """The live facts of every session (`read_all_facts`), a session's state file read only when
    its facts or its record are asked for. What a snapshot needs of all of them, it takes from the
    summaries: the sessions seen lately (`seen_since`) and those whose plan limits may count
    (`with_limits`)."""

    __slots__ = ("_facts", "_records", "_summaries")

    def __init__(self, summaries: dict[str, SessionSummary]) -> None:
        self._summaries = summaries
        self._records: dict[str, SessionRecord | None] = {}
        self._facts: dict[str, LiveFacts] = {}

    def record(self, session_id: str) -> SessionRecord | None:
        """The session's record (`read_all`'s); None for a session not found, or (read after the
        scan) gone or rewritten for another session since."""
        if session_id in self._records:
            return self._records[session_id]
        summary = self._summaries.get(session_id)
        record = None if summary is None else summary.record
        if summary is not None and record is None:
            record = read_record(summary.path)
            if record is not None and record.session_id != session_id:
                record = None
        self._records[session_id] = record
        return record

    def __getitem__(self, session_id: str) -> LiveFacts:
        facts = self._facts.get(session_id)
        if facts is None:
            if session_id not in self._summaries:
                raise KeyError(session_id)
            record = self.record(session_id)
            facts = LiveFacts() if record is None else record.facts()
            self._facts[session_id] = facts
        return facts

    def __iter__(self) -> Iterator[str]:
        return iter(self._summaries)

    def __len__(self) -> int:
        return len(self._summaries)

    def seen_since(self, since: float) -> list[str]:
        """The sessions our hooks or status line saw at `since` or later (`last_seen`), in order."""
        return [sid for sid, summary in self._summaries.items() if summary.last_seen >= since]

    def with_limits(self, now: float) -> list[LiveFacts]:
        """The facts of the sessions that reported a plan limit whose window has not reset by
        `now`, in order: `plan_limits` of these is `plan_limits` of all."""
        return [self[sid] for sid, s in self._summaries.items() if s.limits_until > now]
