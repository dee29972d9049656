"""Token counts by kind, and the totals derived from them (the one definition of each)."""

from __future__ import annotations

from typing import NamedTuple

LONG_CONTEXT_THRESHOLD = 200_000
"""A request whose prompt (input + cache writes + cache reads) exceeds this is long-context."""


def sizes(
    inp: int, out: int, cache_write_5m: int, cache_write_1h: int, cache_read: int
) -> tuple[int, int, bool]:
    """(`prompt`, `total`, `is_long_context`) of one response's counts: the one place they are
    worked out (a first read asks for all three once per line)."""
    prompt = inp + cache_write_5m + cache_write_1h + cache_read
    return prompt, prompt + out, prompt > LONG_CONTEXT_THRESHOLD


class Tokens(NamedTuple):
    """Tokens of one API response (or a sum of them), split by how they are billed.

    `+` adds kind by kind (it does not concatenate, unlike other tuples)."""

    input: int = 0
    output: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0

    @property
    def cache_write(self) -> int:
        """All cache writes (ccusage's `cacheCreationTokens`)."""
        return self.cache_write_5m + self.cache_write_1h

    def sizes(self) -> tuple[int, int, bool]:
        """(`prompt`, `total`, `is_long_context`) at once (`sizes`)."""
        return sizes(*self)

    @property
    def prompt(self) -> int:
        """What the model read for this request: input + cache writes + cache reads.

        This is the session's context after the response (output is not counted), and the figure
        the long-context price rule compares with 200k.
        """
        return self.sizes()[0]

    @property
    def total(self) -> int:
        """Every token of the request (prompt + output); the figure dedupe compares and
        `totalTokens` reports."""
        return self.sizes()[1]

    @property
    def is_long_context(self) -> bool:
        return self.sizes()[2]

    def __add__(self, other: tuple[int, ...]) -> Tokens:  # type: ignore[override]
        return Tokens(*(a + b for a, b in zip(self, other, strict=True)))
