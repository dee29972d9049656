"""Usage as rows for `claude-tray export`: per day, session, model or project, as CSV or JSON.

CSV follows RFC 4180 (the csv module: a header row, quoting where needed, CRLF line ends). A text
cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
carriage return) gets a leading apostrophe; numbers are written as numbers and never touched.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TextIO

from claude_tray.core.periods import day_start
from claude_tray.core.pricing import display_name
from claude_tray.core.sanitize import clean
from claude_tray.core.tokens import Tokens
from claude_tray.engine.usage import Total, day_ranges, history_dates, priced_sums, totals_by_label
from claude_tray.engine.workspace import Workspace
from claude_tray.report.groups import group_sessions, session_totals

GROUPINGS = ("day", "session", "model", "project")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.header, row, strict=True)) for row in self.rows]


def spreadsheet_safe(value: Cell) -> Cell:
    """A text cell that starts like a formula, prefixed with an apostrophe; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: TextIO, table: Table, shown: bool = False) -> None:
    """The table as CSV; `shown` (going to stdout, likely a terminal) passes every text cell
    through the sanitizer (`core.sanitize`); a file gets the names exactly as recorded."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_cell(cell, shown) for cell in row])


def _cell(cell: Cell, shown: bool) -> Cell:
    if cell is None:
        return ""
    return spreadsheet_safe(clean(cell) if shown and isinstance(cell, str) else cell)


_TOKEN_HEADER = [
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_read_tokens",
    "total_tokens",
    "cost_usd",
    "unpriced_tokens",
]


def _token_cells(tokens: Tokens, cost: float, unpriced: int) -> list[Cell]:
    return [
        tokens.input,
        tokens.output,
        tokens.cache_write,
        tokens.cache_read,
        tokens.total,
        round(cost, 6) if not unpriced or cost else None,
        unpriced,
    ]


def export_table(
    workspace: Workspace, tz: tzinfo, by: str, since: date | None = None, until: date | None = None
) -> Table:
    """The rows of one export. Raises ValueError for an unknown `by`."""
    start = day_start(since, tz) if since else 0.0
    end = day_start(until + timedelta(days=1), tz) if until else math.inf
    if by == "day":
        return _by_day(workspace, tz, since, until)
    if by == "model":
        return _by_model(workspace, start, end)
    if by == "session":
        return _by_session(workspace, tz, start, end)
    if by == "project":
        return _by_project(workspace, tz, start, end)
    raise ValueError(f"cannot export by {by!r}")


def _by_day(workspace: Workspace, tz: tzinfo, since: date | None, until: date | None) -> Table:
    header = ["date", *_TOKEN_HEADER, "models"]
    span = history_dates(workspace.ledger, tz)
    if span is None:
        return Table(header, [])
    first, last = max(since or span[0], span[0]), min(until or span[1], span[1])
    if first > last:
        return Table(header, [])
    totals = totals_by_label(
        priced_sums(workspace.ledger, workspace.prices, day_ranges(first, last, tz))
    )
    rows: list[list[Cell]] = [
        [
            day,
            *_token_cells(t.tokens, t.cost, t.unpriced_tokens),
            " ".join(sorted(t.models)),
        ]
        for day, t in sorted(totals.items())
    ]
    return Table(header, rows)


def _by_model(workspace: Workspace, start: float, end: float) -> Table:
    total = Total()
    for item in priced_sums(workspace.ledger, workspace.prices, [("range", start, end)]):
        total.add(item)
    rows: list[list[Cell]] = [
        [model, display_name(model), *_token_cells(t.tokens, t.cost, t.unpriced_tokens)]
        for model, t in sorted(total.models.items(), key=lambda kv: (-kv[1].cost, kv[0]))
    ]
    return Table(["model", "model_name", *_TOKEN_HEADER], rows)


def _by_session(workspace: Workspace, tz: tzinfo, start: float, end: float) -> Table:
    header = [
        "session",
        "project",
        "folder",
        "branch",
        "category",
        "model",
        "start",
        "end",
        "duration_seconds",
        *_TOKEN_HEADER,
        "note",
        "tags",
    ]
    rows: list[list[Cell]] = [
        [
            s.session,
            s.project,
            s.folder,
            s.branch,
            s.category,
            s.model,
            _iso(s.first, tz),
            _iso(s.last, tz),
            round(s.duration),
            *_token_cells(s.tokens, s.cost, s.unpriced_tokens),
            s.note,
            " ".join(s.tags),
        ]
        for s in sorted(session_totals(workspace, start, end), key=lambda s: s.first)
    ]
    return Table(header, rows)


def _by_project(workspace: Workspace, tz: tzinfo, start: float, end: float) -> Table:
    groups = group_sessions(session_totals(workspace, start, end), "project")
    rows: list[list[Cell]] = [
        [
            g.key,
            g.label,
            g.sessions,
            *_token_cells(g.tokens, g.cost, g.unpriced_tokens),
            _iso(g.last, tz),
        ]
        for g in groups
    ]
    return Table(["project", "name", "sessions", *_TOKEN_HEADER, "last_activity"], rows)


def _iso(moment: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(moment, tz).isoformat(timespec="seconds")
