"""Incremental ingest: read the bytes added to each transcript since the last pass, once.

For each file the ledger remembers its identity (device + inode), size and the offset of the end of
the last complete line read. A pass stats every file and reads only what grew; a partial last line
is held back until it is complete; a file that shrank or was replaced is read again from the start
(the ledger's upserts keep that from counting anything twice).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from claude_tray.core.records import CompactBoundary, Response, Skipped, SkipReason, Speed
from claude_tray.core.transcript import interpret
from claude_tray.engine.discover import discover
from claude_tray.storage.ledger import FileMark, Ledger, MessageRow, SessionMark

log = logging.getLogger(__name__)

CHUNK = 8 << 20
MAX_LINE = 256 << 20
"""A longer line is skipped (counted) without being held in memory."""

# A line can only matter if it carries usage or is a compact boundary: everything else (most bytes
# of a transcript are tool results and file contents) is checked for shape but never decoded.
_USAGE = b'"usage"'
_COMPACT = b"compact_boundary"


@dataclass(slots=True)
class PassStats:
    """What one ingest pass did; `doctor` and the benchmark print it."""

    roots: list[Path] = field(default_factory=list)
    missing_roots: list[Path] = field(default_factory=list)
    files_seen: int = 0
    files_read: int = 0
    bytes_read: int = 0
    lines_read: int = 0
    responses: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def data_found(self) -> bool:
        return bool(self.roots)


def ingest(ledger: Ledger, roots: list[Path], only: Iterable[Path] | None = None) -> PassStats:
    """Read what is new in every transcript under `roots` (or just the files in `only`)."""
    started = time.perf_counter()
    found = discover(roots)
    stats = PassStats(
        roots=found.roots, missing_roots=found.missing_roots, problems=list(found.problems)
    )
    files = found.files
    if only is not None:
        wanted = {os.path.abspath(p) for p in only}
        files = [f for f in files if os.path.abspath(f) in wanted]
    marks = ledger.file_marks()
    for path in files:
        stats.files_seen += 1
        try:
            _ingest_file(ledger, path, marks.get(str(path)), stats)
        except OSError as error:
            stats.problems.append((str(path), error.strerror or str(error)))
    stats.seconds = time.perf_counter() - started
    return stats


def _ingest_file(ledger: Ledger, path: Path, mark: FileMark | None, stats: PassStats) -> None:
    info = os.stat(path)
    same_file = mark is not None and (mark.device, mark.inode) == (info.st_dev, info.st_ino)
    if same_file and mark is not None:
        if info.st_size == mark.offset or (
            info.st_size == mark.size and info.st_mtime_ns == mark.mtime_ns
        ):
            return  # nothing new (or only a held-back partial line, unchanged)
        start = mark.offset if info.st_size >= mark.offset else 0
    else:
        start = 0
    restarted = start == 0
    reader = _FileReader(path)
    with open(path, "rb") as handle:
        fstat = os.fstat(handle.fileno())
        handle.seek(start)
        end = reader.read(handle, start)
    stats.files_read += 1
    stats.bytes_read += end - start
    stats.lines_read += reader.lines
    stats.responses += reader.responses
    stats.skipped.update(reader.skipped)
    ledger.record(
        str(path),
        FileMark(fstat.st_dev, fstat.st_ino, fstat.st_size, end, fstat.st_mtime_ns),
        reader.lines,
        reader.rows.values(),
        reader.session_marks(),
        dict(reader.skipped),
        restarted,
    )


class _FileReader:
    """Parses the complete lines of one file's new bytes into ledger rows and session marks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fallback_session = _session_from_path(path)
        self.lines = 0
        self.responses = 0
        self.skipped: Counter[str] = Counter()
        self.rows: dict[str, MessageRow] = {}
        self._sessions: dict[str, _SessionAccumulator] = {}

    def read(self, handle: object, start: int) -> int:
        """Consume from `start` to EOF; returns the offset after the last complete line."""
        offset = start
        pending = b""
        too_long = False
        read = handle.read  # type: ignore[attr-defined]
        while chunk := read(CHUNK):
            if too_long:
                cut = chunk.find(b"\n")
                if cut < 0:
                    offset += len(chunk)
                    continue
                offset += cut + 1
                chunk = chunk[cut + 1 :]
                too_long = False
            data = pending + chunk if pending else chunk
            last = data.rfind(b"\n")
            if last < 0:
                pending = data
            else:
                self._lines(data[:last].split(b"\n"))
                offset += last + 1
                pending = data[last + 1 :]
            if len(pending) > MAX_LINE:
                self._skip(SkipReason.TOO_LONG)
                offset += len(pending)
                pending = b""
                too_long = True
        if pending and not too_long and _is_complete_object(pending):
            # A last line without its newline that is already a whole JSON object is complete.
            self._lines([pending])
            offset += len(pending)
        return offset

    def _lines(self, lines: Iterator[bytes] | list[bytes]) -> None:
        for line in lines:
            if not line or line.isspace():
                continue
            self.lines += 1
            if _USAGE not in line and _COMPACT not in line:
                stripped = line.strip()
                if stripped[:1] != b"{" or stripped[-1:] != b"}":
                    self._skip(SkipReason.MALFORMED_JSON)
                continue
            try:
                record = interpret(orjson.loads(line))
            except orjson.JSONDecodeError:
                self._skip(_decode_failure(line))
                continue
            except Skipped as skipped:
                self._skip(skipped.reason)
                continue
            if isinstance(record, Response):
                self._response(record, line)
            elif isinstance(record, CompactBoundary):
                self._compact(record)

    def _skip(self, reason: SkipReason) -> None:
        self.skipped[reason.value] += 1

    def _response(self, response: Response, line: bytes) -> None:
        self.responses += 1
        session = response.session_id or self.fallback_session
        tokens = response.tokens
        if response.message_id:
            key = f"{response.message_id}:{response.request_id or ''}"
        else:  # cannot be deduped: counted once as it stands, whichever pass reads it
            key = "line:" + hashlib.blake2b(line, digest_size=16).hexdigest()
        row: MessageRow = (
            key,
            response.timestamp,
            session,
            response.project,
            response.model,
            tokens.input,
            tokens.output,
            tokens.cache_write_5m,
            tokens.cache_write_1h,
            tokens.cache_read,
            tokens.total,
            int(response.sidechain),
            int(response.speed is Speed.FAST),
            int(tokens.is_long_context),
        )
        best = self.rows.get(key)
        if best is None or row[10] > best[10] or (row[10] == best[10] and row[11] < best[11]):
            self.rows[key] = row
        self._session(session).response(response)

    def _compact(self, boundary: CompactBoundary) -> None:
        self._session(boundary.session_id or self.fallback_session).compact(boundary)

    def _session(self, session: str) -> _SessionAccumulator:
        acc = self._sessions.get(session)
        if acc is None:
            acc = self._sessions[session] = _SessionAccumulator(session)
        return acc

    def session_marks(self) -> list[SessionMark]:
        return [acc.mark() for acc in self._sessions.values()]


