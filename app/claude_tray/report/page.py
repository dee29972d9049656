"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no network.

Every string that comes from the user or a transcript (projects, notes, tags, model ids) passes
through `html.escape`; numbers are ours. Pure: takes `ReportData`, returns the page's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from html import escape

from claude_tray import __version__
from claude_tray.core import formats as fmt
from claude_tray.core.levels import BudgetLevel
from claude_tray.core.sanitize import clean
from claude_tray.core.trends import Share
from claude_tray.report import svg
from claude_tray.report.data import BudgetStatus, ReportData
from claude_tray.report.groups import repository_name
from claude_tray.report.style import CSS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render(data: ReportData) -> str:
    tz = data.tz
    period = f"{fmt.day(data.first)} – {fmt.day(data.last)} {data.last.year}"
    made = datetime.fromtimestamp(data.generated_at, tz).strftime("%Y-%m-%d %H:%M")
    days = len(data.days)
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>Claude Code usage · {escape(period)}</title><style>{CSS}</style></head>"
        "<body><main>"
        f'<header><h1>Claude Code usage</h1><p class="sub">Last {days} days · {escape(period)}'
        f" · {escape(_zone(tz, data.generated_at))} · made {escape(made)}</p></header>"
    )
    body = _body(data, tz) if data.has_history else _empty()
    return head + body + _footer(data) + "</main></body></html>\n"


def _zone(tz: tzinfo, moment: float) -> str:
    """`Europe/Berlin`, or `UTC+01:00` for a zone without an IANA name (the machine's)."""
    name = str(tz)
    if "/" in name or name == "UTC":
        return name
    offset = datetime.fromtimestamp(moment, tz).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else name


def _empty() -> str:
    return (
        '<section class="card empty"><h2>No data yet</h2>'
        "<p>No Claude Code usage has been recorded yet. claude-tray reads the transcripts Claude "
        "Code writes (<code>~/.claude/projects</code>, or the folders in "
        "<code>CLAUDE_CONFIG_DIR</code>); this report fills in after your first session.</p>"
        "</section>"
    )


def _body(data: ReportData, tz: tzinfo) -> str:
    parts = [_kpis(data), _budgets(data), _daily(data)]
    parts.append(
        '<div class="grid">' + _today(data, tz) + _weekdays(data) + _hours(data) + "</div>"
    )
    breakdowns = [
        _breakdown("Cost by model", "model", data.by_model),
        _breakdown("Cost by project", "project", data.by_project),
    ]
    if data.by_category:
        breakdowns.append(_breakdown("Cost by category", "category", data.by_category))
    if data.by_machine:
        breakdowns.append(_breakdown("Cost by machine", "machine", data.by_machine))
    parts.append('<div class="grid">' + "".join(breakdowns) + "</div>")
    parts.append(_sessions(data, tz))
    parts.append(_agreement(data, tz))
    return "".join(parts)


# -- headline figures and budgets -----------------------------------------------------------------


def _kpis(data: ReportData) -> str:
    days = max(1, len(data.days))
    change = data.week_over_week
    mark = _mark(data.totals.unpriced_tokens)
    items = [
        ("Spent", fmt.money(data.totals.cost) + mark, f"in {days} days"),
        ("Per day", fmt.money(data.totals.cost / days) + mark, "average"),
        (
            "Last 7 days",
            fmt.money(change.current) + mark,
            f"{fmt.signed_percent(change.percent)} on the 7 before",
        ),
        ("Sessions", f"{data.session_count:,}", "with usage in the period"),
        (
            "Tokens",
            fmt.tokens(data.totals.tokens.total),
            f"{share_of(data.totals.tokens.cache_read, data.totals.tokens.total)} cache reads",
        ),
        ("Cache savings", fmt.money(data.totals.cache_savings), "against full input price"),
    ]
    if data.unrecorded_estimate > 0:
        items.append(
            (
                "Unrecorded calls",
                "~" + fmt.money(data.unrecorded_estimate),
                "estimate (session titles, /compact); not in Spent",
            )
        )
    cells = "".join(
        f'<div class="card kpi"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="note">{escape(note)}</div></div>'
        for label, value, note in items
    )
    return f'<section class="kpis" aria-label="Summary">{cells}</section>'


def _mark(unpriced_tokens: int) -> str:
    """`*` after a cost that leaves out tokens of models with no known price."""
    return "*" if unpriced_tokens else ""


def share_of(part: int, whole: int) -> str:
    return fmt.share(part / whole) if whole else "0%"


