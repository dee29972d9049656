#!/usr/bin/env python3
"""Benchmark claude-tray against ccusage 20 on one history, in one run.

    python benchmarks/run_benchmark.py --history DIR [--ccusage PATH] [--claude-tray CMD]
                                       [--repeat N] [--json-out FILE]

Steps, all with CLAUDE_CONFIG_DIR=DIR, TZ=UTC and a scratch HOME (so neither tool sees the
user's own data):
  a. cold   ``claude-tray daily --json`` with a fresh, empty CLAUDE_TRAY_HOME
  b. warm   ``claude-tray today --json`` on the same home, nothing new; --repeat times, median
  c. append one new assistant line to the largest main transcript, then ``claude-tray today
     --json`` (--append-repeat times, one new line each, median); the appended usage is checked
     in a warm ``daily --json`` afterwards. Hook: one more appended line is read by
     ``claude-tray doctor --json`` and its ingest figures (``ingestMs``/``ingest_ms``, bytes and
     lines read) are reported when the CLI exposes them. The transcript is restored afterwards.
  d. ``ccusage daily --offline --json`` when ccusage is found (see README.md to install it)

For each step: wall seconds and the child's peak RSS (ru_maxrss from os.wait4). Prints a
Markdown table (plus history size and file count and the ratio ccusage / cold) and, with
--json-out, writes the figures as JSON. The issue's targets are shown for reference only; this
script asserts nothing. Transcripts are read once beforehand (--no-prewarm to skip) so both tools
start with the same page cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid as uuidlib
from typing import Any

from benchtools import (
    RunResult,
    daily_rows,
    find_ccusage,
    find_claude_tray,
    fmt_mb,
    history_stats,
    isolated_env,
    prewarm,
    run_measured,
)

APPEND_OUTPUT_TOKENS = 4242  # distinctive, to find the appended usage in the daily report


# ---- the appended line -----------------------------------------------------------------------
def largest_main_transcript(history: str) -> str | None:
    best, size = None, -1
    for root, _dirs, names in os.walk(os.path.join(history, "projects")):
        if os.sep + "subagents" in root:
            continue
        for name in names:
            if name.endswith(".jsonl") and not name.startswith("agent-"):
                path = os.path.join(root, name)
                s = os.path.getsize(path)
                if s > size:
                    best, size = path, s
    return best


def last_assistant(path: str, tail_bytes: int = 4 << 20) -> dict[str, Any] | None:
    """The last parseable main-chain assistant line with usage in the file's tail."""
    with open(path, "rb") as fh:
        fh.seek(max(0, os.path.getsize(path) - tail_bytes))
        lines = fh.read().split(b"\n")
    for raw in reversed(lines):
        if b'"type":"assistant"' not in raw or b'"usage"' not in raw:
            continue
        try:
            d = json.loads(raw)
        except ValueError:
            continue
        if d.get("message", {}).get("model") != "<synthetic>" and not d.get("isSidechain"):
            return d
    return None


def make_line(template: dict[str, Any] | None, now_ms: int) -> bytes:
    """A brand-new response (new message.id and requestId) in the shape Claude Code writes."""
    t = template or {}
    msg = t.get("message", {})
    u = msg.get("usage", {})
    context = (
        u.get("input_tokens", 0)
        + u.get("cache_creation_input_tokens", 0)
        + u.get("cache_read_input_tokens", 0)
    )
    hexid = uuidlib.uuid4().hex
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now_ms // 1000)) + f".{now_ms % 1000:03d}Z"
    line = {
        "parentUuid": t.get("uuid"),
        "isSidechain": False,
        "userType": "external",
        "cwd": t.get("cwd", "/home/dev/bench"),
        "sessionId": t.get("sessionId", str(uuidlib.uuid4())),
        "version": t.get("version", "2.1.90"),
        "gitBranch": t.get("gitBranch", "main"),
        "message": {
            "model": msg.get("model", "claude-sonnet-4-5-20250929"),
            "id": "msg_01bench" + hexid[:16],
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": "Benchmark: one appended line."}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 3,
                "cache_creation_input_tokens": 120,
                "cache_read_input_tokens": min(context, 150_000),
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 120,
                    "ephemeral_1h_input_tokens": 0,
                },
                "output_tokens": APPEND_OUTPUT_TOKENS,
                "service_tier": "standard",
            },
        },
        "requestId": "req_011Cbench" + hexid[16:32],
        "type": "assistant",
        "uuid": str(uuidlib.uuid4()),
        "timestamp": ts,
    }
    return (json.dumps(line, separators=(",", ":")) + "\n").encode()


