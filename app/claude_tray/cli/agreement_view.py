"""The "agreement" section of `doctor`: our cost and context beside Claude Code's own figures."""

from __future__ import annotations

from typing import Any

from claude_tray.cli.render import Column, table
from claude_tray.core.formats import money, percent, share, signed_share
from claude_tray.engine.agreement import AgreementReport, SessionAgreement

SHOWN = 20
"""Sessions beyond the margin listed in the text view (all of them in JSON)."""


def agreement_json(report: AgreementReport) -> dict[str, Any]:
    return {
        "margin": report.margin,
        "compared": len(report.sessions),
        "beyondMargin": len(report.beyond),
        "sessions": [_session_json(s) for s in report.sessions],
    }


def _session_json(s: SessionAgreement) -> dict[str, Any]:
    return {
        "sessionId": s.session_id,
        "project": s.project,
        "seenAt": s.seen_at,
        "claudeCodeVersion": s.version,
        "costUSD": round(s.our_cost, 6),
        "unrecordedEstimateUSD": round(s.unrecorded_estimate, 6),
        "claudeCodeCostUSD": s.claude_code_cost,
        "costDifference": _rounded(s.cost_difference),
        "contextPercent": _rounded(s.our_context_percent),
        "claudeCodeContextPercent": s.claude_code_context_percent,
        "contextDifference": _rounded(s.context_difference),
        "unpricedTokens": s.unpriced_tokens,
        "transcriptRead": s.transcript_read,
        "beyondMargin": s.beyond_margin,
        "likelyCauses": list(s.causes),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def agreement_lines(data: dict[str, Any]) -> list[str]:
    """The text of the section, from its JSON (what `doctor --json` prints)."""
    compared, beyond = data["compared"], data["beyondMargin"]
    margin = share(data["margin"])
    head = "Agreement with Claude Code's own figures (status line): "
    if not compared:
        return [head + "no session reported yet (install the status line: claude-tray hooks)"]
    lines = [head + f"{compared} sessions compared, {beyond} differ by more than {margin}"]
    rows = []
    for s in [s for s in data["sessions"] if s["beyondMargin"]][:SHOWN]:
        rows.append(
            [
                s["sessionId"][:8],
                money(s["costUSD"], s["unpricedTokens"] > 0),
                "—" if s["claudeCodeCostUSD"] is None else money(s["claudeCodeCostUSD"]),
                signed_share(s["costDifference"]),
                percent(s["contextPercent"]),
                percent(s["claudeCodeContextPercent"]),
                "; ".join(s["likelyCauses"]) or "unknown",
            ]
        )
    if rows:
        columns = (
            Column("Session"),
            Column("Ours", right=True),
            Column("Claude Code", right=True),
            Column("Diff", right=True),
            Column("Ctx ours", right=True),
            Column("Ctx CC", right=True),
            Column("Likely cause", shrink=True),
        )
        lines.extend("  " + line for line in table(columns, rows, color=False).splitlines())
    return lines
