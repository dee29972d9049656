"""The ledger's rows as Python sees them, and the one rule that picks between two copies of a
message.

A message (one API response) can be written to several transcripts, or several times to one (a
streamed response is logged as it grows): all copies share a key, and the ledger keeps one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple


class FileMark(NamedTuple):
    """How far a transcript has been read, and which file that was: device + inode, and a
    fingerprint of its first bytes (a file rewritten in place, or deleted and made again with the
    same inode, keeps the inode but not its first bytes).

    A named tuple: a warm pass loads one per known transcript, thousands of them."""

    device: int
    inode: int
    size: int
    offset: int
    mtime_ns: int
    head_len: int = 0
    """How many first bytes the fingerprint covers (0: none taken yet, an older ledger's mark)."""
    head_hash: int = 0
    """64-bit hash of those bytes."""


class MessageRow(NamedTuple):
    """One counted message: a row of the ledger's `messages` table, columns in table order."""

    key: int
    """64-bit hash of message.id:requestId (or of the whole line when it has no id)."""
    ts: float
    """Epoch seconds, UTC."""
    session: str | None
    project: str | None
    model: str
    input: int
    output: int
    cache_write_5m: int
    cache_write_1h: int
    cache_read: int
    total: int
    sidechain: int
    fast: int
    long: int
    """1 when the prompt was above 200k tokens (the long-context price rule)."""


MESSAGE_COLUMNS = MessageRow._fields

MessageValues = tuple[
    int, float, str | None, str | None, str, int, int, int, int, int, int, int, int, int
]
"""A `MessageRow`'s values as a plain tuple (what crosses from a worker process)."""


class SessionMark(NamedTuple):
    """What one read pass learned of a session; merged into the ledger keeping the newest."""

    session: str
    project: str | None
    model: str | None
    first_ts: float
    last_ts: float
    context_tokens: int | None
    context_ts: float | None
    compact_tokens: int | None
    compact_ts: float | None
    max_context: int
    machine: str = ""
    """The machine of the sync folder whose responses these are; '' for this one."""


class FileRecord(NamedTuple):
    """What one read of a transcript found, to be stored all or nothing (`Ledger.record`)."""

    path: str
    mark: FileMark
    lines: int
    messages: Sequence[MessageValues]
    sessions: Sequence[SessionMark]
    skipped: dict[str, int]
    restarted: bool
    """Read from its first byte: what the ledger counted as skipped in it before goes."""
    earlier: bool = False
    """The file is older than every file read before (see the dedupe rule below)."""
    unrecorded: Sequence[UnrecordedRow] = ()


class UnrecordedRow(NamedTuple):
    """A sign in a transcript of a call that no transcript records (see `core.unrecorded`)."""

    key: int
    session: str
    kind: str
    ts: float | None
    pre_tokens: int | None
    post_tokens: int | None


class UnrecordedCall(NamedTuple):
    """An unrecorded call as the ledger gives it back: dated, with its session's model."""

    session: str
    kind: str
    at: float
    pre_tokens: int | None
    post_tokens: int | None
    model: str | None


# -- the dedupe rule ---------------------------------------------------------------------------
# Of two copies of a message, the one with more tokens wins (a streamed response's last copy); at
# equal tokens the main conversation's copy wins over a sidechain's; at a tie the copy in the
# earlier transcript wins (a resumed session's copy goes to the session it was copied from). Written
# once, as an ordering: the reader applies it in Python within a file, the ledger in SQL across
# files and passes. Files are read oldest first, so the copy kept first wins a tie; a pass that
# reads files older than every file read before (the rest of a history read today first, newest
# first) lets a tie replace (`UPSERT_EARLIER`), which comes to the same.

_RANK: tuple[tuple[str, int], ...] = (("total", 1), ("sidechain", -1))
"""Columns compared in turn, each with its direction (1: more wins, -1: less wins)."""


_RANK_AT = tuple((MESSAGE_COLUMNS.index(column), sign) for column, sign in _RANK)
_RANKED = itemgetter(*(at for at, _ in _RANK_AT))
"""The ranked columns' values: two copies equal in them have the same rank."""


def rank(row: MessageValues) -> tuple[int, ...]:
    """The copy with the higher rank is the one kept."""
    return tuple([sign * row[at] for at, sign in _RANK_AT])  # type: ignore[operator, misc]


def replaces(new: MessageValues, kept: MessageValues | None) -> bool:
    """Whether `new` is the copy to keep instead of `kept` (always, when nothing is kept yet)."""
    if kept is None:
        return True
    # Most copies of a message are equal in rank (a response logged once per content block):
    # told apart without building the ranks.
    return _RANKED(new) != _RANKED(kept) and rank(new) > rank(kept)


def replaces_sql(new: str, kept: str, earlier: bool = False) -> str:
    """The same test in SQL, for rows (or tables) named `new` and `kept`; `earlier`: `new` comes
    from a transcript older than the one `kept` came from, so it also wins a tie."""

    def side(name: str) -> str:
        return ", ".join(f"{'-' if sign < 0 else ''}{name}.{c}" for c, sign in _RANK)

    return f"({side(new)}) {'>=' if earlier else '>'} ({side(kept)})"


def _upsert_message(earlier: bool) -> str:
    """A message already in the ledger is replaced only by a copy the dedupe rule prefers; a
    local copy that wins over another machine's makes the message this machine's (`machine` =
    '', its default, is what `excluded.machine` holds for an insert that does not name it)."""
    return f"""
INSERT INTO messages ({", ".join(MESSAGE_COLUMNS)})
VALUES ({", ".join("?" * len(MESSAGE_COLUMNS))})
ON CONFLICT (key) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in MESSAGE_COLUMNS if c != "key")},
    machine = excluded.machine
WHERE {replaces_sql("excluded", "messages", earlier)}
"""


UPSERT_MESSAGE = _upsert_message(earlier=False)
UPSERT_EARLIER = _upsert_message(earlier=True)
"""For a file older than every file read before."""

# Every column keeps the newest value seen, whichever process and file order brought it.
UPSERT_SESSION = """
INSERT INTO sessions (session, project, model, first_ts, last_ts, context_tokens, context_ts,
                      compact_tokens, compact_ts, max_context)
VALUES (:session, :project, :model, :first_ts, :last_ts, :context_tokens, :context_ts,
        :compact_tokens, :compact_ts, :max_context)
ON CONFLICT (session) DO UPDATE SET
    project = CASE WHEN excluded.last_ts >= sessions.last_ts
                   THEN coalesce(excluded.project, sessions.project)
                   ELSE coalesce(sessions.project, excluded.project) END,
    model = CASE WHEN excluded.context_ts IS NOT NULL
                  AND (sessions.context_ts IS NULL OR excluded.context_ts >= sessions.context_ts)
                 THEN excluded.model ELSE sessions.model END,
    first_ts = min(sessions.first_ts, excluded.first_ts),
    last_ts = max(sessions.last_ts, excluded.last_ts),
    context_tokens = CASE WHEN excluded.context_ts IS NOT NULL
                  AND (sessions.context_ts IS NULL OR excluded.context_ts >= sessions.context_ts)
                 THEN excluded.context_tokens ELSE sessions.context_tokens END,
    context_ts = max(coalesce(sessions.context_ts, excluded.context_ts),
                     coalesce(excluded.context_ts, sessions.context_ts)),
    compact_tokens = CASE WHEN excluded.compact_ts IS NOT NULL
                  AND (sessions.compact_ts IS NULL OR excluded.compact_ts >= sessions.compact_ts)
                 THEN excluded.compact_tokens ELSE sessions.compact_tokens END,
    compact_ts = max(coalesce(sessions.compact_ts, excluded.compact_ts),
                     coalesce(excluded.compact_ts, sessions.compact_ts)),
    max_context = max(sessions.max_context, excluded.max_context)
"""


def session_params(mark: SessionMark) -> dict[str, object]:
    return {
        "session": mark.session,
        "project": mark.project,
        "model": mark.model,
        "first_ts": mark.first_ts,
        "last_ts": mark.last_ts,
        "context_tokens": mark.context_tokens,
        "context_ts": mark.context_ts,
        "compact_tokens": mark.compact_tokens,
        "compact_ts": mark.compact_ts,
        "max_context": mark.max_context,
    }