class Appender:
    """Appends lines to one transcript and puts the file back (size and mtime) afterwards."""

    def __init__(self, path: str):
        self.path = path
        st = os.stat(path)
        self.size, self.times = st.st_size, (st.st_atime, st.st_mtime)
        self.template = last_assistant(path)
        with open(path, "rb") as fh:
            fh.seek(max(0, self.size - 1))
            self.needs_newline = self.size > 0 and fh.read(1) != b"\n"
        self.appended = 0

    def append(self) -> None:
        data = make_line(self.template, int(time.time() * 1000))
        if self.needs_newline:
            data, self.needs_newline = b"\n" + data, False
        with open(self.path, "ab") as fh:
            fh.write(data)
        self.appended += 1

    def restore(self) -> None:
        with open(self.path, "r+b") as fh:
            fh.truncate(self.size)
        os.utime(self.path, self.times)


# ---- hook: the CLI's own ingest figures ---------------------------------------------------------
# HOOK (ingest time alone): claude-tray may report how long its ingest pass took. We look for
# these keys anywhere in the JSON of `claude-tray doctor --json` (today: lastPass.ingestMs,
# bytesRead, linesRead) and, failing that, for "ingest_ms=12.3"-like text on stderr (--debug).
INGEST_KEYS = ("ingestMs", "ingest_ms", "lastIngestMs", "last_ingest_ms")
READ_KEYS = ("bytesRead", "bytes_read", "linesRead", "lines_read", "filesRead", "files_read")


def find_keys(
    obj: Any, keys: tuple[str, ...], found: dict[str, Any] | None = None
) -> dict[str, Any]:
    found = {} if found is None else found
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys and isinstance(v, (int, float)) and k not in found:
                found[k] = v
            else:
                find_keys(v, keys, found)
    elif isinstance(obj, list):
        for v in obj:
            find_keys(v, keys, found)
    return found


def ingest_figures(res: RunResult) -> dict[str, Any]:
    figures = find_keys(res.json(), INGEST_KEYS + READ_KEYS)
    if not any(k in figures for k in INGEST_KEYS):
        m = re.search(r"ingest[_ ]?ms\s*[=:]\s*([0-9.]+)", res.stderr, re.IGNORECASE)
        if m:
            figures["ingest_ms"] = float(m.group(1))
    return figures


# ---- steps -------------------------------------------------------------------------------------
def step(name: str, command: str, results: list[RunResult], note: str = "") -> dict[str, Any]:
    walls = [r.wall_s for r in results]
    return {
        "step": name,
        "command": command,
        "runs": len(results),
        "wall_s": statistics.median(walls) if walls else None,
        "wall_min_s": min(walls) if walls else None,
        "wall_max_s": max(walls) if walls else None,
        "peak_rss_mb": max(r.peak_rss_mb for r in results) if results else None,
        "exit": [r.exit_code for r in results if r.exit_code] or 0,
        "timed_out": any(r.timed_out for r in results),
        "note": note,
    }


def total_tokens(report: Any) -> int | None:
    if isinstance(report, dict) and isinstance(report.get("totals"), dict):
        return report["totals"].get("totalTokens")
    return None


def fail_note(res: RunResult) -> str:
    tail = (res.stderr.strip().splitlines() or [""])[-1][:160]
    return f"FAILED exit {res.exit_code}{' (timeout)' if res.timed_out else ''}: {tail}"


