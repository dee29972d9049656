"""The sync folder's file format: one machine's counted responses, a day per segment file.

A sync folder (kept in step between machines by Syncthing, Dropbox, rsync, …) holds one folder per
machine; each claude-tray writes only into its own:

    <folder>/<machine>/2026-11-30.3.jsonl.gz

A segment holds every counted response of this machine on one UTC day, as gzip-compressed JSON
lines: a header object, then one array per response in `MessageRow` order (never message content).
A segment is never changed once written: when a day gains responses, the next version is written
to a temporary name, flushed, renamed into place, and only then is the older version removed. So a
sync tool that copies a file half-way, or copies files in any order, can never present a
half-written segment as complete: the gzip trailer (CRC and length) and the header's row count
reveal a partial copy, which the reader refuses and tries again on a later pass.

Anything else in a machine's folder is not ours to read: hidden and temporary files (a sync in
flight) are passed over, other names (a sync tool's conflict copy) are reported.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import msgspec

from claude_tray.core.bounds import EARLIEST, MAX_TOKENS
from claude_tray.core.tokens import Tokens
from claude_tray.storage.ledger_rows import MessageRow

FORMAT = "claude-tray-sync"
VERSION = 1
"""The segment format this claude-tray writes and reads; a higher one is refused, not guessed at."""

SUFFIX = ".jsonl.gz"
_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.([1-9]\d{0,8})\.jsonl\.gz$")
_MACHINE_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_SEGMENT_BYTES = 1 << 30
"""A segment larger than this (1 GiB uncompressed, ~6 million responses in a day) is refused."""

_Key = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_Time = Annotated[float, msgspec.Meta(ge=EARLIEST, lt=2.0**40)]
_Text = Annotated[str, msgspec.Meta(max_length=4096)]
_Model = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]
_Total = Annotated[int, msgspec.Meta(ge=0, le=5 * MAX_TOKENS)]
_Flag = Annotated[int, msgspec.Meta(ge=0, le=1)]
_SegmentRow = tuple[
    _Key, _Time, _Text | None, _Text | None, _Model,
    _Count, _Count, _Count, _Count, _Count, _Total, _Flag, _Flag, _Flag,
]  # fmt: skip
"""A row as `MessageRow`, every range checked by msgspec while decoding (in C)."""
_row_decoder = msgspec.json.Decoder(_SegmentRow)
_encoder = msgspec.json.Encoder()


class SegmentError(Exception):
    """A file in the sync folder that cannot be read as a complete segment; the message says why."""


class Header(msgspec.Struct, frozen=True):
    format: str
    version: int
    machine: str
    day: str
    rows: int


@dataclass(frozen=True, slots=True)
class SegmentName:
    day: int
    """UTC day number: days since 1970-01-01."""
    version: int

    @property
    def file_name(self) -> str:
        return f"{day_label(self.day)}.{self.version}{SUFFIX}"


def machine_folder_name(machine: str) -> str:
    """A machine's name as a folder name every OS and sync tool accepts."""
    name = _MACHINE_UNSAFE.sub("-", machine.strip()).strip(".-")
    return name[:64] or "machine"


def day_label(day: int) -> str:
    return date.fromordinal(day + _EPOCH_ORDINAL).isoformat()


def utc_day(ts: float) -> int:
    """The UTC day number of epoch time `ts`."""
    return int(ts // 86_400)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def parse_name(name: str) -> SegmentName | None:
    """The day and version a segment file's name gives, or None for any other name."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return SegmentName(day.toordinal() - _EPOCH_ORDINAL, int(match[4]))


def is_transient(name: str) -> bool:
    """A hidden or temporary file: ours being written, or a sync tool's file in flight."""
    lowered = name.lower()
    return name.startswith((".", "~")) or lowered.endswith(
        (".tmp", ".part", ".partial", ".crdownload", ".syncthing")
    )


def encode(machine: str, day: int, rows: Sequence[MessageRow]) -> bytes:
    """A segment's bytes (gzip-compressed JSON lines) for `rows`, all of UTC day `day`."""
    header = Header(FORMAT, VERSION, machine, day_label(day), len(rows))
    lines = [_encoder.encode(header)]
    lines.extend(_encoder.encode(tuple(row)) for row in rows)
    return gzip.compress(b"\n".join(lines) + b"\n", compresslevel=6, mtime=0)


def decode(data: bytes, day: int | None = None) -> tuple[Header, list[MessageRow]]:
    """A complete segment's header and rows. Raises `SegmentError` for anything less: a partial
    copy, another format or a newer version, a row count that does not match, or a row that is
    not a plausible counted response (one bad row refuses the whole segment: it was not written
    by a claude-tray, or it was damaged on the way)."""
    try:
        body = _gunzip(data)
    except (EOFError, OSError, zlib.error) as error:
        raise SegmentError(f"incomplete or damaged ({_reason(error)}): a sync in flight?") from None
    first, _, rest = body.partition(b"\n")
    try:
        header = msgspec.json.decode(first, type=Header)
    except msgspec.DecodeError:
        raise SegmentError("not a claude-tray sync segment (no header)") from None
    if header.format != FORMAT:
        raise SegmentError(f"not a claude-tray sync segment (format {header.format!r})")
    if header.version > VERSION:
        raise SegmentError(
            f"written by a newer claude-tray (segment format {header.version}; this one reads "
            f"{VERSION}): upgrade claude-tray on this machine"
        )
    try:
        raw = _row_decoder.decode_lines(rest)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise SegmentError(f"damaged row: {error}") from None
    if len(raw) != header.rows:
        raise SegmentError(f"holds {len(raw)} rows, its header says {header.rows}: damaged")
    start = -1.0 if day is None else day * 86_400.0
    end = 2.0**40 if day is None else start + 86_400.0
    for key, ts, _s, _p, _m, inp, out, w5, w1, read, total, _c, _f, _l in raw:
        if total != Tokens(inp, out, w5, w1, read).total:
            raise SegmentError(f"damaged row (key {key}): total does not match its parts")
        if not start <= ts < end:
            raise SegmentError(f"damaged row (key {key}): time outside the segment's day")
    return header, [MessageRow(*values) for values in raw]


def _gunzip(data: bytes) -> bytes:
    reader = zlib.decompressobj(wbits=31)  # gzip, with its CRC and length checked at the end
    body = reader.decompress(data, MAX_SEGMENT_BYTES + 1)
    if len(body) > MAX_SEGMENT_BYTES:
        raise OSError("larger than any real day")
    if not reader.eof:
        raise EOFError("ends before its gzip trailer")
    if reader.unused_data.strip(b"\0"):
        raise OSError("bytes after its gzip trailer")
    return body


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


def write_segment(folder: Path, name: SegmentName, data: bytes) -> Path:
    """Write a segment under its final name so that it appears there complete or not at all: a
    hidden temporary file in the same folder, flushed to disk, then renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name.file_name
    temporary = folder / f".{name.file_name}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def read_segment(path: Path) -> bytes:
    """A segment file's bytes; only regular files (a FIFO or device in the folder never blocks)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        import stat

        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise SegmentError("not a regular file")
        if info.st_size > MAX_SEGMENT_BYTES:
            raise SegmentError("larger than any real segment")
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def versions_in(folder: Path) -> dict[int, list[SegmentName]]:
    """The segments in one machine's folder, by day, oldest version first."""
    found: dict[int, list[SegmentName]] = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return found
    for file_name in names:
        name = parse_name(file_name)
        if name is not None:
            found.setdefault(name.day, []).append(name)
    for versions in found.values():
        versions.sort(key=lambda n: n.version)
    return found
