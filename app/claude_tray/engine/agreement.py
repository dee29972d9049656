"""Our figures beside Claude Code's own: does claude-tray agree with what Claude Code reports?

The status line sends, per session, Claude Code's running cost estimate (`cost.total_cost_usd`) and
its context percentage (`context_window.used_percentage`); the state file keeps the latest with the
moment it was seen. Like is compared with like: our cost of the same session id, from its start to
that moment (responses written later are not in Claude Code's figure yet), and our context from the
transcript alone (the status line's own figure would agree with itself), over Claude Code's window.

A session that differs by more than `MARGIN` is named with the likely cause when one is known.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from claude_tray.core.context import TranscriptContext, percent, window_size
from claude_tray.core.pricing import PriceTable
from claude_tray.core.snapshot import LiveFacts
from claude_tray.engine.unrecorded import unrecorded_estimate
from claude_tray.engine.usage import Total, priced_sums
from claude_tray.storage.ledger import Ledger, SessionMark

MARGIN = 0.05
"""Relative difference beyond which a session is called out (5%)."""
MIN_COST_GAP = 0.01
"""A cost gap below a cent is rounding, whatever its relative size."""
MIN_CONTEXT_GAP = 1.0
"""A context gap below one percentage point is rounding."""
SLACK_SECONDS = 2.0
"""A response written this long after the status line's figure may still be in it."""
US_PREMIUM = 1.1
"""Claude Code's cost includes a 1.1x premium for US-only inference since 2.1.239."""
CLEAR_RESTARTS = (2, 1, 211)
"""Since this version Claude Code's cost figure restarts at `/clear`."""
US_PREMIUM_SINCE = (2, 1, 239)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class SessionAgreement:
    session_id: str
    project: str | None
    seen_at: float
    """When the status line reported Claude Code's figures."""
    version: str | None
    """Claude Code's version at that moment."""
    our_cost: float
    claude_code_cost: float | None
    cost_difference: float | None
    """(ours - Claude Code's) / Claude Code's; None when not comparable."""
    our_context_percent: float | None
    claude_code_context_percent: float | None
    context_difference: float | None
    unpriced_tokens: int
    transcript_read: bool
    """Whether any transcript line of the session was read."""
    beyond_margin: bool
    causes: tuple[str, ...]
    unrecorded_estimate: float = 0.0
    """Our ESTIMATE of the calls no transcript records (`core.unrecorded`) until `seen_at`:
    Claude Code's figure counts them, ours (`our_cost`) cannot."""


@dataclass(frozen=True, slots=True)
class AgreementReport:
    margin: float
    sessions: tuple[SessionAgreement, ...]

    @property
    def beyond(self) -> tuple[SessionAgreement, ...]:
        return tuple(s for s in self.sessions if s.beyond_margin)


def compare(
    ledger: Ledger,
    prices: PriceTable,
    facts: Mapping[str, LiveFacts],
    margin: float = MARGIN,
    limit: int | None = None,
    transcripts: Mapping[str, str | None] | None = None,
) -> AgreementReport:
    """Every session the status line reported figures for (the `limit` latest), newest first.

    `transcripts`: each session's transcript path as its hooks named it, to tell a transcript
    that is not fully read yet (its file holds more bytes than the ledger has read)."""
    seen = sorted(
        (
            (sid, fact)
            for sid, fact in facts.items()
            if fact.context_at is not None
            and (fact.claude_code_cost is not None or fact.context_percent is not None)
        ),
        key=lambda item: -(item[1].context_at or 0.0),
    )
    if limit is not None:
        seen = seen[:limit]
    rows = _marks(ledger, [sid for sid, _ in seen])
    paths = {sid: (transcripts or {}).get(sid) for sid, _ in seen}
    out = [
        _one(ledger, prices, sid, fact, rows.get(sid), margin, _unread(ledger, paths.get(sid)))
        for sid, fact in seen
    ]
    return AgreementReport(margin, tuple(out))


def _marks(ledger: Ledger, ids: Sequence[str]) -> dict[str, SessionMark]:
    out: dict[str, SessionMark] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in ledger.sessions(list(ids[start : start + _CHUNK])):
            out[row.session] = row
    return out


def _unread(ledger: Ledger, transcript: str | None) -> int | None:
    """Bytes of the transcript beyond what the ledger has read; None when unknown."""
    if not transcript:
        return None
    try:
        size = os.stat(transcript).st_size
    except OSError:
        return None
    marks = ledger.file_marks([transcript, os.path.realpath(transcript)])
    if not marks:
        return None
    return max(0, size - max(mark.offset for mark in marks.values()))


