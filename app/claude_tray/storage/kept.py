"""What a pass worked out from a file or folder, kept between runs with the stat it came from.

A full pass looks at things that rarely change: the folders of years of transcripts
(`engine.discover.FolderListings`), the state files of thousands of ended sessions
(`storage.state_index`). `KeptByStat` keeps, per key (a path), the values worked out from it and
its identity: a list of numbers from its `os.stat` (device, inode, modification and change times
in ns, and for a file its size). A kept entry is used only while the thing's stat gives that
identity again. Creating, replacing or writing a file, and creating, removing or renaming an
entry of a folder, move its modification or change time (a replaced file is a new inode too).

Only what had not changed for `SETTLED_S` before its stat is kept (`settled`): a change within
the same clock tick as an earlier one leaves the times as they were, and the file system's clock
may be behind ours. So the entry of a file written a moment ago is never kept, and one written
long ago is used until anything about it changes.

The kept file is JSON (`{"version": N, "<section>": {key: [*identity, *values]}}`), replaced
atomically by any pass; each entry is checked against a fresh stat before it is used, so one from
any earlier pass, of this process or another, is as good as a fresh one. A file that cannot be read
or parsed keeps nothing; saving never fails a pass.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress

from claude_tray.storage import json_c
from claude_tray.storage.atomic import write_atomic
from claude_tray.storage.regular import read_regular

SETTLED_S = 600.0
"""How long something must have been unchanged before its stat for its entry to be kept (the
file system's clock may differ from ours by up to this)."""
MAX_KEPT_BYTES = 64 << 20


def settled_before(now: float | None = None) -> int:
    """The modification time (ns) before which a thing counts as settled at `now`."""
    return int(((time.time() if now is None else now) - SETTLED_S) * 1e9)


def folder_identity(info: os.stat_result) -> list[int]:
    """A folder's identity: its entries change only with it."""
    return [info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


def file_identity(info: os.stat_result) -> list[int]:
    """A file's identity: its content changes only with it."""
    return [info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size]


class KeptByStat:
    """Entries of `section` in the JSON file `path` (none: in memory only), `version` its format.

    `get` gives an entry's values when the identity matches; `put` keeps new ones; `save` keeps
    the entries got or put since the last save (the others are gone) and writes the file only
    when they changed."""

    __slots__ = ("_known", "_path", "_section", "_seen", "_version")

    def __init__(self, path: str | os.PathLike[str] | None, section: str, version: int) -> None:
        self._path = path
        self._section = section
        self._version = version
        self._known: dict[str, list[object]] = {}
        self._seen: dict[str, list[object]] = {}
        if path is not None:
            try:
                data = json_c.loads(read_regular(path, MAX_KEPT_BYTES))
            except (OSError, ValueError):  # none yet, unreadable, cut short, not JSON
                return
            if isinstance(data, dict) and data.get("version") == version:
                entries = data.get(section)
                self._known = entries if isinstance(entries, dict) else {}

    def get(self, key: str, identity: list[int]) -> list[object] | None:
        """The values kept for `key`, if they were worked out from this very `identity`."""
        entry = self._known.get(key)
        size = len(identity)
        if type(entry) is not list or entry[:size] != identity:
            return None
        self._seen[key] = entry
        return entry[size:]

    def put(self, key: str, identity: list[int], values: list[object]) -> None:
        """Keep `values`, worked out after a stat that gave `identity` (see `settled_before`)."""
        self._seen[key] = [*identity, *values]

    def save(self) -> None:
        seen, self._seen = self._seen, {}
        if seen == self._known:
            return
        self._known = seen
        if self._path is None:
            return
        data = {"version": self._version, self._section: seen}
        with suppress(OSError):
            write_atomic(self._path, json_c.dumps(data).encode(), durable=False)
