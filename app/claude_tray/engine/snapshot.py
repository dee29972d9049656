"""Building the `Snapshot` (and the session list) from the ledger, the config and the live facts."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import NamedTuple

from claude_tray.core.context import ContextSource, TranscriptContext, percent, window_size
from claude_tray.core.levels import budget_level, level_for
from claude_tray.core.names import PeriodName
from claude_tray.core.pause import gate_holds
from claude_tray.core.periods import Period, day_period, month_period, week_period
from claude_tray.core.pricing import PriceTable, display_name, model_key
from claude_tray.core.snapshot import (
    CostLine,
    LiveFacts,
    SessionState,
    Snapshot,
    Spend,
    is_active,
    last_seen,
    plan_limits,
    project_name,
    urgency_order,
)
from claude_tray.engine.unrecorded import unrecorded_by_period
from claude_tray.engine.usage import Total, priced_sums, totals_by_group
from claude_tray.storage.config import Config
from claude_tray.storage.ledger import Ledger, SessionMark
from claude_tray.storage.state_index import StateFacts

ALL_TIME = ("all", 0.0, math.inf)
RECENT_S = 12 * 3600.0
"""Sessions whose last line is older than this (or than the active window) are not live."""


class Clock(NamedTuple):
    """The moment and the calendar a report is made for (core never reads the clock itself)."""

    now: float
    tz: tzinfo


def build_snapshot(
    ledger: Ledger,
    config: Config,
    prices: PriceTable,
    clock: Clock,
    facts: Mapping[str, LiveFacts] | None = None,
    data_found: bool = True,
    complete_since: float | None = None,
    history_read: float | None = None,
    with_sessions: bool = True,
) -> Snapshot:
    """`complete_since`: the ledger holds every line from then on, not all before (the rest of
    the history is still being read; `history_read` says how much is, 0..1). Without
    `with_sessions` (a caller that shows no session, `today`): the periods' spends only, no
    session and no plan limit (`facts` are not needed then)."""
    facts = facts or {}
    sessions = (
        live_sessions(ledger, config, prices, clock, facts, complete_since) if with_sessions else []
    )
    periods = {
        PeriodName.TODAY: day_period(clock.now, clock.tz),
        PeriodName.WEEK: week_period(clock.now, clock.tz, config.first_weekday),
        PeriodName.MONTH: month_period(clock.now, clock.tz),
    }
    unrecorded = unrecorded_by_period(
        ledger, prices, [(name, p.start, p.end) for name, p in periods.items()]
    )
    return Snapshot(
        taken_at=clock.now,
        today=spend(
            ledger, config, prices, PeriodName.TODAY, periods[PeriodName.TODAY], unrecorded
        ),
        week=spend(ledger, config, prices, PeriodName.WEEK, periods[PeriodName.WEEK], unrecorded),
        month=spend(
            ledger, config, prices, PeriodName.MONTH, periods[PeriodName.MONTH], unrecorded
        ),
        sessions=tuple(sorted(sessions, key=urgency_order)),
        data_found=data_found or bool(sessions),  # a session our status line reports is data
        limits=plan_limits(_with_limits(facts, clock.now), clock.now) if with_sessions else (),
        complete_since=complete_since,
        history_read=history_read,
    )


def live_sessions(
    ledger: Ledger,
    config: Config,
    prices: PriceTable,
    clock: Clock,
    facts: Mapping[str, LiveFacts],
    complete_since: float | None = None,
) -> list[SessionState]:
    """The active sessions (unsorted): those with recent transcript lines, and those only our
    hooks or status line saw lately."""
    window = config.context.active_minutes * 60.0
    since = clock.now - max(window, RECENT_S)
    recent = ledger.sessions(since=since)
    known = {row.session for row in recent}
    # Sessions our hooks or status line saw lately that no recent transcript line names: their
    # transcript is under no watched root, or they have not answered yet.
    lately = [sid for sid in _seen_since(facts, since) if sid not in known]
    candidates = [
        row
        for row in [*recent, *with_state_only(ledger, lately, facts)]
        if is_active(row.last_ts, facts.get(row.session), clock.now, window)
    ]
    sessions = session_states(ledger, config, prices, clock, candidates, facts, active=True)
    if complete_since is not None:
        first = {row.session: row.first_ts for row in candidates}
        sessions = [
            s._replace(cost_complete=first.get(s.session_id, 0.0) >= complete_since)
            for s in sessions
        ]
    return sessions


def _seen_since(facts: Mapping[str, LiveFacts], since: float) -> list[str]:
    """The sessions our hooks or status line saw at `since` or later, in order."""
    if isinstance(facts, StateFacts):  # from the summaries: no state file read
        return facts.seen_since(since)
    return [sid for sid, fact in facts.items() if last_seen(fact) >= since]


def _with_limits(facts: Mapping[str, LiveFacts], now: float) -> Iterable[LiveFacts]:
    """Facts among which `plan_limits` finds what it finds among all."""
    return facts.with_limits(now) if isinstance(facts, StateFacts) else facts.values()


def with_state_only(
    ledger: Ledger, session_ids: Sequence[str], facts: Mapping[str, LiveFacts]
) -> list[SessionMark]:
    """The ledger's marks of `session_ids`, and for those it has none of, a mark made from
    the session's state file (`hooked_only`)."""
    if not session_ids:
        return []
    rows = ledger.sessions(list(session_ids))
    found = {row.session for row in rows}
    return rows + [hooked_only(sid, facts[sid]) for sid in session_ids if sid not in found]


