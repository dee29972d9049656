#!/usr/bin/env python3
"""How long the usage report takes on a heavy user's year: a ledger of 1 million messages.

    python benchmarks/report_speed.py [--messages 1000000] [--days 30 365] [--repeat 3]
                                      [--keep DIR] [--json-out FILE]

Builds the ledger directly with SQLite inserts in the ledger's own schema (opened through `Ledger`,
so the schema, migrations and rollup are the real ones): a year of sessions ending now, mostly on
working days and hours, over 25 projects and three models, with sidechain, fast-mode and
long-context requests. Then times `claude_tray.report.write_report` for each `--days` (the median
of `--repeat` runs, each in a freshly opened workspace so nothing is cached between runs) and
`claude-tray report` end to end as a child process (start-up, an ingest pass with no transcripts,
the report; also the median of `--repeat` runs). Prints a Markdown table; asserts nothing. The
issue's target: a year's report in under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "app"))

from claude_tray.engine.snapshot import Clock  # noqa: E402
from claude_tray.engine.workspace import Workspace  # noqa: E402
from claude_tray.report import write_report  # noqa: E402
from claude_tray.storage.ledger import Ledger  # noqa: E402
from claude_tray.storage.paths import app_paths  # noqa: E402

MODELS = (
    ["claude-opus-4-5-20251101"] * 6
    + ["claude-sonnet-4-5-20250929"] * 3
    + ["claude-haiku-4-5-20251001"]
)
PROJECTS = [f"/home/dev/proj-{i}" for i in range(25)]
TARGET_SECONDS = 2.0


def message_rows(count: int, end: float, seed: int) -> Iterator[tuple[object, ...]]:
    """`count` message rows over the 365 days before `end`, session by session in random order
    of time (as a first ingest of many transcripts appends them: no help from locality)."""
    rnd = random.Random(seed)
    start = end - 365 * 86400
    n = session = 0
    while n < count:
        session += 1
        day = start + rnd.randrange(365) * 86400
        if rnd.random() < 0.6 and time.gmtime(day).tm_wday >= 5:
            continue  # fewer sessions at weekends
        t = day + rnd.uniform(7, 21) * 3600
        project = rnd.choice(PROJECTS)
        model = rnd.choice(MODELS)
        for _ in range(rnd.randint(40, 360)):
            if n >= count:
                break
            n += 1
            t += rnd.expovariate(1 / 25)
            cache_read = rnd.randint(8_000, 160_000)
            input_, output = rnd.randint(1, 60), rnd.randint(20, 2_500)
            write_5m = rnd.randint(0, 3_000) if rnd.random() < 0.7 else 0
            write_1h = rnd.randint(0, 3_000) if rnd.random() < 0.1 else 0
            prompt = input_ + write_5m + write_1h + cache_read
            yield (
                n * 2_654_435_761 % (1 << 62),  # a 64-bit key like the ingest's hashes
                t,
                f"session-{session:06d}",
                project,
                model if rnd.random() < 0.95 else MODELS[-1],
                input_,
                output,
                write_5m,
                write_1h,
                cache_read,
                prompt + output,
                int(rnd.random() < 0.2),
                int(rnd.random() < 0.02),
                int(prompt > 200_000),
            )


def build_ledger(path: Path, count: int, end: float, seed: int = 1) -> float:
    """Fill a new ledger at `path`; returns the seconds it took."""
    started = time.perf_counter()
    Ledger(path).close()  # the real schema, at the current version
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    # Load as a bulk first ingest does: without the rollup's triggers (the ledger sums the rollup
    # afresh when it is next opened and finds them missing).
    triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for (name,) in triggers:
        db.execute(f"DROP TRIGGER {name}")
    db.executemany(
        "INSERT INTO messages (key, ts, session, project, model, input, output, "
        "cache_write_5m, cache_write_1h, cache_read, total, sidechain, fast, long) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        message_rows(count, end, seed),
    )
    db.execute(
        "INSERT INTO sessions (session, project, model, first_ts, last_ts, context_tokens, "
        "context_ts, max_context) SELECT session, min(project), min(model), min(ts), "
        "max(ts), 0, max(ts), 0 FROM messages GROUP BY session"
    )
    db.execute(
        "INSERT INTO notes (session, text, updated) SELECT session, 'a note', last_ts "
        "FROM sessions WHERE CAST(substr(session, 9) AS INTEGER) % 50 = 0"
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    Ledger(path).close()  # rebuilds the rollup
    return time.perf_counter() - started


def time_report(env: dict[str, str], now: float, days: int, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        with Workspace.open(env) as workspace:
            write_report(workspace, Clock(now, workspace.config.tz()), days)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def time_cli(env: dict[str, str], days: int, repeat: int) -> float:
    command = [sys.executable, "-m", "claude_tray", "report", "--days", str(days)]
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the ledger under this folder")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="report-speed-"))
    env = {
        **os.environ,
        "CLAUDE_TRAY_HOME": str(home / "tray"),
        "CLAUDE_CONFIG_DIR": str(home / "claude"),
        "TZ": "UTC",
        "PYTHONPATH": str(REPO / "app"),
    }
    now = time.time()
    (home / "claude" / "projects").mkdir(parents=True, exist_ok=True)  # no transcripts to read
    ledger = app_paths(env).ledger
    if not ledger.exists():
        built = build_ledger(ledger, args.messages, now)
        print(f"built a ledger of {args.messages:,} messages in {built:.1f} s: {ledger}")
    results = {}
    for days in args.days:
        results[f"write_report --days {days}"] = time_report(env, now, days, args.repeat)
        results[f"claude-tray report --days {days} (CLI)"] = time_cli(env, days, args.repeat)
    print(f"\n| step ({args.messages:,} messages, a year) | seconds |\n|---|---|")
    for step, seconds in results.items():
        print(f"| {step} | {seconds:.2f} |")
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s, a year's report included (--days 365)")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
