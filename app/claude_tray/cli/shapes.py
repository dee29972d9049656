"""The JSON shapes the commands print (`--json`), each defined once.

Field names follow ccusage's where it has the same figure (`inputTokens`, `totalCost`, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from claude_tray.core.snapshot import PlanLimit, SessionState, Spend
from claude_tray.core.tokens import Tokens
from claude_tray.engine.usage import Total


def token_fields(tokens: Tokens) -> dict[str, int]:
    """ccusage's token field names (`cacheCreationTokens` = 5m + 1h writes)."""
    return {
        "inputTokens": tokens.input,
        "outputTokens": tokens.output,
        "cacheCreationTokens": tokens.cache_write,
        "cacheReadTokens": tokens.cache_read,
        "totalTokens": tokens.total,
    }


def model_breakdowns(total: Total) -> list[dict[str, Any]]:
    rows = [
        {"modelName": model, **token_fields(t.tokens), "cost": t.model_cost()}
        for model, t in total.models.items()
    ]
    return sorted(rows, key=lambda r: (-(r["cost"] or 0.0), r["modelName"]))


def unpriced_models(total: Total) -> list[str]:
    return sorted(m for m, t in total.models.items() if not t.priced)


def totals_json(total: Total) -> dict[str, Any]:
    """A total's tokens and cost, saying how many tokens the cost leaves out (no known price)."""
    return {
        **token_fields(total.tokens),
        "totalCost": total.cost,
        "unpricedTokens": total.unpriced_tokens,
        "unpricedModels": unpriced_models(total),
    }


def _hundredths(percent: float | None) -> float | None:
    return None if percent is None else round(percent, 2)


def session_json(
    state: SessionState, tz: tzinfo, unrecorded: float | None = None
) -> dict[str, Any]:
    """A session's JSON; with `unrecorded`, its `unrecordedEstimateUSD` (an estimate of the
    calls no transcript records, never part of `cost`)."""
    estimate = {} if unrecorded is None else {"unrecordedEstimateUSD": unrecorded}
    return {
        "sessionId": state.session_id,
        "project": state.project,
        "model": state.model,
        "contextTokens": state.context_tokens,
        "contextWindow": state.context_window,
        "contextPercent": _hundredths(state.context_percent),
        "contextSource": state.context_source.value,
        "level": state.level.label,
        "lastActivity": datetime.fromtimestamp(state.last_activity, tz).isoformat(),
        "cost": state.cost if not state.unpriced_tokens or state.cost else None,
        "unpricedTokens": state.unpriced_tokens,
        "costSinceReset": state.cost_since_reset,
        "unpricedTokensSinceReset": state.unpriced_since_reset,
        "claudeCodeCostUSD": state.claude_code_cost,
        "claudeCodeContextPercent": _hundredths(state.claude_code_context_percent),
        "paused": state.paused,
        "active": state.active,
        **({} if state.cost_complete else {"costPartial": True}),
        **estimate,
    }


def spend_json(spend: Spend, complete: bool = True) -> dict[str, Any]:
    """`"partial": true` when the history before today is still unread (`today` and `status` on
    a history not read yet read only what today needs)."""
    return {
        "start": spend.period.first.isoformat(),
        "end": spend.period.last.isoformat(),
        "cost": spend.cost,
        "unpricedTokens": spend.unpriced_tokens,
        "budget": spend.budget,
        "budgetLevel": spend.level.label,
        **({} if complete else {"partial": True}),
    }


_LIMIT_KEYS = {"five_hour": "fiveHour", "seven_day": "sevenDay"}


def limits_json(limits: Iterable[PlanLimit], tz: tzinfo) -> dict[str, Any]:
    """`{"limits": …}` from the snapshot's plan limits (the newest status line that reported
    them); `{}` when there are none."""
    shown = {
        _LIMIT_KEYS.get(limit.name, limit.name): {
            "usedPercent": limit.used_percent,
            "resetsAt": None
            if limit.resets_at is None
            else datetime.fromtimestamp(limit.resets_at, tz).isoformat(),
        }
        for limit in limits
    }
    return {"limits": shown} if shown else {}
