"""Reading one transcript's new bytes into ledger rows: the part of ingest that runs in worker
processes on a first read of a history, so it imports only what reading needs (no SQLite).

A buffer of whole lines is decoded at once (`decode.decode_buffer`); a line of an unusual shape
(valid JSON the typed decoder refuses) is read by itself and the lines around it at once again,
and from a line that is not JSON at all the rest of the buffer is read line by line (`_scan`),
where only the lines that can matter are decoded and every other line is checked for the shape of
an object. All hand the decoded lines to the same interpretation (`core.transcript.
interpret_lines`), so they count the same (tests compare them).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

try:  # `hashlib.blake2b` itself, without `hashlib` loading OpenSSL (a few ms of every run)
    from _blake2 import blake2b
except ImportError:  # a Python built without its own BLAKE2
    from hashlib import blake2b

from claude_tray.core.bounds import latest_plausible
from claude_tray.core.records import CompactBoundary, SkipReason, Title
from claude_tray.core.transcript import USAGE_FIELDS, Item, interpret_lines
from claude_tray.core.unrecorded import Unrecorded
from claude_tray.engine.decode import (
    decode_buffer,
    decode_lines,
    is_json_object,
    line_items,
    not_an_object_reason,
)
from claude_tray.storage.ledger_rows import (
    FileMark,
    MessageValues,
    SessionMark,
    UnrecordedRow,
    replaces,
)
from claude_tray.storage.regular import open_regular

CHUNK = 8 << 20
LEAN_CHUNK = 1 << 20
"""The tray's reads (`ingest(lean=True)`): the lines of a chunk are decoded at once, into about
half the chunk's size of small objects; 1 MiB keeps that under half a megabyte, where 8 MiB left
~3 MB of Python's memory pools touched for good by one large transcript (measured)."""
MAX_LINE = 256 << 20
"""A longer line is skipped (counted) without being held in memory."""
HEAD_BYTES = 4096
"""A file's fingerprint covers this many of its first bytes (fewer while it is shorter)."""

# Read line by line, a line can only matter if it carries usage, is a compact boundary or a title:
# everything else (most bytes of a transcript are tool results and file contents) is checked for
# shape but never decoded. A JSON text can spell those names with escapes (`\u0075sage`): a line
# with an escape is decoded too, so the two ways of reading agree on every line.
_USAGE = b'"usage"'
_COMPACT = b"compact_boundary"
_TITLE = b'"ai-title"'
"""An `ai-title` line: a sign of a call no transcript records (`core.unrecorded`)."""
_ESCAPE = b"\\u"


@dataclass(slots=True)
class FileRead:
    """What reading one file's new bytes found (picklable: it may come from a worker process).

    `rows` are plain tuples in `MessageRow` column order: a worker sends hundreds of thousands of
    them, and a plain tuple crosses a process boundary several times faster than a named one."""

    path: str
    start: int
    mark: FileMark
    lines: int = 0
    responses: int = 0
    rows: list[MessageValues] = field(default_factory=list)
    sessions: list[SessionMark] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    problem: str | None = None
    unrecorded: list[UnrecordedRow] = field(default_factory=list)


def read_file(
    path: str, start: int, head: tuple[int, int] = (0, 0), chunk: int = CHUNK
) -> FileRead:
    """Parse the complete lines of `path` from byte `start` on (from 0 when its first bytes no
    longer match the fingerprint `head`), `chunk` bytes at a time. Never raises for I/O trouble:
    a file that cannot be read comes back with `problem` set."""
    reader = _FileReader(Path(path))
    try:
        with open_regular(path) as handle:  # a FIFO or device in its place must not block
            info = os.fstat(handle.fileno())
            if start and _fingerprint(handle, head[0]) != head:
                start = 0  # rewritten: a new file under the old name (and maybe inode)
            handle.seek(start)
            end = reader.read(handle, start, chunk)
            head_len, head_hash = _fingerprint(handle, min(HEAD_BYTES, end))
    except OSError as error:
        return FileRead(path, start, FileMark(0, 0, 0, 0, 0), problem=error.strerror or str(error))
    return FileRead(
        path=path,
        start=start,
        mark=FileMark(
            info.st_dev, info.st_ino, info.st_size, end, info.st_mtime_ns, head_len, head_hash
        ),
        lines=reader.lines,
        responses=reader.responses,
        rows=reader.message_rows(),
        sessions=reader.session_marks(),
        skipped=dict(reader.skipped),
        unrecorded=list(reader.unrecorded.values()),
    )


_strings: dict[str, str] = {}
"""One copy of each session id, folder and model this process has met: the rows a worker sends
then name each once (pickling shares an object met twice), and the receiver builds it once."""


