"""Sync at scale: N machines with a year of heavy use each, imported into one claude-tray.

Writes the other machines' sync segments straight in the published format (a year of days per
machine, `--responses` per machine spread over them, realistic token figures and session ids),
then measures, each as a whole `claude-tray` process with its peak memory (process tree):

1. `claude-tray sync` into an empty ledger: every machine's year read in;
2. `claude-tray sync` again with nothing new (what every later pass costs);
3. the combined `claude-tray daily --json` (all machines) and its totals checked against the
   generator's own sums, to the token.

    .venv/bin/python benchmarks/sync_scale.py --machines 10 --responses 1000000

Stdlib plus the project's own modules (run with the project's venv).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from benchtools import REPO, find_claude_tray, run_measured

sys.path.insert(0, str(REPO / "app"))

from claude_tray.storage import sync_segments as segments
from claude_tray.storage.ledger_rows import MessageRow

DAY = 86_400
MODELS = ("claude-opus-4-5", "claude-sonnet-4-5-20250929", "claude-haiku-4-5")


def generate(folder: Path, machines: int, responses: int, end_day: int, seed: int) -> dict:
    """Write every machine's segments; return the expected per-day token sums."""
    rng = random.Random(seed)
    days = 365
    per_day = max(1, responses // days)
    expected: dict[int, list[int]] = {}
    for m in range(machines):
        name = f"machine-{m:02d}"
        own = folder / name
        key_base = (m + 1) << 40
        n = 0
        for d in range(days):
            day = end_day - days + d
            rows = []
            for i in range(per_day):
                ts = day * DAY + (i * DAY) / per_day + rng.random()
                inp = rng.randint(1, 50)
                out = rng.randint(20, 4000)
                w5 = rng.choice((0, 0, rng.randint(100, 20_000)))
                w1 = rng.choice((0, 0, 0, rng.randint(100, 5_000)))
                read = rng.randint(1_000, 150_000)
                total = inp + out + w5 + w1 + read
                number = d * 7 + i // 40  # a session of 40 responses, in one project and model
                session = f"{name}-s{number:06d}"
                rows.append(
                    MessageRow(
                        key_base + n,
                        ts,
                        session,
                        f"/home/dev/project-{number % 9}",
                        MODELS[number % 3],
                        inp,
                        out,
                        w5,
                        w1,
                        read,
                        total,
                        int(i % 11 == 0),
                        0,
                        0,
                    )
                )
                n += 1
                sums = expected.setdefault(day, [0, 0, 0, 0])
                sums[0] += inp
                sums[1] += out
                sums[2] += w5 + w1
                sums[3] += read
            data = segments.encode(name, day, rows)
            segments.write_segment(own, segments.SegmentName(day, 1), data)
    return expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--machines", type=int, default=10)
    parser.add_argument("--responses", type=int, default=1_000_000, help="per machine")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    command = find_claude_tray(None)
    if command is None:
        print("claude-tray not found (make the .venv first)", file=sys.stderr)
        return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix="sync-scale-"))
    folder = work / "Sync"
    now = time.time()
    end_day = int(now // DAY)
    t0 = time.perf_counter()
    expected = generate(folder, args.machines, args.responses, end_day, args.seed)
    size = sum(f.stat().st_size for f in folder.rglob("*.gz"))
    print(
        f"generated {args.machines} machines x {args.responses:,} responses "
        f"({size / 1e6:.0f} MB of segments) in {time.perf_counter() - t0:.1f} s"
    )
    home = work / "tray-home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'[sync]\nfolder = "{folder.as_posix()}"\n')
    env = dict(os.environ)
    env.update(
        CLAUDE_TRAY_HOME=str(home),
        CLAUDE_CONFIG_DIR=str(work / "claude"),
        CLAUDE_TRAY_MACHINE="this-laptop",
        TZ="UTC",
    )
    first = run_measured([*command, "sync", "--json"], env, timeout=3600)
    print(
        f"first import: {first.wall_s:.1f} s, peak {first.peak_rss_mb:.0f} MB "
        f"(exit {first.exit_code}) {first.stderr.strip()[:200]}"
    )
    again = [run_measured([*command, "sync", "--json"], env) for _ in range(5)]
    walls = sorted(r.wall_s for r in again)
    passes = sorted(json.loads(r.stdout)["syncMs"] for r in again)
    print(
        f"sync with nothing new, median of 5: the pass {passes[2]:.1f} ms "
        f"(the whole process with its start-up: {walls[2] * 1000:.0f} ms)"
    )
    report = run_measured([*command, "daily", "--json", "--since", "2000-01-01"], env)
    rows = json.loads(report.stdout)["daily"]
    got = {
        r["date"]: [
            r["inputTokens"],
            r["outputTokens"],
            r["cacheCreationTokens"],
            r["cacheReadTokens"],
        ]
        for r in rows
    }
    want = {segments.day_label(day): sums for day, sums in expected.items()}
    verdict = "equal to the generator to the token" if got == want else "DIFFERENT"
    print(
        f"combined daily --json: {report.wall_s:.2f} s, peak {report.peak_rss_mb:.0f} MB; "
        f"{verdict} on {len(want)} days"
    )
    return 0 if got == want and first.exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