_LEVEL_CLASS = {BudgetLevel.OK: "ok", BudgetLevel.ALERT: "alert", BudgetLevel.OVER: "over"}


def _budgets(data: ReportData) -> str:
    return (
        '<section class="card"><h2>Budgets</h2><div class="budgets">'
        + "".join(_budget(b) for b in data.budgets)
        + "</div></section>"
    )


def _budget(status: BudgetStatus) -> str:
    spent = fmt.money(status.spent) + _mark(status.unpriced_tokens)
    if status.budget:
        fill = min(100.0, status.spent / status.budget * 100)
        line = f"{spent} of {fmt.money(status.budget)}"
        meter = (
            f'<div class="meter" role="img" aria-label="{escape(line)}">'
            f'<div class="fill {_LEVEL_CLASS[status.level]}" style="width:{fill:.1f}%">'
            "</div></div>"
        )
    else:
        line, meter = f"{spent} · no budget set", ""
    extra = ""
    if status.projection is not None:
        over = status.budget is not None and status.projection > status.budget
        extra = (
            f'<p class="note{" warn" if over else ""}">Month-end projection: '
            f"{fmt.money(status.projection)}</p>"
        )
    first, last = status.period.first, status.period.last
    period = fmt.short_day(first) + ("" if first == last else f" – {fmt.short_day(last)}")
    return (
        f'<div class="budget"><div class="label">{escape(status.name)} '
        f'<span class="muted">{escape(period)}</span></div>'
        f'<div class="value">{escape(line)}</div>{meter}{extra}</div>'
    )


# -- charts -----------------------------------------------------------------------------------


def _daily(data: ReportData) -> str:
    budget = data.daily_budget
    bars = [
        svg.Bar(
            fmt.short_day(d.day),
            d.cost,
            f"{fmt.day(d.day)}: {fmt.money(d.cost)}",
            mark="over" if budget is not None and d.cost > budget else "",
        )
        for d in data.days
    ]
    peak = max(data.days, key=lambda d: d.cost)
    latest = data.rolling[-1] if data.rolling else None
    desc = (
        f"Total {fmt.money(data.totals.cost)} over {len(data.days)} days; highest "
        f"{fmt.money(peak.cost)} on {fmt.day(peak.day)}. Line: 7-day average, "
        f"{fmt.money(latest)} per day at the end."
    )
    if budget:
        desc += f" Dashed line: daily budget {fmt.money(budget)}."
    title = f"Daily cost, {fmt.day(data.first)} to {fmt.day(data.last)}"
    charts = "".join(
        svg.column_chart(
            bars,
            title=title,
            desc=desc,
            axis=fmt.axis_money,
            line=data.rolling,
            line_text="7-day average",
            reference=budget,
            reference_text=f"Daily budget {fmt.money(budget)}",
            width=width,
            height=height,
            max_labels=labels,
            classes=f"chart {only}",
        )
        for width, height, labels, only in (
            (svg.WIDE_WIDTH, svg.WIDE_HEIGHT, 9, "wide-only"),
            (svg.COLUMN_WIDTH, 240, 4, "narrow-only"),
        )
    )
    legend = [
        '<span class="key bar"></span>Cost per day',
        '<span class="key average"></span>7-day average',
    ]
    if budget:
        legend.append('<span class="key reference"></span>Daily budget')
    rows = [
        (
            fmt.day(d.day),
            fmt.money(d.cost) + _mark(d.unpriced_tokens),
            fmt.money(avg),
            fmt.tokens(d.tokens.total),
        )
        for d, avg in zip(data.days, data.rolling, strict=True)
    ]
    table = _table("Daily cost", ("Day", "Cost", "7-day average", "Tokens"), rows, numeric=3)
    return (
        f'<section class="card"><h2>Daily cost</h2>{charts}'
        f'<p class="legend">{"".join(f"<span>{item}</span>" for item in legend)}</p>'
        f"{table}</section>"
    )