def hooked_only(session_id: str, fact: LiveFacts) -> SessionMark:
    """The mark of a session known only from its state file (the hooks or the status line saw
    it; no transcript line of it is read): its times from the hooks, no context from a
    transcript (the status line's figures, when it has reported, come from `fact`)."""
    seen = [t for t in (fact.started_at, fact.last_event_at, fact.context_at) if t is not None]
    return SessionMark(
        session=session_id,
        project=fact.project,
        model=fact.model,
        first_ts=min(seen, default=0.0),
        last_ts=max(seen, default=0.0),
        context_tokens=None,
        context_ts=None,
        compact_tokens=None,
        compact_ts=None,
        max_context=0,
    )


def spend(
    ledger: Ledger,
    config: Config,
    prices: PriceTable,
    name: PeriodName,
    period: Period,
    unrecorded: Mapping[str, float],
) -> Spend:
    """One period's cost with its budget, broken down by model and by project; `unrecorded`:
    the periods' estimates (`unrecorded_by_period`)."""
    sums = priced_sums(
        ledger, prices, [(name, period.start, period.end)], group_by=("project", "machine")
    )
    total = Total()
    for item in sums:
        total.add(item)
    budget = getattr(config.budgets, name.budget_key, None)
    return Spend(
        name=name,
        period=period,
        tokens=total.tokens,
        cost=total.cost,
        unpriced_tokens=total.unpriced_tokens,
        budget=budget,
        level=budget_level(total.cost, budget, config.budgets.alert_fraction),
        by_model=_lines([(display_name(m), t) for m, t in total.models.items()]),
        by_project=_lines([(project_name(p), t) for p, t in totals_by_group(sums).items()]),
        unrecorded_estimate=unrecorded[name],
        by_machine=_machine_lines(totals_by_group(sums, 1), config),
    )


def _machine_lines(totals: dict[str | None, Total], config: Config) -> tuple[CostLine, ...]:
    """A line per machine, this one by its name; none while this machine is the only one."""
    if set(totals) <= {""}:
        return ()
    from claude_tray.engine.sync import machine_name  # only with a sync folder's machines

    this = machine_name(config.sync.machine)
    return _lines([(machine or this, total) for machine, total in totals.items()])


