"""The estimate of the calls no transcript records (`core.unrecorded`), in USD, per labelled time
range and per session. Always an estimate, shown beside the exact totals, never added to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from claude_tray.core.pricing import PriceTable
from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens
from claude_tray.core.unrecorded import TITLE_MODEL, Unrecorded, compaction_call, title_call
from claude_tray.storage.ledger import Ledger
from claude_tray.storage.ledger_rows import UnrecordedCall


@dataclass
class UnrecordedEstimate:
    """USD by range label and by session (only where there is something to estimate)."""

    by_label: dict[str, float] = field(default_factory=dict)
    by_session: dict[str, float] = field(default_factory=dict)

    def for_label(self, label: str) -> float:
        return round(self.by_label.get(label, 0.0), 10)

    def for_session(self, session: str) -> float:
        return round(self.by_session.get(session, 0.0), 10)

    @property
    def total(self) -> float:
        return round(sum(self.by_label.values()), 10)


def call_cost(call: UnrecordedCall, prices: PriceTable) -> float | None:
    """The estimated USD of one unrecorded call; None when it cannot be priced."""
    tokens: Tokens | None
    model: str | None
    if call.kind == Unrecorded.TITLE:
        tokens, model = title_call(), TITLE_MODEL
    elif call.kind == Unrecorded.COMPACTION:
        tokens, model = compaction_call(call.pre_tokens, call.post_tokens), call.model
    else:
        return None
    if tokens is None or not model:
        return None
    price = prices.lookup(model)
    if price is None:
        return None
    return price.cost(tokens, speed=Speed.STANDARD, long_request=tokens.is_long_context, at=call.at)


def unrecorded_estimate(
    ledger: Ledger, prices: PriceTable, ranges: Sequence[tuple[str, float, float]]
) -> UnrecordedEstimate:
    """The estimate over labelled epoch ranges [start, end)."""
    result = UnrecordedEstimate()
    if not ranges:
        return result
    by_label: dict[str, float] = defaultdict(float)
    by_session: dict[str, float] = defaultdict(float)
    start = min(r[1] for r in ranges)
    end = max(r[2] for r in ranges)
    for call in ledger.unrecorded(start, end):
        cost = call_cost(call, prices)
        if cost is None:
            continue
        for label, first, last in ranges:
            if first <= call.at < last:
                by_label[label] += cost
                by_session[call.session] += cost
                break
    result.by_label, result.by_session = dict(by_label), dict(by_session)
    return result