def _today(data: ReportData, tz: tzinfo) -> str:
    hours = data.today_hours
    labels = [datetime.fromtimestamp(h.start, tz).strftime("%H") for h in hours]
    bars = [
        svg.Bar(label if i % 3 == 0 else "", h.cost, f"{label}:00: {fmt.money(h.cost)}")
        for i, (label, h) in enumerate(zip(labels, hours, strict=True))
    ]
    spent = sum(h.cost for h in hours)
    busiest = max(range(len(hours)), key=lambda i: hours[i].cost)
    desc = f"{fmt.money(spent)} today"
    if spent > 0:
        desc += f"; the most at {labels[busiest]}:00 ({fmt.money(hours[busiest].cost)})"
    chart = svg.column_chart(
        bars, title=f"Cost by hour, {fmt.day(data.last)}", desc=desc + ".", axis=fmt.axis_money
    )
    rows = [
        (f"{label}:00", fmt.money(h.cost), fmt.tokens(h.tokens.total))
        for label, h in zip(labels, hours, strict=True)
        if h.tokens.total
    ]
    return (
        f'<section class="card"><h2>Today by hour</h2>{chart}'
        f"{_table('Cost by hour today', ('Hour', 'Cost', 'Tokens'), rows, numeric=1)}"
        "</section>"
    )


def _weekdays(data: ReportData) -> str:
    if not data.weekdays:
        return ""
    bars = [
        svg.Bar(WEEKDAYS[w], cost, f"{WEEKDAYS[w]}: {fmt.money(cost)} on average")
        for w, cost in data.weekdays
    ]
    desc = "; ".join(f"{WEEKDAYS[w]} {fmt.money(cost)}" for w, cost in data.weekdays)
    chart = svg.column_chart(
        bars, title="Average cost per weekday", desc=desc + ".", axis=fmt.axis_money
    )
    rows = [(WEEKDAYS[w], fmt.money(cost)) for w, cost in data.weekdays]
    return (
        f'<section class="card"><h2>Weekday averages</h2>{chart}'
        f"{_table('Average cost per weekday', ('Weekday', 'Average cost'), rows, numeric=1)}"
        "</section>"
    )


def _hours(data: ReportData) -> str:
    profile = data.hour_profile
    bars = [
        svg.Bar(
            f"{h:02d}" if h % 3 == 0 else "",
            cost,
            f"{h:02d}:00: {fmt.money(cost)} per day",
            mark="peak" if h in data.peak_hours else "",
        )
        for h, cost in enumerate(profile)
    ]
    peaks = ", ".join(f"{h:02d}:00" for h in data.peak_hours) or "none"
    chart = svg.column_chart(
        bars,
        title="Average cost by hour of day",
        desc=f"Peak hours: {peaks}.",
        axis=fmt.axis_money,
    )
    rows = [(f"{h:02d}:00", fmt.money(cost)) for h, cost in enumerate(profile) if cost]
    return (
        f'<section class="card"><h2>Peak hours</h2>'
        f'<p class="note">Busiest: {escape(peaks)}</p>{chart}'
        f"{_table('Average cost by hour of day', ('Hour', 'Per day'), rows, numeric=1)}"
        "</section>"
    )


def _breakdown(title: str, what: str, lines: Sequence[Share]) -> str:
    if not lines:
        return (
            f'<section class="card"><h2>{escape(title)}</h2>'
            '<p class="note">No usage in this period.</p></section>'
        )
    shown = list(lines[:8])
    bars = []
    for line in shown:
        figures = (
            f"{fmt.money(line.cost)}{_mark(line.unpriced_tokens)} · {fmt.share(line.cost_share)}"
        )
        name = clean(line.name)
        bars.append(svg.Bar(name, line.cost, f"{name}: {figures}", shown=figures))
    desc = "; ".join(f"{clean(line.name)} {fmt.money(line.cost)}" for line in shown)
    chart = svg.bar_list(bars, title=title, desc=desc + ".")
    rows = [
        (
            line.name,
            fmt.money(line.cost) + _mark(line.unpriced_tokens),
            fmt.share(line.cost_share),
            fmt.tokens(line.tokens) + ("*" if line.unpriced_tokens else ""),
        )
        for line in lines
    ]
    table = _table(title, (what.capitalize(), "Cost", "Share", "Tokens"), rows, numeric=1)
    return f'<section class="card"><h2>{escape(title)}</h2>{chart}{table}</section>'


# -- sessions, tables, footer -------------------------------------------------------------------