def _one(
    ledger: Ledger,
    prices: PriceTable,
    session_id: str,
    fact: LiveFacts,
    row: SessionMark | None,
    margin: float,
    unread: int | None = None,
) -> SessionAgreement:
    seen_at = fact.context_at or 0.0
    total = Total()
    for item in priced_sums(
        ledger, prices, [("cc", 0.0, seen_at + SLACK_SECONDS)], (), [session_id]
    ):
        total.add(item)
    ours_percent = None
    if row is not None:
        context = TranscriptContext(
            row.context_tokens, row.context_ts, row.compact_tokens, row.compact_ts, row.max_context
        )
        window = fact.context_window or window_size(row.max_context, None)
        ours_percent = percent(context.tokens(), window)
    estimate = unrecorded_estimate(
        ledger, prices, [("cc", 0.0, seen_at + SLACK_SECONDS)]
    ).for_session(session_id)
    cost_diff = _relative(total.cost, fact.claude_code_cost)
    context_diff = _relative(ours_percent, fact.context_percent)
    cost_off = (
        fact.claude_code_cost is not None
        and abs(total.cost - fact.claude_code_cost) >= MIN_COST_GAP
        and (cost_diff is None or abs(cost_diff) > margin)
    )
    context_off = (
        ours_percent is not None
        and fact.context_percent is not None
        and abs(ours_percent - fact.context_percent) >= MIN_CONTEXT_GAP
        and (context_diff is None or abs(context_diff) > margin)
    )
    beyond = cost_off or context_off
    causes = (
        _causes(fact, row, total, seen_at, cost_off, context_off, unread, estimate)
        if beyond
        else ()
    )
    return SessionAgreement(
        session_id=session_id,
        project=(row.project if row is not None else None) or fact.project,
        seen_at=seen_at,
        version=fact.claude_code_version,
        our_cost=total.cost,
        claude_code_cost=fact.claude_code_cost,
        cost_difference=cost_diff,
        our_context_percent=ours_percent,
        claude_code_context_percent=fact.context_percent,
        context_difference=context_diff,
        unpriced_tokens=total.unpriced_tokens,
        transcript_read=row is not None,
        beyond_margin=beyond,
        causes=causes,
        unrecorded_estimate=estimate,
    )


def _relative(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None:
        return None
    if theirs == 0:
        return 0.0 if ours == 0 else None
    return (ours - theirs) / theirs


def _causes(
    fact: LiveFacts,
    row: SessionMark | None,
    total: Total,
    seen_at: float,
    cost_off: bool,
    context_off: bool,
    unread: int | None,
    estimate: float = 0.0,
) -> tuple[str, ...]:
    causes: list[str] = []
    theirs = fact.claude_code_cost
    version = version_tuple(fact.claude_code_version)
    if row is None:
        causes.append("transcript not read (not under a watched root, or no response written yet)")
    if unread:
        causes.append(f"transcript not fully read ({unread:,} bytes not read yet)")
    if total.unpriced_tokens:
        causes.append(f"a model we cannot price ({total.unpriced_tokens:,} tokens left out)")
    if cost_off and theirs is not None and total.cost > 0:
        ratio = theirs / total.cost
        if version is not None and version >= US_PREMIUM_SINCE and abs(ratio - US_PREMIUM) < 0.02:
            causes.append("Claude Code adds the 1.1x premium of US-only inference (since 2.1.239)")
        elif version is not None and version < CLEAR_RESTARTS and theirs > total.cost:
            causes.append(
                "before 2.1.211 Claude Code's figure ran on across /clear (it includes the "
                "conversation before it)"
            )
        elif version is not None and version >= CLEAR_RESTARTS and theirs < total.cost:
            causes.append("Claude Code's figure restarts at /clear (since 2.1.211)")
    if (
        cost_off
        and estimate > 0
        and theirs is not None
        and theirs > total.cost
        and abs(total.cost + estimate - theirs) <= max(MIN_COST_GAP, MARGIN * theirs)
    ):
        causes.append(
            f"calls no transcript records (session title, /compact summaries): about "
            f"${estimate:.2f} by our estimate"
        )
    if (
        not causes
        and row is not None
        and row.last_ts + 60.0 < seen_at
        and cost_off
        and theirs is not None
        and theirs > total.cost
    ):
        causes.append("transcript possibly not fully read (Claude Code's figure is newer)")
    if (
        context_off
        and row is not None
        and row.context_ts is not None
        and row.context_ts > seen_at + SLACK_SECONDS
    ):
        causes.append("the transcript has responses newer than Claude Code's figure")
    return tuple(causes)


_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def version_tuple(version: str | None) -> tuple[int, int, int] | None:
    match = _VERSION.match(version or "")
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)