class _SessionAccumulator:
    """The newest context facts of one session within one read."""

    __slots__ = ("first", "last", "latest", "latest_compact", "max_context", "project", "session")

    def __init__(self, session: str) -> None:
        self.session = session
        self.project: str | None = None
        self.first = float("inf")
        self.last = float("-inf")
        self.latest: Response | None = None
        self.latest_compact: CompactBoundary | None = None
        self.max_context = 0

    def _touch(self, moment: float, project: str | None) -> None:
        self.first = min(self.first, moment)
        if moment >= self.last:
            self.last = moment
            self.project = project or self.project

    def response(self, response: Response) -> None:
        self._touch(response.timestamp, response.project)
        if not response.counts_for_context:
            return
        self.max_context = max(self.max_context, response.tokens.prompt)
        if self.latest is None or response.timestamp >= self.latest.timestamp:
            self.latest = response

    def compact(self, boundary: CompactBoundary) -> None:
        self._touch(boundary.timestamp, boundary.project)
        if self.latest_compact is None or boundary.timestamp >= self.latest_compact.timestamp:
            self.latest_compact = boundary

    def mark(self) -> SessionMark:
        latest, compact = self.latest, self.latest_compact
        return SessionMark(
            session=self.session,
            project=self.project,
            model=latest.model if latest else None,
            first_ts=self.first,
            last_ts=self.last,
            context_tokens=latest.tokens.prompt if latest else None,
            context_ts=latest.timestamp if latest else None,
            compact_tokens=compact.post_tokens if compact else None,
            compact_ts=compact.timestamp if compact else None,
            max_context=self.max_context,
        )


def _session_from_path(path: Path) -> str:
    """The session a line without `sessionId` belongs to: the file's own name, or for a subagent
    file (`<session>/subagents/agent-x.jsonl`) the session folder's."""
    if path.parent.name == "subagents":
        return path.parent.parent.name
    return path.stem


def _is_complete_object(data: bytes) -> bool:
    stripped = data.strip()
    if stripped[:1] != b"{" or stripped[-1:] != b"}":
        return False
    try:
        orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return False
    return True


def _decode_failure(line: bytes) -> SkipReason:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return SkipReason.INVALID_UTF8
    return SkipReason.MALFORMED_JSON