def _sessions(data: ReportData, tz: tzinfo) -> str:
    if not data.top_sessions:
        return ""
    rows = []
    for s in data.top_sessions:
        chips = "".join(f'<span class="tag">{escape(tag)}</span>' for tag in s.tags)
        chips = f'<div class="tags">{chips}</div>' if chips else ""
        note = f"<div>{escape(s.note)}</div>" if s.note else ""
        branch = f'<div class="muted">{escape(s.branch)}</div>' if s.branch else ""
        rows.append(
            f'<tr><td><div class="project">{escape(_project_label(s.project))}</div>{branch}</td>'
            f'<td class="meta">{escape(s.model_name or "—")}</td>'
            f'<td class="meta">{escape(fmt.moment(s.first, tz))}</td>'
            f'<td class="meta num">{escape(fmt.duration(s.duration))}</td>'
            f'<td class="num cost">{escape(fmt.money(s.cost) + _mark(s.unpriced_tokens))}</td>'
            f'<td class="notes">{chips}{note}</td></tr>'
        )
    head = "".join(
        f'<th scope="col"{_num(i, 3) if i < 5 else ""}>{h}</th>'
        for i, h in enumerate(("Project", "Model", "Started", "Duration", "Cost", "Notes"))
    )
    return (
        '<section class="card"><h2>Costliest sessions</h2><div class="scroll">'
        f'<table class="data sessions"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _agreement(data: ReportData, tz: tzinfo) -> str:
    """Our cost and context beside Claude Code's own figures, for the sessions its status line
    reported lately (the same comparison as `doctor`'s agreement section)."""
    report = data.agreement
    if report is None or not report.sessions:
        return ""
    rows = []
    for s in report.sessions:
        diff = "—" if s.cost_difference is None else f"{s.cost_difference * 100:+.1f}%"
        ours_ctx = "—" if s.our_context_percent is None else f"{s.our_context_percent:.0f}%"
        cc_ctx = (
            "—"
            if s.claude_code_context_percent is None
            else f"{s.claude_code_context_percent:.0f}%"
        )
        verdict = ("; ".join(s.causes) or "differs") if s.beyond_margin else "agrees"
        rows.append(
            f"<tr><td>{escape(_project_label(s.project or ''))}"
            f'<div class="muted">{escape(s.session_id[:8])} · '
            f"{escape(fmt.moment(s.seen_at, tz))}</div></td>"
            f'<td class="num">{escape(fmt.money(s.our_cost) + _mark(s.unpriced_tokens))}</td>'
            f'<td class="num">{escape(fmt.money(s.claude_code_cost))}</td>'
            f'<td class="num">{escape(diff)}</td>'
            f'<td class="num">{escape(ours_ctx)} / {escape(cc_ctx)}</td>'
            f'<td class="notes">{escape(verdict)}</td></tr>'
        )
    head = "".join(
        f'<th scope="col"{_num(i, 1) if i <= 4 else ""}>{h}</th>'
        for i, h in enumerate(
            ("Session", "Our cost", "Claude Code", "Difference", "Context ours / CC", "")
        )
    )
    margin = f"{report.margin * 100:.0f}%"
    return (
        '<section class="card"><h2>Agreement with Claude Code</h2>'
        f"<p class=\"note\">Each session's cost from its start to the moment Claude Code's "
        f"status line reported its own figure, and the context from the transcript beside Claude "
        f"Code's; {len(report.beyond)} of {len(report.sessions)} differ by more than {margin}."
        '</p><div class="scroll">'
        f'<table class="data agreement"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _project_label(key: str) -> str:
    return repository_name(key) if key else "unknown project"


def _table(
    caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: int = 1
) -> str:
    """The chart's numbers as a table, folded away under "Numbers" (columns from `numeric` on are
    right-aligned)."""
    head = "".join(
        f'<th scope="col"{_num(i, numeric)}>{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{_num(i, numeric)}>{escape(cell)}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">No usage.</td></tr>'
    return (
        f'<details><summary>Numbers</summary><div class="scroll"><table class="data">'
        f"<caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div></details>"
    )


def _num(index: int, numeric: int) -> str:
    return ' class="num"' if index >= numeric else ""


def _footer(data: ReportData) -> str:
    notes = [
        "Costs are at Anthropic's API list prices"
        + (f" as of {data.prices_as_of}" if data.prices_as_of else "")
        + "; on a subscription plan they show the value of what you used, not your bill."
    ]
    if data.totals.unpriced_tokens:
        notes.append(
            f"{fmt.tokens(data.totals.unpriced_tokens)} tokens of models with no known "
            "price are not in the costs (marked *)."
        )
    notes.append(
        "Cache savings: what the cache reads would have cost at the full input price, "
        "less what they cost."
    )
    notes.append(f"Made by claude-tray {__version__}.")
    return "<footer>" + "".join(f"<p>{escape(n)}</p>" for n in notes) + "</footer>"
