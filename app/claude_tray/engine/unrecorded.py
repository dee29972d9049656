"""The estimate of the calls no transcript records (`core.unrecorded`), in USD, per labelled time
range and per session. Always an estimate, shown beside the exact totals, never added to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from claude_tray.core.pricing import PriceTable
from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens
from claude_tray.core.unrecorded import TITLE_MODEL, Unrecorded, compaction_call, title_call
from claude_tray.storage.ledger import Ledger
from claude_tray.storage.ledger_rows import UnrecordedCall


class UnrecordedEstimate:
    """USD by range label and by session (only where there is something to estimate)."""

    __slots__ = ("by_label", "by_session")

    def __init__(self) -> None:
        self.by_label: dict[str, float] = {}
        self.by_session: dict[str, float] = {}

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
    """The estimate over labelled epoch ranges [start, end) (a call counts in the first range
    that holds it)."""
    result = UnrecordedEstimate()
    by_label: dict[str, float] = defaultdict(float)
    by_session: dict[str, float] = defaultdict(float)
    for call, cost in _priced_calls(ledger, prices, ranges):
        for label, first, last in ranges:
            if first <= call.at < last:
                by_label[label] += cost
                by_session[call.session] += cost
                break
    result.by_label, result.by_session = dict(by_label), dict(by_session)
    return result


def unrecorded_by_period(
    ledger: Ledger, prices: PriceTable, periods: Sequence[tuple[str, float, float]]
) -> dict[str, float]:
    """The estimate (USD) of each labelled period [start, end), where periods may overlap (a
    day, its week and its month): every period that holds a call counts it. One query for all;
    each sum is the one `unrecorded_estimate` gives for its period alone (same calls, same
    order)."""
    by_label = {label: 0.0 for label, _, _ in periods}
    for call, cost in _priced_calls(ledger, prices, periods):
        for label, first, last in periods:
            if first <= call.at < last:
                by_label[label] += cost
    return {label: round(value, 10) for label, value in by_label.items()}


def _priced_calls(
    ledger: Ledger, prices: PriceTable, ranges: Sequence[tuple[str, float, float]]
) -> Iterator[tuple[UnrecordedCall, float]]:
    """The unrecorded calls from the first range's start to the last one's end, in time order,
    with their estimated cost (those that cannot be priced left out)."""
    if not ranges:
        return
    start = min(r[1] for r in ranges)
    end = max(r[2] for r in ranges)
    for call in ledger.unrecorded(start, end):
        cost = call_cost(call, prices)
        if cost is not None:
            yield call, cost
