"""What claude-tray must report for the calls the mock logged, computed here by hand.

Prices of the models the real client asks for, USD per million tokens, from the pricing page;
written out here rather than taken from claude-tray's own table. The tests run Sonnet 4.5; Claude
Code sends its session-title request to Haiku 4.5 (seen with 2.1.90 and 2.1.197).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tests.e2e.mock_api import Call, Usage

PRICES = {
    "claude-sonnet-4-5": {
        "input": 3.0,
        "output": 15.0,
        "write_5m": 3.75,
        "write_1h": 6.0,
        "read": 0.30,
    },
    "claude-haiku-4-5": {
        "input": 1.0,
        "output": 5.0,
        "write_5m": 1.25,
        "write_1h": 2.0,
        "read": 0.10,
    },
}


def cost_of(usage: Usage, model: str = "claude-sonnet-4-5-20250929") -> float:
    [p] = [prices for family, prices in PRICES.items() if model.startswith(family)]
    return (
        usage.input_tokens * p["input"]
        + usage.output_tokens * p["output"]
        + usage.cache_write_5m * p["write_5m"]
        + usage.cache_write_1h * p["write_1h"]
        + usage.cache_read * p["read"]
    ) / 1_000_000


@dataclass(frozen=True)
class Totals:
    input: int
    output: int
    cache_creation: int
    cache_read: int
    cost: float

    @property
    def total_tokens(self) -> int:
        return self.input + self.output + self.cache_creation + self.cache_read

    def ccusage_fields(self) -> dict[str, int]:
        """The token fields of `daily --json` / `today --json`."""
        return {
            "inputTokens": self.input,
            "outputTokens": self.output,
            "cacheCreationTokens": self.cache_creation,
            "cacheReadTokens": self.cache_read,
            "totalTokens": self.total_tokens,
        }


def totals(calls: Iterable[Call]) -> Totals:
    chosen = list(calls)
    return Totals(
        input=sum(c.usage.input_tokens for c in chosen),
        output=sum(c.usage.output_tokens for c in chosen),
        cache_creation=sum(c.usage.cache_write_5m + c.usage.cache_write_1h for c in chosen),
        cache_read=sum(c.usage.cache_read for c in chosen),
        cost=sum(cost_of(c.usage, c.model) for c in chosen),
    )