def _lines(totals: Sequence[tuple[str, Total]]) -> tuple[CostLine, ...]:
    """Breakdown rows by display name; totals that share a name (a dated id and its alias, two
    folders called `app`) are added up."""
    merged: dict[str, Total] = {}
    for name, total in totals:
        into = merged.setdefault(name, Total())
        into.tokens = into.tokens + total.tokens
        into.cost += total.cost
        into.unpriced_tokens += total.unpriced_tokens
    lines = [CostLine(name, t.tokens, t.model_cost()) for name, t in merged.items()]
    return tuple(sorted(lines, key=lambda line: (-(line.cost or 0.0), -line.tokens.total)))


def session_states(
    ledger: Ledger,
    config: Config,
    prices: PriceTable,
    clock: Clock,
    rows: Sequence[SessionMark],
    facts: Mapping[str, LiveFacts],
    active: bool | None = None,
) -> list[SessionState]:
    """Each session's context, level and cost (all time, and since its last reset)."""
    if not rows:
        return []
    ids = [row.session for row in rows]
    costs = totals_by_group(priced_sums(ledger, prices, [ALL_TIME], ("session",), ids))
    states = []
    for row in rows:
        fact = facts.get(row.session, LiveFacts())
        total = costs.get(row.session, Total())
        since_reset = Total()
        if fact.reset_at is None:
            since_reset.absorb(total)
        else:
            for item in priced_sums(
                ledger, prices, [("reset", fact.reset_at, math.inf)], (), [row.session]
            ):
                since_reset.add(item, by_model=False)
        states.append(_session_state(config, clock, row, fact, total, since_reset, active))
    return states


def _session_state(
    config: Config,
    clock: Clock,
    row: SessionMark,
    fact: LiveFacts,
    total: Total,
    since_reset: Total,
    active: bool | None,
) -> SessionState:
    model = fact.model or row.model
    context = TranscriptContext(
        row.context_tokens, row.context_ts, row.compact_tokens, row.compact_ts, row.max_context
    )
    tokens = context.tokens()
    window = fact.context_window or window_size(row.max_context, _configured_window(config, model))
    pct = percent(tokens, window)
    source = ContextSource.TRANSCRIPT
    fresh = (
        fact.context_at is not None
        and fact.context_at >= max(row.context_ts or 0.0, row.compact_ts or 0.0) - 1.0
    )
    if fresh and (fact.context_percent is not None or fact.context_tokens is not None):
        source = ContextSource.STATUSLINE
        tokens = fact.context_tokens if fact.context_tokens is not None else tokens
        pct = fact.context_percent if fact.context_percent is not None else percent(tokens, window)
    level = level_for(pct, config.context.thresholds)
    last = max(row.last_ts, fact.last_event_at or 0.0)
    window_s = config.context.active_minutes * 60.0
    return SessionState(
        session_id=row.session,
        project=row.project or fact.project,
        model=model,
        model_name=display_name(model) if model else None,
        context_tokens=tokens,
        context_window=window,
        context_percent=pct,
        context_source=source,
        level=level,
        last_activity=last,
        cost=total.cost,
        unpriced_tokens=total.unpriced_tokens,
        cost_since_reset=since_reset.cost,
        unpriced_since_reset=since_reset.unpriced_tokens,
        claude_code_cost=fact.claude_code_cost,
        claude_code_context_percent=fact.context_percent,
        pause_mark=fact.paused,
        gated=gate_holds(fact.last_event_at is not None, config.auto_pause.enforce),
        active=is_active(row.last_ts, fact, clock.now, window_s) if active is None else active,
        machine=row.machine,
    )


def _configured_window(config: Config, model: str | None) -> int | None:
    windows = config.context.window
    if not model or not windows:
        return None
    if model in windows:
        return windows[model]
    key = model_key(model)
    for name, size in windows.items():
        if key is not None and model_key(name) == key:
            return size
    return None