def bench_claude_tray(cmd: list[str], history: str, scratch: str, args) -> list[dict[str, Any]]:
    home = os.path.join(scratch, "tray-home")
    os.makedirs(home)
    env = isolated_env(history, scratch, home, args.keep_home)
    label = " ".join(cmd)
    rows = []

    def run(*argv: str) -> RunResult:
        return run_measured([*cmd, *argv], env, args.timeout)

    # a. cold
    cold = run("daily", "--json")
    note = (
        f"totalTokens {total_tokens(cold.json()):,}"
        if cold.ok and total_tokens(cold.json())
        else ""
    )
    rows.append(
        step(
            "a. cold daily (empty ledger)",
            f"{label} daily --json",
            [cold],
            note if cold.ok else fail_note(cold),
        )
    )
    if not cold.ok:
        return rows
    # b. warm
    warm = [run("today", "--json") for _ in range(args.repeat)]
    rows.append(
        step(
            "b. warm today (nothing new)",
            f"{label} today --json",
            warm,
            "" if all(r.ok for r in warm) else fail_note(next(r for r in warm if not r.ok)),
        )
    )
    before = run("daily", "--json")
    rows.append(
        step(
            "   warm daily (nothing new)",
            f"{label} daily --json",
            [before],
            "" if before.ok else fail_note(before),
        )
    )
    # c. one appended line
    target = args.append_to or largest_main_transcript(history)
    if not target:
        return rows
    appender = Appender(target)
    try:
        appended = []
        for _ in range(args.append_repeat):
            appender.append()
            appended.append(run("today", "--json"))
        after = run("daily", "--json")
        seen = "not checked"
        if before.ok and after.ok:
            day = time.strftime("%Y-%m-%d", time.gmtime())
            b, a = daily_rows(before.json()).get(day, {}), daily_rows(after.json()).get(day, {})
            grew = int(a.get("outputTokens") or 0) - int(b.get("outputTokens") or 0)
            want = APPEND_OUTPUT_TOKENS * appender.appended
            verdict = "seen" if grew == want else "NOT seen"
            seen = f"appended usage {verdict} ({grew:+,} output tokens on {day})"
        size_mb = appender.size / 2**20
        rows.append(
            step(
                "c. append 1 line + today",
                f"{label} today --json",
                appended,
                f"into a {size_mb:,.1f} MB transcript; {seen}",
            )
        )
        # HOOK: the ingest pass alone, as the CLI reports it
        appender.append()
        doc = run("doctor", "--json")
        figures = ingest_figures(doc) if doc.ok else {}
        ms = next((figures[k] for k in INGEST_KEYS if k in figures), None)
        reads = ", ".join(f"{k} {v:,}" for k, v in figures.items() if k in READ_KEYS)
        rows.append(
            step(
                "   append 1 line + doctor",
                f"{label} doctor --json",
                [doc],
                (
                    f"ingest pass alone: {ms:.1f} ms"
                    if ms is not None
                    else "the CLI reports no ingest time (hook: INGEST_KEYS)"
                )
                + (f"; {reads}" if reads else "")
                if doc.ok
                else fail_note(doc),
            )
        )
        rows[-1]["ingest_ms"] = ms
        rows[-1]["ingest_figures"] = figures
    finally:
        appender.restore()
    return rows


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
    ap.add_argument("--no-ccusage", action="store_true", help="skip ccusage")
    ap.add_argument(
        "--claude-tray",
        dest="claude_tray",
        help="claude-tray command, split like a shell, e.g. 'python -m claude_tray' "
        "(default: $CLAUDE_TRAY_CMD, .venv/bin/claude-tray, then PATH)",
    )
    ap.add_argument("--no-claude-tray", action="store_true", help="skip claude-tray")
    ap.add_argument("--repeat", type=int, default=5, help="warm runs (default 5; median reported)")
    ap.add_argument(
        "--append-repeat",
        type=int,
        default=3,
        help="append + today runs, one new line each (default 3; median reported)",
    )
    ap.add_argument("--append-to", help="transcript to append to (default: the largest main one)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run (default 1800)")
    ap.add_argument("--no-prewarm", action="store_true", help="do not read the history beforehand")
    ap.add_argument(
        "--keep-home", action="store_true", help="do not point HOME/XDG at a scratch folder"
    )
    ap.add_argument("--json-out", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.append_repeat < 1:
        ap.error("--repeat and --append-repeat must be >= 1")
    history = os.path.abspath(args.history)
    if not os.path.isdir(os.path.join(history, "projects")):
        ap.error(f"{history}/projects not found")

    nbytes, nfiles = history_stats(history)
    warm_s = None if args.no_prewarm else prewarm(history)
    rows: list[dict[str, Any]] = []
    tray = None if args.no_claude_tray else find_claude_tray(args.claude_tray)
    exe = None if args.no_ccusage else find_ccusage(args.ccusage)
    with tempfile.TemporaryDirectory(prefix="ct-bench-") as scratch:
        if tray:
            rows += bench_claude_tray(tray, history, scratch, args)
        elif not args.no_claude_tray:
            rows.append(
                step(
                    "a. cold daily (empty ledger)",
                    "claude-tray",
                    [],
                    "claude-tray not found (pass --claude-tray CMD)",
                )
            )
        if exe:
            env = isolated_env(history, scratch, None, args.keep_home)
            res = run_measured([exe, "daily", "--offline", "--json"], env, args.timeout)
            tot = total_tokens(res.json()) if res.ok else None
            rows.append(
                step(
                    "d. ccusage daily",
                    f"{exe} daily --offline --json",
                    [res],
                    (f"totalTokens {tot:,}" if tot is not None else "")
                    if res.ok
                    else fail_note(res),
                )
            )
            version = run_measured([exe, "--version"], env, 60).stdout.strip()
        elif not args.no_ccusage:
            rows.append(step("d. ccusage daily", "ccusage", [], "ccusage not found"))
            version = None
        else:
            version = None
        shutil.rmtree(scratch, ignore_errors=True)

    # only steps that ran cleanly count towards the targets
    by = {r["step"]: r for r in rows if r["runs"] and r["exit"] == 0 and not r["timed_out"]}
    cold, cc = by.get("a. cold daily (empty ledger)"), by.get("d. ccusage daily")
    warm, app = by.get("b. warm today (nothing new)"), by.get("c. append 1 line + today")
    hook = by.get("   append 1 line + doctor")
    ratio = cc["wall_s"] / cold["wall_s"] if cold and cc and cold["wall_s"] else None
    summary = {
        "history": history,
        "history_bytes": nbytes,
        "history_files": nfiles,
        "prewarm_s": warm_s,
        "ccusage_version": version,
        "ratio_ccusage_over_cold": ratio,
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "steps": rows,
    }

    print(
        f"History: {history}: {nbytes:,} bytes ({nbytes / 2**30:.2f} GiB) in {nfiles:,} transcripts"
        + (f"; pre-read in {warm_s:.1f} s" if warm_s is not None else "")
    )
    print()
    print("| step | runs | wall s (median) | peak RSS MB (process tree) | notes |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        failed = r["exit"] != 0 or r["timed_out"]
        wall = "-" if r["wall_s"] is None or failed else f"{r['wall_s']:.3f}"
        rss = "-" if r["peak_rss_mb"] is None or failed else fmt_mb(r["peak_rss_mb"])
        print(f"| {r['step'].strip()} | {r['runs']} | {wall} | {rss} | {r['note']} |")
    print()
    for r in rows:
        if r["runs"]:
            print(f"- {r['step'].strip()}: `{r['command']}`")
    if version:
        print(f"- ccusage version: {version}")
    print()
    print("Targets from the issue (for reference; nothing here fails on them):")

    def yes(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "NOT met")

    if ratio is not None:
        print(f"- cold claude-tray >= 10x faster than ccusage: {ratio:.1f}x -> {yes(ratio >= 10)}")
    if cold and cold["peak_rss_mb"] is not None:
        print(
            f"- cold peak memory <= 200 MB: {cold['peak_rss_mb']:.0f} MB -> "
            f"{yes(cold['peak_rss_mb'] <= 200)}"
        )
    if warm and warm["wall_s"] is not None:
        print(f"- warm today < 0.5 s: {warm['wall_s']:.3f} s -> {yes(warm['wall_s'] < 0.5)}")
    if app and app["wall_s"] is not None:
        extra = (
            f"; ingest pass alone {hook['ingest_ms']:.1f} ms"
            if hook and hook.get("ingest_ms") is not None
            else ""
        )
        print(f"- one appended line: today --json in {app['wall_s'] * 1000:.0f} ms{extra}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=1)
            fh.write("\n")
        print(f"\nwrote {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