class _FileReader:
    """Parses the complete lines of one file's new bytes into ledger rows and session marks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fallback_session = _session_from_path(path)
        self.latest = latest_plausible(time.time())
        """A line dated later than this is skipped (the edge's check, `core.bounds`)."""
        self.lines = 0
        self.responses = 0
        self.skipped: Counter[str] = Counter()
        self.rows: dict[object, MessageValues] = {}
        """The copy kept of each message, by its identity: (message id, request id), or the
        line itself (`line:` + bytes) for a response without an id. Hashed into the ledger's
        key once, when the message is first met."""
        self.unrecorded: dict[int, UnrecordedRow] = {}
        self._sessions: dict[str, _SessionAccumulator] = {}
        self._buffer: tuple[bytes | memoryview, list[bytes] | None] = (b"", None)

    def read(self, handle: object, start: int, size: int = CHUNK) -> int:
        """Consume from `start` to EOF, `size` bytes at a time; returns the offset after the last
        complete line."""
        offset = start
        pending = b""
        too_long = False
        read = handle.read  # type: ignore[attr-defined]
        while chunk := read(size):
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
                self._lines(data, last)
                offset += last + 1
                pending = data[last + 1 :]
            if len(pending) > MAX_LINE:
                self._skip(SkipReason.TOO_LONG)
                offset += len(pending)
                pending = b""
                too_long = True
        if pending and not too_long and is_json_object(pending):
            # A last line without its newline that is already a whole JSON object is complete.
            self._lines(pending, len(pending))
            offset += len(pending)
        return offset

    def _lines(self, data: bytes, stop: int) -> None:
        """Handle the lines of `data[:stop]`: all at once while each is a JSON object of the
        usual shape; a line of another shape is read by itself as `_scan` reads it (and so is
        the rest of a buffer holding a line that is not JSON at all)."""
        start = 0
        while start < stop:
            view = memoryview(data)[start:stop] if start or stop < len(data) else data
            parsed, refused = decode_buffer(view)
            if parsed is None:
                cut = None if refused is None else _nth_line(data, start, stop, refused)
                if cut is None:
                    self._scan(data, stop, start)
                    return
                begin, end = cut  # the lines before it have the usual shape
                parsed = decode_lines(memoryview(data)[start:begin]) if begin > start else []
                if parsed is None:  # cannot happen (msgspec stops at the first refused line)
                    self._scan(data, stop, start)
                    return
                view = memoryview(data)[start:begin]
            else:
                begin = end = stop
            items = interpret_lines(parsed, self.latest)
            lines = _lines_of(view, len(parsed)) if _keyed_by_line(items) else None
            if lines is False:  # its values are not one to a line: read as `_scan` reads it
                self._scan(data, begin, start)
            else:
                self.lines += len(parsed)
                self._buffer = (view, lines)
                self._take(items, None)
                self._buffer = (b"", None)
            if begin < stop:
                self._scan(data, end, begin)
            start = end + 1

    def _line_at(self, index: int) -> bytes:
        """The bytes of the line of the `index`-th value of the buffer `_lines` decoded at once
        (whose values it checked are one to a line, `_lines_of`)."""
        lines = self._buffer[1]
        assert lines is not None  # `_lines` took them for a response without id
        return lines[index]

    def _scan(self, data: bytes, stop: int, pos: int = 0) -> None:
        """Handle the lines of `data[pos:stop]` one by one, without splitting the buffer.

        Most bytes belong to lines that carry nothing we count (tool results, file contents): only
        lines holding `"usage"`, a compact boundary, a title or an escape are decoded; the others
        are checked for the shape of a JSON object (first and last byte) so that broken lines are
        still counted.
        """
        find = data.find
        marks = [find(marker, pos, stop) for marker in (_USAGE, _COMPACT, _TITLE, _ESCAPE)]
        while pos < stop:
            end = find(b"\n", pos, stop)
            if end < 0:
                end = stop
            if pos == end:
                pos += 1
                continue
            if any(0 <= at < end for at in marks):
                self.lines += 1
                self._decode(data[pos:end])
                for which, marker in enumerate((_USAGE, _COMPACT, _TITLE, _ESCAPE)):
                    if 0 <= marks[which] < end:
                        marks[which] = find(marker, end, stop)
            elif data[pos] != 123 or data[end - 1] != 125:  # not `{...}`: look closer
                line = data[pos:end].strip()
                if line:
                    self.lines += 1
                    if line[:1] != b"{" or line[-1:] != b"}":
                        self._skip(not_an_object_reason(line))
            else:
                self.lines += 1
            pos = end + 1

    def _decode(self, line: bytes) -> None:
        self._take(line_items(line, self.latest), line)

    def _skip(self, reason: SkipReason) -> None:
        self.skipped[reason.value] += 1

    def _take(self, items: list[Item], line: bytes | None) -> None:
        """Count what `interpret_lines` found in a buffer (`line`: the one line it was, or None
        for the lines of the buffer `_lines` decoded at once)."""
        rows = self.rows
        sessions = self._sessions
        fallback = self.fallback_session
        share = _strings.setdefault
        from_bytes = int.from_bytes
        responses = 0
        name, acc = None, None  # the session of the previous response (most lines share one)
        at_id = _MESSAGE_ID
        last: tuple[object, ...] = (None,) * (at_id + 1)  # the last response deduped
        for item in items:
            if type(item) is not tuple:
                if type(item) is CompactBoundary:
                    self._compact(item)
                elif type(item) is Title:
                    self._title(item)
                else:
                    self._skip(item)  # type: ignore[arg-type]
                continue
            (
                index,
                moment,
                session,
                project,
                model,
                inp,
                out,
                write_5m,
                write_1h,
                read,
                total,
                sidechain,
                fast,
                long_context,
                message_id,
                request_id,
                prompt,
                api_error,
            ) = item  # type: ignore[misc]  # a plain tuple: `UsageValues`
            responses += 1
            if session is None:
                session = fallback
            if session != name or acc is None:
                name = session
                acc = sessions.get(session)
                if acc is None:
                    acc = sessions[session] = _SessionAccumulator(session)
            # `_SessionAccumulator._touch` spelled out, with the newest main-conversation
            # context: this runs once per usage line.
            if moment < acc.first:
                acc.first = moment
            if moment >= acc.last:
                acc.last = moment
                acc.project = project or acc.project
            if not (sidechain or api_error):  # the main conversation's context
                if prompt > acc.max_context:
                    acc.max_context = prompt
                if moment >= acc.context_ts:
                    acc.context_ts = moment
                    acc.context_tokens = prompt
                    acc.model = model
            if not total and api_error:
                continue  # a client-side error costs nothing: no ledger row
            identity: object
            if message_id is not None:
                if message_id is last[at_id] and item[2:] == last[2:]:
                    # A copy equal to an earlier response but for its line and moment (its ids
                    # the same objects: `interpret_lines` gives a repeated line the values it
                    # gave the first): the row kept for their message ranks at least as high
                    # (it is that response's or won over it), so the copy cannot replace it.
                    continue
                last = item
                identity = (message_id, request_id)
            else:  # cannot be deduped: counted once as it stands, whichever pass reads it
                identity = b"line:" + (self._line_at(index) if line is None else line)
            kept = rows.get(identity)
            if kept is not None:
                # Another copy of a kept message (most usage lines: a streamed response is
                # logged once per content block, and most copies lose). The item holds a row's
                # values at a row's places (`UsageValues`), so it is compared as it stands;
                # only a copy that wins is built into a row, under the kept row's key.
                if not replaces(item, kept):  # type: ignore[arg-type]  # the ledger's rule too
                    continue
                key = kept[0]
            elif message_id is not None:  # `_hash`, spelled out
                key = from_bytes(
                    blake2b(f"{message_id}:{request_id or ''}".encode(), digest_size=8).digest(),
                    "big",
                    signed=True,
                )
            else:
                key = _hash(identity)  # type: ignore[arg-type]
            # `MessageRow`'s columns as a plain tuple, keyed once per message and with its
            # strings shared (see `FileRead`); the flags stored as exact ints (`+flag`): the
            # ledger's sqlite3 binds a bool through its slow adapt path (0.34 s against 0.20 s
            # for a first read's 203k rows, measured by store).
            rows[identity] = (
                key,
                moment,
                share(session, session),
                None if project is None else share(project, project),
                share(model, model),
                inp,
                out,
                write_5m,
                write_1h,
                read,
                total,
                +sidechain,
                +fast,
                +long_context,
            )
        self.responses += responses

    def _compact(self, boundary: CompactBoundary) -> None:
        session = boundary.session_id or self.fallback_session
        self._session(session).compact(boundary)
        if boundary.pre_tokens is not None and boundary.post_tokens is not None:
            # A resumed session's file repeats earlier lines under a new session id: the moment
            # and the figures identify the compaction.
            key = _hash(
                f"compaction:{boundary.timestamp}:{boundary.pre_tokens}:{boundary.post_tokens}".encode()
            )
            self.unrecorded[key] = UnrecordedRow(
                key,
                session,
                Unrecorded.COMPACTION.value,
                boundary.timestamp,
                boundary.pre_tokens,
                boundary.post_tokens,
            )

    def _title(self, title: Title) -> None:
        """An `ai-title` line: its session had a title request (one per session is counted)."""
        session = title.session_id or self.fallback_session
        key = _hash(b"title:" + session.encode("utf-8", "replace"))
        self.unrecorded[key] = UnrecordedRow(key, session, Unrecorded.TITLE.value, None, None, None)

    def message_rows(self) -> list[MessageValues]:
        """The rows kept, keyed, as plain tuples (see `FileRead`)."""
        if len(_strings) > 100_000:
            _strings.clear()
        return list(self.rows.values())

    def _session(self, session: str) -> _SessionAccumulator:
        acc = self._sessions.get(session)
        if acc is None:
            acc = self._sessions[session] = _SessionAccumulator(session)
        return acc

    def session_marks(self) -> list[SessionMark]:
        return [acc.mark() for acc in self._sessions.values()]


class _SessionAccumulator:
    """The newest context facts of one session within one read (a response's are taken in
    `_FileReader._take`)."""

    __slots__ = (
        "context_tokens",
        "context_ts",
        "first",
        "last",
        "latest_compact",
        "max_context",
        "model",
        "project",
        "session",
    )

    def __init__(self, session: str) -> None:
        self.session = session
        self.project: str | None = None
        self.first = float("inf")
        self.last = float("-inf")
        self.context_ts = float("-inf")
        """The newest main-conversation response's moment, prompt and model (none yet: -inf)."""
        self.context_tokens: int | None = None
        self.model: str | None = None
        self.latest_compact: CompactBoundary | None = None
        self.max_context = 0

    def _touch(self, moment: float, project: str | None) -> None:
        if moment < self.first:
            self.first = moment
        if moment >= self.last:
            self.last = moment
            self.project = project or self.project

    def compact(self, boundary: CompactBoundary) -> None:
        self._touch(boundary.timestamp, boundary.project)
        if self.latest_compact is None or boundary.timestamp >= self.latest_compact.timestamp:
            self.latest_compact = boundary

    def mark(self) -> SessionMark:
        compact = self.latest_compact
        return SessionMark(
            session=self.session,
            project=self.project,
            model=self.model,
            first_ts=self.first,
            last_ts=self.last,
            context_tokens=self.context_tokens,
            context_ts=None if self.context_tokens is None else self.context_ts,
            compact_tokens=compact.post_tokens if compact else None,
            compact_ts=compact.timestamp if compact else None,
            max_context=self.max_context,
        )


def _keyed_by_line(items: list[Item]) -> bool:
    """Whether a response without a message id is among `items` (its key is its line's bytes)."""
    for item in items:  # noqa: SIM110 (a plain loop: twice as fast as `any` over a generator)
        if type(item) is tuple and item[_MESSAGE_ID] is None:
            return True
    return False


_MESSAGE_ID = USAGE_FIELDS.index("message_id")


def _lines_of(data: bytes | memoryview, values: int) -> list[bytes] | Literal[False]:
    """The non-blank lines of a buffer `decode_lines` read as `values` values, when each holds
    one of them; else False. msgspec reads JSON values separated by any whitespace, so a line
    holding two objects (a lost newline, a lone `\r`) gives two values, and an object spread
    over lines one: the `n`-th value is then not the `n`-th line. Every line `{...}` means no
    value spans a line break (`}` then `{` cannot follow each other inside a JSON value, nor a
    raw newline stand in a string), so each line holds at least one value: exactly one when
    there are as many lines as values."""
    lines = [line for line in bytes(data).split(b"\n") if line.strip()]
    if len(lines) != values:
        return False
    for line in lines:
        line = line.strip()
        if line[:1] != b"{" or line[-1:] != b"}":
            return False
    return lines


def _nth_line(data: bytes, start: int, stop: int, n: int) -> tuple[int, int] | None:
    """(first byte, end) of the `n`-th non-blank line of `data[start:stop]`, None if there is
    none (the count of `decode_lines`, which leaves blank lines out)."""
    find = data.find
    pos = start
    while pos < stop:
        end = find(b"\n", pos, stop)
        if end < 0:
            end = stop
        if data[pos] == 123 or data[pos:end].strip():  # `{`: not blank (no copy of the line)
            if not n:
                return pos, end
            n -= 1
        pos = end + 1
    return None


def _fingerprint(handle: BinaryIO, length: int) -> tuple[int, int]:
    """(bytes, hash) of the first `length` bytes of the open file (fewer if it is shorter now)."""
    if length <= 0:
        return (0, 0)
    handle.seek(0)
    data = handle.read(length)
    return (len(data), _hash(data))


def _hash(data: bytes) -> int:
    """The ledger's 64-bit dedupe key (a collision among 10 million messages: ~3 in a million)."""
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "big", signed=True)


def _session_from_path(path: Path) -> str:
    """The session a line without `sessionId` belongs to: the file's own name, or for a subagent
    file (`<session>/subagents/agent-x.jsonl`) the session folder's."""
    if path.parent.name == "subagents":
        return path.parent.parent.name
    return path.stem
