"""Five-hour usage blocks (the windows Claude's plan limits are counted in), burn rate, projection.

A block starts at the hour (UTC) of the first request after the previous block ended and lasts five
hours: [start, start + 5 h). A request at or after the end starts the next block. Because a block
starts and ends on whole hours, 15-minute buckets fall wholly inside one block, and a gap of more
than five hours always ends a block (the request after it is past the block's end).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from claude_tray.core.tokens import Tokens
from claude_tray.core.trends import Bucket, Sum

BLOCK_SECONDS = 5 * 3600
MIN_BURN_SECONDS = 60.0
"""Below this much activity a rate per hour means nothing: no burn rate is given."""


@dataclass(frozen=True, slots=True)
class Block:
    start: float
    end: float
    first: float
    last: float
    """The first and last request in the block."""
    tokens: Tokens
    cost: float
    unpriced_tokens: int
    messages: int
    active: bool
    """`now` falls inside the block."""
    burn_rate: float | None
    """Cost per hour between the first and the last request (None under a minute of activity)."""
    projected_cost: float | None
    """For the active block: its cost at the end if the burn rate holds."""


def five_hour_blocks(buckets: Iterable[Bucket], now: float) -> list[Block]:
    """The blocks the buckets fall in, oldest first."""
    blocks: list[Block] = []
    start = end = first = last = 0.0
    running: Sum | None = None
    for bucket in sorted(buckets, key=lambda b: b.start):
        if running is None or bucket.start >= end:
            if running is not None:
                blocks.append(_block(start, first, last, running, now))
            start = bucket.first // 3600 * 3600
            end = start + BLOCK_SECONDS
            first, last, running = bucket.first, bucket.last, Sum()
        running.add(bucket)
        first, last = min(first, bucket.first), max(last, bucket.last)
    if running is not None:
        blocks.append(_block(start, first, last, running, now))
    return blocks


def _block(start: float, first: float, last: float, running: Sum, now: float) -> Block:
    end = start + BLOCK_SECONDS
    active = start <= now < end
    elapsed = last - first
    rate = running.cost / (elapsed / 3600) if elapsed >= MIN_BURN_SECONDS else None
    projected = None
    if active:
        projected = running.cost + (rate or 0.0) * (end - now) / 3600
    return Block(
        start,
        end,
        first,
        last,
        running.tokens,
        running.cost,
        running.unpriced_tokens,
        running.messages,
        active,
        rate,
        projected,
    )
