"""History commands: `report`, `weekly`, `monthly`, `projects`, `categories`, `trends`, `blocks`,
`export`, `note`, `tag`, `compare`, `prune`, and `sessions --all` (called from `sessions`).

Every command prints a table, or JSON with `--json`. Strings from users and transcripts are made
safe for the terminal (`core.sanitize.clean`) before printing.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from claude_tray.cli.arguments import add_range, iso_date
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
from claude_tray.cli.shapes import model_breakdowns, token_fields, totals_json, unpriced_models
from claude_tray.cli.workspace import add_timezone_option, clock_for, open_workspace
from claude_tray.core import formats as fmt
from claude_tray.core.formats import count, counted, money
from claude_tray.core.periods import day_start
from claude_tray.core.sanitize import clean
from claude_tray.core.trends import GroupStats, percent_change
from claude_tray.engine.usage import Total
from claude_tray.engine.workspace import Workspace
from claude_tray.report import DEFAULT_DAYS, MAX_DAYS, write_report
from claude_tray.report.data import gather
from claude_tray.report.export import GROUPINGS, export_table, write_csv
from claude_tray.report.groups import (
    SessionTotal,
    group_sessions,
    repository_name,
    session_totals,
)
from claude_tray.report.views import compare_before, compare_tags, period_totals, recent_blocks
from claude_tray.runtime.reset import AmbiguousSession, session_id_for

MAX_NOTE = 2000
MAX_TAG = 64
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    report = _add(
        commands, common, "report", "write the usage report (HTML with charts)", run_report
    )
    _days(report, DEFAULT_DAYS)
    report.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write it (default: report.html in the data folder)",
    )
    report.add_argument("--open", action="store_true", help="open it in the default browser")

    for name, unit in (("weekly", "week"), ("monthly", "month")):
        parser = _add(commands, common, name, f"cost and tokens per {unit}", run_periods)
        add_range(parser)
        parser.set_defaults(unit=unit)

    for name, key in (("projects", "project"), ("categories", "category")):
        parser = _add(
            commands,
            common,
            name,
            f"cost per {key} (repository or folder)" if key == "project" else "cost per category",
            run_groups,
        )
        add_range(parser)
        parser.set_defaults(key=key)

    trends = _add(
        commands, common, "trends", "averages, week over week, habits, model mix", run_trends
    )
    _days(trends, DEFAULT_DAYS)

    blocks = _add(
        commands, common, "blocks", "five-hour windows with burn rate and projection", run_blocks
    )
    _days(blocks, 7)
    blocks.add_argument("--active", action="store_true", help="only the active block")

    export = _add(commands, common, "export", "usage rows as CSV or JSON", run_export)
    export.add_argument(
        "--format", choices=("csv", "json"), default=None, help="csv (default) or json (= --json)"
    )
    export.add_argument("--by", choices=GROUPINGS, default="day")
    export.add_argument("--output", type=Path, metavar="FILE", help="write here, not to stdout")
    add_range(export)

    note = _add(commands, common, "note", 'set a session\'s note ("" removes it)', run_note)
    note.add_argument("session", metavar="SESSION_ID", help="a session id or a unique prefix")
    note.add_argument("text")

    tag = _add(commands, common, "tag", "tag a session (or --remove a tag)", run_tag)
    tag.add_argument("session", metavar="SESSION_ID", help="a session id or a unique prefix")
    tag.add_argument("tags", metavar="TAG", nargs="+")
    tag.add_argument("--remove", action="store_true", help="take the tags off instead")

    compare = _add(
        commands, common, "compare", "sessions before/after a date, or by tag", run_compare
    )
    compare.add_argument(
        "--before",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="sessions started before this day against those from it on",
    )
    compare.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="a group of sessions with this tag (repeat; one tag: against the sessions without it)",
    )

    prune = _add(commands, common, "prune", "delete ledger history older than an age", run_prune)
    prune.add_argument(
        "--older-than",
        required=True,
        type=_age,
        metavar="AGE",
        help="e.g. 400d, 52w or 2y: messages and sessions older go",
    )


def _add(
    commands: Any, common: argparse.ArgumentParser, name: str, help_text: str, handler: Any
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, parents=[common], help=help_text)
    add_timezone_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def _days(parser: argparse.ArgumentParser, default: int) -> None:
    parser.add_argument(
        "--days",
        type=_day_count,
        default=default,
        metavar="N",
        help=f"the last N days, today included (default {default})",
    )


def _day_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, 1 to {MAX_DAYS}")
    return int(value)


_AGE = re.compile(r"^(\d+)([dwy]?)$")
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "y": 365}


def _age(value: str) -> int:
    """An age in days: `400d`, `400`, `52w`, `2y`."""
    match = _AGE.match(value.strip().lower())
    if not match or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"not an age such as 400d, 52w or 2y: {value!r}")
    return int(match.group(1)) * _UNIT_DAYS[match.group(2)]


def _check_range(args: argparse.Namespace) -> None:
    if args.since and args.until and args.since > args.until:
        raise CommandError("--since is after --until", EXIT_USAGE)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


def _table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    styles: Sequence[str | None] | None = None,
) -> None:
    _print(table(columns, rows, styles, color=use_color(sys.stdout)))


def _iso(moment: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(moment, tz).isoformat(timespec="seconds")


# -- report -----------------------------------------------------------------------------------


def run_report(args: argparse.Namespace) -> int:
    with open_workspace() as workspace:
        clock = clock_for(args, workspace)
        try:
            path = write_report(workspace, clock, args.days, args.output)
        except OSError as error:
            raise CommandError(f"cannot write the report: {error}") from None
    opened = _open_in_browser(path) if args.open else False
    if args.json:
        print_json({"path": str(path), "days": args.days, "opened": opened})
    else:
        _print(f"Report written to {path}")
    return 0


def _open_in_browser(path: Path) -> bool:
    try:
        from claude_tray.adapters.opener import open_path
    except ImportError:
        import webbrowser

        return webbrowser.open(path.resolve().as_uri())
    return open_path(path)


# -- weekly, monthly --------------------------------------------------------------------------


def run_periods(args: argparse.Namespace) -> int:
    _check_range(args)
    with open_workspace() as workspace:
        tz = clock_for(args, workspace).tz
        periods = period_totals(
            workspace, tz, args.unit, args.since, args.until, workspace.config.first_weekday
        )
    grand = Total()
    for period in periods:
        grand.absorb(period.total)
    if args.json:
        key = "weekly" if args.unit == "week" else "monthly"
        print_json(
            {
                key: [
                    {
                        args.unit: p.label,
                        **token_fields(p.total.tokens),
                        "totalCost": p.total.cost,
                        "unpricedTokens": p.total.unpriced_tokens,
                        "modelsUsed": sorted(p.total.models),
                        "modelBreakdowns": model_breakdowns(p.total),
                    }
                    for p in periods
                ],
                "totals": totals_json(grand),
            }
        )
        return 0
    if not periods:
        _print("No usage in this range.")
        return 0
    rows = [_token_row(p.label, p.total) for p in periods] + [_token_row("Total", grand)]
    _table(
        (Column("Week of" if args.unit == "week" else "Month"), *TOKEN_COLUMNS),
        rows,
        [None] * len(periods) + ["bold"],
    )
    _note_unpriced(grand.unpriced_tokens, unpriced_models(grand))
    return 0


def _note_unpriced(tokens: int, models: Sequence[str] = ()) -> None:
    note = unpriced_note(tokens, models)
    if note:
        _print(note)


def _token_row(label: str, total: Total) -> list[str]:
    return [label, *token_cells(total.tokens, total.cost, total.unpriced_tokens > 0)]


# -- projects, categories ---------------------------------------------------------------------


def run_groups(args: argparse.Namespace) -> int:
    _check_range(args)
    with open_workspace() as workspace:
        tz = clock_for(args, workspace).tz
        start, end = _bounds(args.since, args.until, tz)
        groups = group_sessions(session_totals(workspace, start, end), args.key)
    if args.json:
        key = "projects" if args.key == "project" else "categories"
        print_json(
            {
                key: [
                    {
                        args.key: g.key,
                        "name": g.label,
                        "sessions": g.sessions,
                        **token_fields(g.tokens),
                        "totalCost": g.cost,
                        "unpricedTokens": g.unpriced_tokens,
                        "lastActivity": _iso(g.last, tz),
                    }
                    for g in groups
                ]
            }
        )
        return 0
    if not groups:
        _print("No usage in this range.")
        return 0
    columns = (
        Column(args.key.capitalize(), shrink=True),
        Column("Sessions", right=True),
        Column("Tokens", right=True),
        Column("Cost", right=True),
        Column("Last activity", optional=True),
    )
    rows = [
        [
            clean(g.label),
            count(g.sessions),
            fmt.tokens(g.tokens.total),
            money(g.cost, g.unpriced_tokens > 0),
            fmt.moment(g.last, tz),
        ]
        for g in groups
    ]
    _table(columns, rows)
    _note_unpriced(sum(g.unpriced_tokens for g in groups))
    return 0


def _bounds(since: date | None, until: date | None, tz: tzinfo) -> tuple[float, float]:
    start = day_start(since, tz) if since else 0.0
    end = day_start(until + timedelta(days=1), tz) if until else float("inf")
    return start, end


# -- sessions --all ---------------------------------------------------------------------------


def run_sessions_all(args: argparse.Namespace) -> int:
    """`sessions --all [--tag NAME]`: every session with duration, cost, notes and tags."""
    with open_workspace() as workspace:
        tz = clock_for(args, workspace).tz
        sessions = sorted(session_totals(workspace), key=lambda s: -s.last)
    wanted = getattr(args, "tag", None)
    if wanted:
        sessions = [s for s in sessions if wanted in s.tags]
    if args.json:
        print_json({"sessions": [session_total_json(s, tz) for s in sessions]})
        return 0
    if not sessions:
        _print("No sessions." if not wanted else f"No sessions tagged {clean(wanted)!r}.")
        return 0
    columns = (
        Column("Started"),
        Column("Project", shrink=True),
        Column("Model", optional=True),
        Column("Duration", right=True),
        Column("Cost", right=True),
        Column("Tags", shrink=True, optional=True),
        Column("Note", shrink=True),
        Column("Session", optional=True),
    )
    rows = [
        [
            fmt.moment(s.first, tz),
            clean(_project_label(s)),
            s.model_name or "—",
            fmt.duration(s.duration),
            money(s.cost, s.unpriced_tokens > 0),
            clean(", ".join(s.tags)),
            clean(s.note or ""),
            s.session,
        ]
        for s in sessions
    ]
    _table(columns, rows)
    return 0


def _project_label(session: SessionTotal) -> str:
    return repository_name(session.project) if session.project else "unknown project"


def session_total_json(s: SessionTotal, tz: tzinfo) -> dict[str, Any]:
    return {
        "sessionId": s.session,
        "project": s.project or None,
        "folder": s.folder,
        "repository": s.repository,
        "branch": s.branch,
        "category": s.category,
        "model": s.model,
        "start": _iso(s.first, tz),
        "end": _iso(s.last, tz),
        "durationSeconds": round(s.duration),
        **token_fields(s.tokens),
        "cost": s.cost,
        "unpricedTokens": s.unpriced_tokens,
        "note": s.note,
        "tags": list(s.tags),
    }


# -- trends, blocks ---------------------------------------------------------------------------


def run_trends(args: argparse.Namespace) -> int:
    with open_workspace() as workspace:
        clock = clock_for(args, workspace)
        data = gather(workspace, clock, args.days)
    change = data.week_over_week
    if args.json:
        print_json(
            {
                "from": data.first.isoformat(),
                "to": data.last.isoformat(),
                "rollingAverage": data.rolling[-1] if data.rolling else None,
                "unpricedTokens": data.totals.unpriced_tokens,
                "daily": [
                    {
                        "date": d.day.isoformat(),
                        "cost": d.cost,
                        "unpricedTokens": d.unpriced_tokens,
                        "rollingAverage": avg,
                    }
                    for d, avg in zip(data.days, data.rolling, strict=True)
                ],
                "weekOverWeek": {
                    "current": change.current,
                    "previous": change.previous,
                    "changePercent": change.percent,
                },
                "weekdayAverages": [
                    {"weekday": WEEKDAY_NAMES[w], "cost": c} for w, c in data.weekdays
                ],
                "peakHours": data.peak_hours,
                "hourOfDay": [{"hour": h, "cost": c} for h, c in enumerate(data.hour_profile)],
                "modelMix": [
                    {
                        "model": m.name,
                        "cost": m.cost,
                        "costShare": m.cost_share,
                        "unpricedTokens": m.unpriced_tokens,
                        "tokens": m.tokens,
                        "tokenShare": m.token_share,
                    }
                    for m in data.by_model
                ],
            }
        )
        return 0
    latest = data.rolling[-1] if data.rolling else None
    unpriced = data.totals.unpriced_tokens > 0
    _print(f"Trends, {data.first.isoformat()} to {data.last.isoformat()}")
    _print(f"7-day average: {money(latest, unpriced)} per day")
    _print(
        f"Last 7 days: {money(change.current, unpriced)} ({fmt.signed_percent(change.percent)} "
        f"on the 7 before: {money(change.previous, unpriced)})"
    )
    peaks = ", ".join(f"{h:02d}:00" for h in data.peak_hours) or "none"
    _print(f"Peak hours: {peaks}")
    if data.weekdays:
        _print("")
        _table(
            [Column("Weekday"), Column("Average cost", right=True)],
            [[WEEKDAY_NAMES[w], money(c, unpriced)] for w, c in data.weekdays],
        )
        _print(
            f"(full days only: today, {WEEKDAY_NAMES[data.last.weekday()]}, counts once it is over)"
        )
    if data.by_model:
        _print("")
        _table(
            [
                Column("Model", shrink=True),
                Column("Cost", right=True),
                Column("Cost share", right=True),
                Column("Tokens", right=True),
                Column("Token share", right=True),
            ],
            [
                [
                    clean(m.name),
                    money(m.cost, m.unpriced_tokens > 0),
                    fmt.share(m.cost_share),
                    fmt.tokens(m.tokens),
                    fmt.share(m.token_share),
                ]
                for m in data.by_model
            ],
        )
    _note_unpriced(data.totals.unpriced_tokens)
    return 0


def run_blocks(args: argparse.Namespace) -> int:
    with open_workspace() as workspace:
        clock = clock_for(args, workspace)
        blocks = recent_blocks(workspace, clock, args.days)
    if args.active:
        blocks = [b for b in blocks if b.active]
    tz = clock.tz
    if args.json:
        print_json(
            {
                "blocks": [
                    {
                        "start": _iso(b.start, tz),
                        "end": _iso(b.end, tz),
                        "firstActivity": _iso(b.first, tz),
                        "lastActivity": _iso(b.last, tz),
                        "active": b.active,
                        **token_fields(b.tokens),
                        "cost": b.cost,
                        "unpricedTokens": b.unpriced_tokens,
                        "messages": b.messages,
                        "burnRatePerHour": b.burn_rate,
                        "projectedCost": b.projected_cost,
                        "minutesLeft": round((b.end - clock.now) / 60) if b.active else None,
                    }
                    for b in blocks
                ]
            }
        )
        return 0
    if not blocks:
        _print("No active block." if args.active else "No usage in these days.")
        return 0
    columns = (
        Column("Start"),
        Column("End"),
        Column("Tokens", right=True),
        Column("Cost", right=True),
        Column("Burn /h", right=True),
        Column("Projection", right=True),
    )
    rows = [
        [
            fmt.moment(b.start, tz),
            _block_end(b.start, b.end, tz),
            fmt.tokens(b.tokens.total),
            money(b.cost, b.unpriced_tokens > 0),
            money(b.burn_rate) if b.burn_rate is not None else "—",
            (money(b.projected_cost) + " (active)") if b.projected_cost is not None else "",
        ]
        for b in blocks
    ]
    _table(columns, rows, ["bold" if b.active else None for b in blocks])
    _note_unpriced(sum(b.unpriced_tokens for b in blocks))
    return 0


def _block_end(start: float, end: float, tz: tzinfo) -> str:
    """`19:00` when the block ends the day it starts; else with its date (`2026-11-25 03:00`)."""
    ends = datetime.fromtimestamp(end, tz)
    if ends.date() == datetime.fromtimestamp(start, tz).date():
        return ends.strftime("%H:%M")
    return fmt.moment(end, tz)


# -- export -----------------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    _check_range(args)
    if args.format == "csv" and args.json:
        raise CommandError("--format csv and --json disagree: give one of them", EXIT_USAGE)
    as_json = args.format == "json" or args.json
    with open_workspace() as workspace:
        tz = clock_for(args, workspace).tz
        exported = export_table(workspace, tz, args.by, args.since, args.until)
    if as_json:
        buffer = io.StringIO()
        print_json({"by": args.by, "rows": exported.records()}, buffer)
        content = buffer.getvalue()
    else:
        buffer = io.StringIO(newline="")
        write_csv(buffer, exported, shown=args.output is None)
        content = buffer.getvalue()
    if args.output is None:
        sys.stdout.write(content)
        return 0
    try:
        args.output.write_text(content, encoding="utf-8", newline="")
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from None
    print(f"Wrote {len(exported.rows)} rows to {args.output}", file=sys.stderr)
    return 0


# -- notes, tags ------------------------------------------------------------------------------


def session_id_arg(workspace: Workspace, wanted: str) -> str:
    """The session id `wanted` names exactly or as a unique prefix (`runtime.reset`'s one rule),
    or a usage error."""
    wanted = wanted.strip()
    if not wanted:
        raise CommandError("give a session id", EXIT_USAGE)
    try:
        found = session_id_for(workspace, {}, wanted)
    except AmbiguousSession as error:
        raise CommandError(f"{clean(str(error))}; give more of the id", EXIT_USAGE) from None
    if found is None:
        raise CommandError(
            f"no session {clean(wanted)!r} in the ledger (see `claude-tray sessions --all`)",
            EXIT_USAGE,
        )
    return found


def run_note(args: argparse.Namespace) -> int:
    note = args.text.strip()
    if len(note) > MAX_NOTE:
        raise CommandError(f"a note is at most {MAX_NOTE} characters", EXIT_USAGE)
    with open_workspace() as workspace:
        session = session_id_arg(workspace, args.session)
        workspace.ledger.set_note(session, note, clock_for(args, workspace).now)
    if args.json:
        print_json({"sessionId": session, "note": note or None})
    else:
        _print(f"Note {'set' if note else 'removed'} on {session}")
    return 0


def run_tag(args: argparse.Namespace) -> int:
    tags = [_checked_tag(tag) for tag in args.tags]
    with open_workspace() as workspace:
        session = session_id_arg(workspace, args.session)
        change = workspace.ledger.remove_tag if args.remove else workspace.ledger.add_tag
        changed = [tag for tag in tags if change(session, tag)]
        now_tags = workspace.ledger.tags().get(session, ())
    if args.json:
        print_json({"sessionId": session, "changed": changed, "tags": list(now_tags)})
    else:
        shown = ", ".join(clean(t) for t in now_tags) or "none"
        _print(f"Tags of {session}: {shown}")
    return 0


def _checked_tag(tag: str) -> str:
    tag = tag.strip()
    if not tag or len(tag) > MAX_TAG or clean(tag) != tag:
        raise CommandError(
            f"a tag is 1 to {MAX_TAG} printable characters: {clean(tag)!r}", EXIT_USAGE
        )
    return tag


# -- compare, prune ---------------------------------------------------------------------------


def run_compare(args: argparse.Namespace) -> int:
    if (args.before is None) == (not args.tag):
        raise CommandError("give either --before DATE or one or more --tag", EXIT_USAGE)
    tags = [_checked_tag(tag) for tag in args.tag]
    with open_workspace() as workspace:
        tz = clock_for(args, workspace).tz
        groups = (
            compare_before(workspace, tz, args.before)
            if args.before
            else compare_tags(workspace, tags)
        )
    if args.json:
        print_json({"groups": [_group_json(g) for g in groups]})
        return 0
    _print_comparison(groups)
    return 0


def _group_json(g: GroupStats) -> dict[str, Any]:
    return {
        "name": g.name,
        "sessions": g.sessions,
        "totalTokens": g.tokens,
        "totalCost": g.cost,
        "averageTokens": g.average_tokens,
        "averageCost": g.average_cost,
        "medianCost": g.median_cost,
    }


def _print_comparison(groups: Sequence[GroupStats]) -> None:
    metrics = (
        ("Sessions", lambda g: float(g.sessions), lambda v: count(int(v))),
        ("Average tokens", lambda g: g.average_tokens, lambda v: fmt.tokens(round(v))),
        ("Average cost", lambda g: g.average_cost, money),
        ("Median cost", lambda g: g.median_cost, money),
        ("Total cost", lambda g: g.cost, money),
    )
    two = len(groups) == 2
    columns = [Column(""), *(Column(clean(g.name), right=True) for g in groups)]
    if two:
        columns.append(Column("Change", right=True))
    rows = []
    for name, value, shown in metrics:
        row = [name, *(shown(value(g)) for g in groups)]
        if two:
            row.append(
                fmt.signed_percent(percent_change(value(groups[1]), value(groups[0])))
                if name not in ("Sessions", "Total cost")
                else ""
            )
        rows.append(row)
    _table(columns, rows)


def run_prune(args: argparse.Namespace) -> int:
    with open_workspace(ingest=False) as workspace:
        clock = clock_for(args, workspace)
        cutoff = clock.now - args.older_than * 86400
        removed = workspace.ledger.prune_before(cutoff)
    when = _iso(cutoff, clock.tz)
    if args.json:
        print_json({"before": when, "olderThanDays": args.older_than, "removed": removed})
        return 0
    _print(
        f"Removed from the ledger everything older than {when} ({args.older_than} days): "
        f"{counted(removed['messages'], 'message')}, {counted(removed['sessions'], 'session')}, "
        f"{counted(removed['notes'], 'note')}, {counted(removed['tags'], 'tag')}."
    )
    return 0
