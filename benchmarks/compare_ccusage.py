#!/usr/bin/env python3
"""Compare claude-tray's daily report with ccusage 20's on the same history, day by day.

    python benchmarks/compare_ccusage.py --history DIR [--ccusage PATH] [--claude-tray CMD]
                                         [--ours manifest] [--tolerance 1e-4]

Runs ``claude-tray daily --json`` (fresh empty CLAUDE_TRAY_HOME) and ``ccusage daily --offline
--json``, both with CLAUDE_CONFIG_DIR=DIR, TZ=UTC and a scratch HOME, then checks per day:
inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens and totalTokens equal, and
totalCost within the relative tolerance (default 0.01%). Days with no tokens count as absent.
Prints every difference and exits 1 if there is any (2 if a tool could not run).

This is only meaningful on a history where the two tools agree by design: one written with
``generate_history.py --compat`` (identical usage on every streamed copy, no 1-hour cache writes,
no request above 200k, no fast mode). On a default history the differences are expected and
show where ccusage departs from the counting rules.

Other sources instead of running a tool:
  --theirs manifest     compare with DIR/manifest.json's correct totals instead of ccusage: checks
                        claude-tray against the counting rules on any generated history
  --ours manifest       use DIR/manifest.json (the generator's expected totals) as "ours";
                        checks the generator against ccusage, or ccusage against the rules
  --ours manifest-ccusage20
                        use the manifest's model of ccusage 20.0.24's measured behaviour (no
                        dedupe without requestId, per-kind 200k tiering for Sonnet 4.5): should
                        agree with ccusage on any generated history
  --ours-json FILE      a saved ``claude-tray daily --json`` output
  --ccusage-json FILE   a saved ``ccusage daily --json`` output
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from benchtools import (
    TOKEN_FIELDS,
    daily_rows,
    find_ccusage,
    find_claude_tray,
    isolated_env,
    run_measured,
)


def load_json(path: str) -> object:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def compare(
    ours: dict[str, dict],
    theirs: dict[str, dict],
    tolerance: float,
    names: tuple[str, str] = ("ours", "ccusage"),
) -> list[str]:
    """Human-readable differences between two {date: row} maps; empty when they agree."""
    problems = []
    na, nb = names
    for day in sorted(set(ours) | set(theirs)):
        a, b = ours.get(day), theirs.get(day)
        if a is None or b is None:
            problems.append(f"{day}: missing in {na if a is None else nb}")
            continue
        for key in TOKEN_FIELDS:
            x, y = int(a.get(key) or 0), int(b.get(key) or 0)
            if x != y:
                problems.append(f"{day}: {key} {na}={x:,} {nb}={y:,} diff={x - y:+,}")
        x, y = float(a.get("totalCost") or 0.0), float(b.get("totalCost") or 0.0)
        rel = abs(x - y) / max(abs(y), 1e-12) if (x or y) else 0.0
        if rel > tolerance:
            problems.append(f"{day}: totalCost {na}={x:.6f} {nb}={y:.6f} rel={rel:.3e}")
    return problems


def totals(rows: dict[str, dict]) -> dict[str, float]:
    out = {k: 0.0 for k in (*TOKEN_FIELDS, "totalCost")}
    for row in rows.values():
        for k in out:
            out[k] += float(row.get(k) or 0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    ap.add_argument("--history", required=True, help="history root (has projects/)")
    ap.add_argument(
        "--ccusage", help="ccusage program (default: /tmp/ccusage-bench install, then PATH)"
    )
    ap.add_argument(
        "--claude-tray",
        dest="claude_tray",
        help="claude-tray command, split like a shell (default: .venv/bin/claude-tray, then PATH)",
    )
    ap.add_argument(
        "--ours",
        choices=("claude-tray", "manifest", "manifest-ccusage20"),
        default="claude-tray",
        help="what to compare ccusage with (default: claude-tray); manifest-ccusage20 "
        "is the generator's model of ccusage 20.0.24's own behaviour",
    )
    ap.add_argument(
        "--theirs",
        choices=("ccusage", "manifest"),
        default="ccusage",
        help="what to compare with (default: ccusage); manifest = the generator's "
        "correct totals in DIR/manifest.json, to check claude-tray on any history",
    )
    ap.add_argument("--ours-json", help="saved claude-tray daily --json output to use instead")
    ap.add_argument("--ccusage-json", help="saved ccusage daily --json output to use instead")
    ap.add_argument(
        "--tolerance",
        type=float,
        default=1e-4,
        help="relative tolerance on totalCost per day (default 1e-4 = 0.01%%)",
    )
    ap.add_argument(
        "--timeout", type=float, default=1800, help="seconds per tool run (default 1800)"
    )
    ap.add_argument(
        "--keep-home", action="store_true", help="do not point HOME/XDG at a scratch folder"
    )
    ap.add_argument("--max-lines", type=int, default=60, help="differences to print (default 60)")
    args = ap.parse_args(argv)

    if not os.path.isdir(os.path.join(args.history, "projects")):
        ap.error(f"{args.history}/projects not found")
    with tempfile.TemporaryDirectory(prefix="ct-compare-") as scratch:
        # ---- ours
        if args.ours_json:
            ours_report, ours_name = load_json(args.ours_json), args.ours_json
        elif args.ours.startswith("manifest"):
            ours_name = os.path.join(args.history, "manifest.json")
            ours_report = load_json(ours_name)
            if args.ours == "manifest-ccusage20":
                ours_report = ours_report["ccusage20"]  # type: ignore[index]
                ours_name += " (ccusage20 model)"
        else:
            cmd = find_claude_tray(args.claude_tray)
            if not cmd:
                print(
                    "claude-tray not found (pass --claude-tray CMD or --ours manifest)",
                    file=sys.stderr,
                )
                return 2
            home = os.path.join(scratch, "tray-home")
            os.makedirs(home)
            env = isolated_env(args.history, scratch, home, args.keep_home)
            res = run_measured([*cmd, "daily", "--json"], env, args.timeout)
            if not res.ok or res.json() is None:
                print(
                    f"claude-tray failed (exit {res.exit_code}):\n{res.stderr[-2000:]}",
                    file=sys.stderr,
                )
                return 2
            ours_report, ours_name = res.json(), " ".join(cmd)
            print(f"claude-tray: {res.wall_s:.2f} s, {res.peak_rss_mb:.0f} MB peak RSS")
        # ---- ccusage
        if args.ccusage_json:
            their_report, their_name = load_json(args.ccusage_json), args.ccusage_json
        elif args.theirs == "manifest":
            their_name = os.path.join(args.history, "manifest.json")
            their_report = load_json(their_name)
        else:
            exe = find_ccusage(args.ccusage)
            if not exe:
                print(
                    "ccusage not found: install it with\n  mkdir -p /tmp/ccusage-bench && cd "
                    "/tmp/ccusage-bench && npm install ccusage@20.0.24 "
                    "@ccusage/ccusage-linux-x64@20.0.24",
                    file=sys.stderr,
                )
                return 2
            env = isolated_env(args.history, scratch, None, args.keep_home)
            res = run_measured([exe, "daily", "--offline", "--json"], env, args.timeout)
            if not res.ok or res.json() is None:
                print(
                    f"ccusage failed (exit {res.exit_code}):\n{res.stderr[-2000:]}", file=sys.stderr
                )
                return 2
            their_report, their_name = res.json(), exe
            print(f"ccusage: {res.wall_s:.2f} s, {res.peak_rss_mb:.0f} MB peak RSS")

    ours, theirs = daily_rows(ours_report), daily_rows(their_report)
    names = ("ours", "manifest" if args.theirs == "manifest" else "ccusage")
    print(f"{names[0]}: {ours_name} ({len(ours)} days)")
    print(f"{names[1]}: {their_name} ({len(theirs)} days)")
    a, b = totals(ours), totals(theirs)
    print(f"{'':20s} {names[0]:>20s} {names[1]:>20s}")
    for k in (*TOKEN_FIELDS, "totalCost"):
        print(
            f"{k:20s} {a[k]:20,.6f} {b[k]:20,.6f}"
            if k == "totalCost"
            else f"{k:20s} {a[k]:20,.0f} {b[k]:20,.0f}"
        )
    problems = compare(ours, theirs, args.tolerance, names)
    if not problems:
        print(f"OK: {len(ours)} days agree (tokens exact, cost within {args.tolerance:.2%})")
        return 0
    print(f"DIFFERENT: {len(problems)} difference(s)")
    for line in problems[: args.max_lines]:
        print("  " + line)
    if len(problems) > args.max_lines:
        print(f"  ... {len(problems) - args.max_lines} more")
    return 1


if __name__ == "__main__":
    sys.exit(main())
