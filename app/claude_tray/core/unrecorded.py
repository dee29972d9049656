"""Calls Claude Code makes that no transcript records, and an ESTIMATE of what they cost.

Claude Code's own session cost (`cost.total_cost_usd`) counts two kinds of API call that never
reach a transcript, so every tool that reads transcripts misses them:

- the session-title request: sent once per interactive session, after the first typed prompt, to
  Haiku 4.5 (not the session's model), with a short fixed instruction and the prompt, uncached.
  The transcript shows only its result, an `ai-title` line (which carries no time).
- the summarising request of each compaction (`/compact` or auto-compact): the session's model
  reads the whole context again (the boundary's `preTokens`) plus its summarising instructions,
  and writes the summary that the compacted context (`postTokens`) is built from.

Measured with the real client (2.1.197) against a mock of the Messages API (tests/e2e): the
title request carried about 1.7k characters (about 450 tokens); the summarising request was the
last request of the conversation with about 6.1k characters (about 1.6k tokens) of instructions
appended, its cache breakpoint left on the conversation, so the earlier context is a cache read.
Older clients (2.1.90 seen) wrote the summarising call into an `agent-acompact-*` sidechain
transcript, where it is counted exactly, and their boundary has no `postTokens`: such a boundary
gets no estimate here. Neither is an exact figure: estimates are shown on their own, labelled,
never added to the exact totals.
"""

from __future__ import annotations

import enum

from claude_tray.core.tokens import Tokens

TITLE_MODEL = "claude-haiku-4-5"
TITLE_INPUT_TOKENS = 450
TITLE_OUTPUT_TOKENS = 15
COMPACT_INSTRUCTION_TOKENS = 1_600


class Unrecorded(enum.StrEnum):
    TITLE = "title"
    COMPACTION = "compaction"


def title_call() -> Tokens:
    """The session-title request, priced at `TITLE_MODEL`."""
    return Tokens(input=TITLE_INPUT_TOKENS, output=TITLE_OUTPUT_TOKENS)


def compaction_call(pre_tokens: int | None, post_tokens: int | None) -> Tokens | None:
    """The summarising request of one compaction, priced at the session's model: the context it
    re-reads (`pre_tokens`, from the prompt cache), its instructions (fresh input), and the
    summary it writes (`post_tokens` bounds it). None when the boundary lacks either figure (an
    older client, which records that call itself, or a boundary we cannot size)."""
    if pre_tokens is None or post_tokens is None:
        return None
    return Tokens(
        input=COMPACT_INSTRUCTION_TOKENS,
        output=max(0, post_tokens),
        cache_read=max(0, pre_tokens),
    )
