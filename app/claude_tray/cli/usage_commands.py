"""`today`, `daily`, `sessions`, `status`: the numbers, as tables or as JSON (an exact contract)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from claude_tray.cli.arguments import add_range
from claude_tray.cli.errors import EXIT_USAGE, CommandError
from claude_tray.cli.render import (
    TOKEN_COLUMNS,
    Column,
    print_json,
    table,
    token_cells,
    unpriced_note,
    use_color,
)
from claude_tray.cli.shapes import (
    limits_json,
    model_breakdowns,
    session_json,
    spend_json,
    token_fields,
    totals_json,
    unpriced_models,
)
from claude_tray.cli.workspace import (
    add_timezone_option,
    clock_for,
    open_workspace,
    session_facts,
)
from claude_tray.core.formats import money, paint, percent
from claude_tray.core.periods import day_period
from claude_tray.core.snapshot import SessionState, Snapshot, Spend
from claude_tray.engine.snapshot import Clock, hooked_only, session_states
from claude_tray.engine.unrecorded import UnrecordedEstimate, unrecorded_estimate
from claude_tray.engine.usage import Total, day_ranges, history_dates, priced_sums, totals_by_label
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.budget_state import record_budget_state
from claude_tray.storage.lazy_log import LazyLogger

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

UNRECORDED_LABEL = "Unrecorded calls (title, /compact)"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    today = commands.add_parser(
        "today", parents=[common], help="today's cost and tokens, per model"
    )
    add_timezone_option(today)
    today.set_defaults(handler=run_today)

    daily = commands.add_parser("daily", parents=[common], help="cost and tokens per day")
    add_range(daily)
    daily.add_argument(
        "--breakdown",
        nargs="?",
        const="model",
        choices=("model", "machine"),
        help="a row per model (the default) or per machine under each day",
    )
    add_timezone_option(daily)
    daily.set_defaults(handler=run_daily)

    sessions = commands.add_parser(
        "sessions", parents=[common], help="sessions with their context and cost, newest first"
    )
    sessions.add_argument("--active", action="store_true", help="only the active sessions")
    sessions.add_argument(
        "--all", action="store_true", help="every session with its duration, cost, note and tags"
    )
    sessions.add_argument("--tag", metavar="NAME", help="only sessions with this tag (with --all)")
    add_timezone_option(sessions)
    sessions.set_defaults(handler=run_sessions)

    status = commands.add_parser("status", parents=[common], help="what the tray would show")
    add_timezone_option(status)
    status.set_defaults(handler=run_status)


# -- today ------------------------------------------------------------------------------------


def run_today(args: argparse.Namespace) -> int:
    with open_workspace(today_for=args) as workspace:
        clock = clock_for(args, workspace)
        period = day_period(clock.now, clock.tz)
        sums = priced_sums(
            workspace.ledger, workspace.prices, [("today", period.start, period.end)]
        )
        total = totals_by_label(sums).get("today", Total())
        # The budgets only: `today` shows no session.
        snapshot = workspace.snapshot(clock, with_sessions=False)
        unrecorded = snapshot.today.unrecorded_estimate  # the same day, estimated once
        record_budget_state(workspace.paths, snapshot.today, clock.now)
        from claude_tray.cli.warm_answer import note_answer  # loaded already when it is kept

        note_answer(workspace, clock.tz, (period.start, period.end))  # for a warm answer
    budgets = {
        spend.name: spend_json(spend, snapshot.is_complete(spend))
        for spend in (snapshot.today, snapshot.week, snapshot.month)
    }
    if args.json:
        print_json(
            {
                "date": period.first.isoformat(),
                **token_fields(total.tokens),
                "totalCost": total.cost,
                "unpricedTokens": total.unpriced_tokens,
                "unpricedModels": unpriced_models(total),
                "modelBreakdowns": model_breakdowns(total),
                "unrecordedEstimateUSD": unrecorded,
                "budgets": budgets,
            }
        )
        return 0
    color = use_color(sys.stdout)
    total_row, *model_rows = _token_rows("Total", total, breakdown=True)
    rows = [[name.strip(), *cells] for name, *cells in model_rows] + [total_row]
    columns = (Column("Model", shrink=True), *TOKEN_COLUMNS)
    print(f"Today, {period.first.isoformat()}")
    print(table(columns, rows, [None] * (len(rows) - 1) + ["bold"], color=color))
    for spend in (snapshot.today, snapshot.week, snapshot.month):
        if spend.budget is not None:
            line = (
                f"{spend.name.capitalize()} budget: {money(spend.cost)} of "
                f"{money(spend.budget)} ({spend.level.label}){_partial(snapshot, spend)}"
            )
            print(paint(line, spend.level.label, color))
    _print_unpriced(total)
    _print_unrecorded(unrecorded)
    return 0


def _token_rows(label: str, total: Total, breakdown: bool) -> list[list[str]]:
    """A row for `total`, then (with `breakdown`) one per model, costliest first."""
    rows = [[label, *token_cells(total.tokens, total.cost, not total.priced)]]
    if breakdown:
        models = sorted(total.models.items(), key=lambda m: (-(m[1].model_cost() or 0.0), m[0]))
        rows += [["  " + name, *token_cells(t.tokens, t.model_cost())] for name, t in models]
    return rows


def _print_unrecorded(amount: float) -> None:
    if amount > 0:
        print(f"{UNRECORDED_LABEL}: ~{money(amount)} (an estimate, not in the totals above)")


def _print_unpriced(total: Total) -> None:
    note = unpriced_note(total.unpriced_tokens, unpriced_models(total))
    if note:
        print(note)


# -- daily ------------------------------------------------------------------------------------


def daily_report(
    workspace: Workspace, tz: tzinfo, since: date | None, until: date | None
) -> list[tuple[str, Total]]:
    """Days with any usage between `since` and `until` (inclusive), oldest first."""
    span = history_dates(workspace.ledger, tz)
    if span is None:
        return []
    first = max(since, span[0]) if since else span[0]
    last = min(until, span[1]) if until else span[1]
    if first > last:
        return []
    sums = priced_sums(workspace.ledger, workspace.prices, day_ranges(first, last, tz))
    totals = totals_by_label(sums)
    return sorted(totals.items())


def machine_report(
    workspace: Workspace, tz: tzinfo, days: Sequence[str]
) -> dict[str, dict[str, Total]]:
    """Each of `days` (ISO dates) split by machine: day -> machine name -> total."""
    if not days:
        return {}
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    sums = priced_sums(
        workspace.ledger, workspace.prices, day_ranges(first, last, tz), ("machine",)
    )
    out: dict[str, dict[str, Total]] = {}
    for item in sums:
        machine = workspace.machine_label(item.group[0])
        out.setdefault(item.label, {}).setdefault(machine, Total()).add(item)
    return out


def machine_breakdowns(parts: dict[str, Total]) -> list[dict[str, Any]]:
    return [
        {"machine": machine, **token_fields(total.tokens), "totalCost": total.cost,
         "unpricedTokens": total.unpriced_tokens}
        for machine, total in sorted(parts.items())
    ]  # fmt: skip


def run_daily(args: argparse.Namespace) -> int:
    if args.since and args.until and args.since > args.until:
        raise CommandError("--since is after --until", EXIT_USAGE)
    # With --since, only the transcripts modified since that day are read (on a history not
    # read yet, the rest waits for a longer view): the days shown are exact either way.
    since_day = (args, args.since) if args.since else None
    with open_workspace(since_day=since_day) as workspace:
        clock = clock_for(args, workspace)
        days = daily_report(workspace, clock.tz, args.since, args.until)
        by_machine = (
            machine_report(workspace, clock.tz, [day for day, _ in days])
            if args.breakdown == "machine"
            else {}
        )
        unrecorded = (
            unrecorded_estimate(
                workspace.ledger,
                workspace.prices,
                day_ranges(
                    date.fromisoformat(days[0][0]), date.fromisoformat(days[-1][0]), clock.tz
                ),
            )
            if days
            else UnrecordedEstimate()
        )
    grand = Total()
    for _, total in days:
        grand.absorb(total)
    if args.json:
        print_json(
            {
                "daily": [
                    {
                        "date": day,
                        **token_fields(total.tokens),
                        "totalCost": total.cost,
                        "modelsUsed": sorted(total.models),
                        "modelBreakdowns": model_breakdowns(total),
                        "unpricedTokens": total.unpriced_tokens,
                        **(
                            {"machineBreakdowns": machine_breakdowns(by_machine.get(day, {}))}
                            if args.breakdown == "machine"
                            else {}
                        ),
                        "unrecordedEstimateUSD": unrecorded.for_label(day),
                    }
                    for day, total in days
                ],
                "totals": {**totals_json(grand), "unrecordedEstimateUSD": unrecorded.total},
            }
        )
        return 0
    rows: list[list[str]] = []
    styles: list[str | None] = []
    for day, total in days:
        day_rows = _token_rows(day, total, args.breakdown == "model")
        for machine, part in sorted(by_machine.get(day, {}).items()):
            day_rows.append(_token_rows(f"  {machine}", part, breakdown=False)[0])
        rows += day_rows
        styles += [None] + ["dim"] * (len(day_rows) - 1)
    rows += _token_rows("Total", grand, breakdown=False)
    styles.append("bold")
    columns = (Column("Date", shrink=True), *TOKEN_COLUMNS)
    if not days:
        print("No usage in this range.")
        return 0
    print(table(columns, rows, styles, color=use_color(sys.stdout)))
    _print_unpriced(grand)
    _print_unrecorded(unrecorded.total)
    return 0


# -- sessions and status ----------------------------------------------------------------------


def run_sessions(args: argparse.Namespace) -> int:
    if args.all or args.tag:
        from claude_tray.cli.report_commands import run_sessions_all  # the history commands' view

        return run_sessions_all(args)
    with open_workspace() as workspace:
        clock = clock_for(args, workspace)
        facts = session_facts(workspace)
        if args.active:
            states: Sequence[SessionState] = workspace.snapshot(clock, facts).sessions
            states = sorted(states, key=lambda s: -s.last_activity)
        else:
            rows = workspace.ledger.sessions()
            known = {row.session for row in rows}
            rows += [hooked_only(sid, fact) for sid, fact in facts.items() if sid not in known]
            rows.sort(key=lambda row: -row.last_ts)
            states = session_states(
                workspace.ledger, workspace.config, workspace.prices, clock, rows, facts
            )
        unrecorded = unrecorded_estimate(
            workspace.ledger, workspace.prices, [("all", 0.0, float("inf"))]
        )
    if args.json:
        print_json(
            {
                "sessions": [
                    session_json(s, clock.tz, unrecorded.for_session(s.session_id)) for s in states
                ]
            }
        )
        return 0
    _print_sessions(states, clock)
    return 0


def _print_sessions(states: Sequence[SessionState], clock: Clock) -> None:
    if not states:
        print("No sessions.")
        return
    color = use_color(sys.stdout)
    columns = (
        Column("Project", shrink=True),
        Column("Model"),
        Column("Context", right=True),
        Column("Level"),
        Column("Last activity", optional=True),
        Column("Cost", right=True),
        Column("CC cost", right=True, optional=True),
        Column("Session", optional=True),
    )
    rows = [
        [
            s.project_name,
            s.model_name or "—",
            percent(s.context_percent) + ("" if s.context_source.value == "statusline" else "~"),
            s.level.label + pause_note(s),
            datetime.fromtimestamp(s.last_activity, clock.tz).strftime("%Y-%m-%d %H:%M"),
            money(s.cost, s.unpriced_tokens > 0),
            "—" if s.claude_code_cost is None else money(s.claude_code_cost),
            s.session_id,
        ]
        for s in states
    ]
    styles = [s.level.label if s.level else None for s in states]
    print(table(columns, rows, styles, color=color))
    print("~ = estimated from the transcript; CC cost = Claude Code's own figure (status line)")
    note = unpriced_note(sum(s.unpriced_tokens for s in states))
    if note:
        print(note)


def _partial(snapshot: Snapshot, spend: Spend) -> str:
    return "" if snapshot.is_complete(spend) else " (so far: older history not read yet)"


def run_status(args: argparse.Namespace) -> int:
    with open_workspace(today_for=args) as workspace:
        clock = clock_for(args, workspace)
        snapshot = workspace.snapshot(clock, session_facts(workspace))
        record_budget_state(workspace.paths, snapshot.today, clock.now)
        if not snapshot.sessions and not snapshot.limits:  # for a warm answer (see there)
            from claude_tray.cli.warm_answer import note_answer

            note_answer(workspace, clock.tz, (clock.now, snapshot.today.period.end))
    if args.json:
        print_json(
            {
                "level": snapshot.level.label,
                "dataFound": snapshot.data_found,
                "today": {
                    "date": snapshot.today.period.first.isoformat(),
                    **spend_json(snapshot.today, snapshot.is_complete(snapshot.today)),
                },
                "week": spend_json(snapshot.week, snapshot.is_complete(snapshot.week)),
                "month": spend_json(snapshot.month, snapshot.is_complete(snapshot.month)),
                "sessions": [session_json(s, clock.tz) for s in snapshot.sessions],
                **limits_json(snapshot.limits, clock.tz),
            }
        )
        return 0
    color = use_color(sys.stdout)
    print(paint(f"Level: {snapshot.level.label}", snapshot.level.label, color))
    for spend in (snapshot.today, snapshot.week, snapshot.month):
        budget = f" of {money(spend.budget)} ({spend.level.label})" if spend.budget else ""
        print(
            f"{spend.name.label}: {money(spend.cost, spend.unpriced_tokens > 0)}{budget}"
            f"{_partial(snapshot, spend)}"
        )
    _print_sessions(snapshot.sessions, clock)
    return 0


def pause_note(session: SessionState) -> str:
    """After the level: ` (paused)` when a pause holds the session, ` (not paused)` when it is at
    the pause level with nothing to stop it."""
    if session.paused:
        return " (paused)"
    return " (not paused)" if session.pause_unheld else ""
