"""How long Claude Code waits for `claude-tray hook` and `claude-tray statusline`.

Runs the command `claude-tray hooks install` writes into Claude Code's settings (asked of the
repo's .venv/bin/claude-tray, or of --claude-tray CMD, with `hooks status --json`: for a pip install
the environment's Python running the package's `__main__.py` with `-I -S`) as Claude Code does: a
new process per call, JSON on stdin. `--console-script` times the console script itself instead.
Wall time is from spawn to reap, so it includes the interpreter's start; CPU is the child's user +
system time. Three cases, N runs each after a few warm-up runs:

- hook-allow: UserPromptSubmit of a session that is not paused (records the event, prints nothing)
- hook-block: UserPromptSubmit of a paused session (prints the block decision)
- statusline: a status-line call in the newest shape (records it, applies the pause rule, prints)

Everything runs in a scratch home (CLAUDE_TRAY_HOME, CLAUDE_CONFIG_DIR, HOME). Python's bytecode
cache is on, as on a user's machine (PYTHONDONTWRITEBYTECODE is dropped; the cache goes to a
scratch PYTHONPYCACHEPREFIX, not into the repo; the installed command runs Python with `-I`,
which ignores that variable: its cache is the package's own `__pycache__`, as after a pip install);
`--no-bytecode-cache` measures without it (the console script only).
Each output is checked, so a fast wrong answer fails the run. Targets: status line p50 <= 25 ms,
p95 <= 40 ms; hooks p95 < 100 ms.

With `--ccusage` (the native binary found as benchmarks/benchtools.py finds it, or a PATH) a
fourth case runs `ccusage statusline` on the very same payload, round robin with the others, and
the ratio of the two status lines is printed. `--history DIR` points both tools at a real history
(CLAUDE_CONFIG_DIR) instead of an empty one.

    .venv/bin/python benchmarks/hook_latency.py [-n 100] [--ccusage [PATH]] [--history DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtools import find_ccusage, find_claude_tray

TARGET_P95_MS = 100.0
STATUSLINE_TARGET_MS = (25.0, 40.0)
"""p50 and p95 of `claude-tray statusline`, interpreter start included."""

NEW_STATUSLINE = {
    "session_id": "bench-statusline",
    "transcript_path": "/tmp/bench/transcript.jsonl",
    "cwd": "/tmp/bench/app",
    "version": "2.1.90",
    "model": {"id": "claude-opus-4-5-20251101", "display_name": "Opus 4.5"},
    "workspace": {"current_dir": "/tmp/bench/app", "project_dir": "/tmp/bench/app"},
    "cost": {"total_cost_usd": 3.42, "total_duration_ms": 600000},
    "context_window": {
        "context_window_size": 200000,
        "used_percentage": 72,
        "remaining_percentage": 28,
        "current_usage": {
            "input_tokens": 12,
            "output_tokens": 640,
            "cache_creation_input_tokens": 2100,
            "cache_read_input_tokens": 141900,
        },
        "total_input_tokens": 144012,  # ccusage's statusline requires these two
        "total_output_tokens": 640,
    },
    "exceeds_200k_tokens": False,
    "rate_limits": {
        "five_hour": {"used_percentage": 40, "resets_at": 4102444800},
        "seven_day": {"used_percentage": 12, "resets_at": 4102444800},
    },
}


def prompt(session: str, cwd: str) -> dict[str, object]:
    return {
        "session_id": session,
        "transcript_path": f"/tmp/bench/{session}.jsonl",
        "cwd": cwd,
        "hook_event_name": "UserPromptSubmit",
        "prompt": "go on",
    }


def scratch_env(scratch: Path, bytecode_cache: bool, history: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    home = scratch / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        CLAUDE_TRAY_HOME=str(scratch / "tray"),
        CLAUDE_CONFIG_DIR=os.path.abspath(history) if history else str(scratch / "claude"),
        NO_COLOR="1",
        TZ="UTC",
    )
    env.pop("CLAUDE_TRAY_NOW", None)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


def seed_paused(tray_home: Path, session: str) -> None:
    """A session the status line (or the tray) marked paused at 92%."""
    state = tray_home / "state" / "sessions" / f"{session}.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(
        json.dumps(
            {
                "version": 1,
                "session_id": session,
                "cwd": "/tmp/bench/app",
                "pause": {"paused": True, "at": time.time(), "level": "pause", "percent": 92.0},
            }
        )
    )


def run_once(
    argv: list[str], payload: Path, env: dict[str, str]
) -> tuple[float, float, int, bytes]:
    """(wall s, cpu s, exit code, stdout) of one call."""
    with open(payload, "rb") as stdin, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        pid = os.posix_spawn(
            argv[0],
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, stdin.fileno(), 0),
                (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            ],
        )
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        return (
            wall,
            usage.ru_utime + usage.ru_stime,
            os.waitstatus_to_exitcode(status),
            out.read(),
        )


def check(case: str, code: int, out: bytes) -> str | None:
    """What is wrong with one call's result, or None."""
    if code != 0:
        return f"exit {code}"
    text = out.decode("utf-8", "replace").strip()
    if case == "hook-allow" and text:
        return f"printed {text!r} for a prompt that should pass"
    if case == "hook-block":
        try:
            decision = json.loads(text)
        except ValueError:
            return f"no block decision: {text!r}"
        if decision.get("decision") != "block":
            return f"not a block decision: {text!r}"
    if case == "statusline" and ("ctx 72%" not in text or "\n" in text):
        return f"unexpected status line: {text!r}"
    if case == "ccusage-statusline" and "72%" not in text:
        return f"unexpected ccusage status line: {text!r}"
    return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100, help="runs per case (default 100)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--claude-tray", help="the command to measure (default: .venv's)")
    parser.add_argument("--no-bytecode-cache", action="store_true")
    parser.add_argument(
        "--console-script",
        action="store_true",
        help="time the claude-tray console script, not the command `hooks install` writes",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--ccusage",
        nargs="?",
        const="",
        help="also time `ccusage statusline` on the same payload (optional PATH to its binary)",
    )
    parser.add_argument("--history", help="CLAUDE_CONFIG_DIR for both tools (default: empty)")
    args = parser.parse_args()
    command = find_claude_tray(args.claude_tray)
    if not command:
        print(
            "claude-tray not found (install it into .venv or pass --claude-tray)", file=sys.stderr
        )
        return 2
    command[0] = shutil.which(command[0]) or command[0]
    scratch = Path(tempfile.mkdtemp(prefix="hook-latency-"))
    try:
        return measure(command, scratch, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def installed_command(tool: list[str], env: dict[str, str]) -> list[str]:
    """The program words of the hook command `hooks install` writes (`hooks status --json`)."""
    done = subprocess.run(
        [*tool, "hooks", "status", "--json"], capture_output=True, env=env, timeout=120, check=True
    )
    words = shlex.split(json.loads(done.stdout)["hookCommand"])
    assert words[-1] == "hook", words
    return words[:-1]


def measure(tool: list[str], scratch: Path, args: argparse.Namespace) -> int:
    env = scratch_env(scratch, not args.no_bytecode_cache, args.history)
    command = tool if args.console_script else installed_command(tool, env)
    args.command = shlex.join(command)
    app = scratch / "app"
    app.mkdir()
    seed_paused(scratch / "tray", "bench-paused")
    cases = {
        "hook-allow": ([*command, "hook"], prompt("bench-allowed", str(app))),
        "hook-block": ([*command, "hook"], prompt("bench-paused", str(app))),
        "statusline": ([*command, "statusline"], NEW_STATUSLINE),
    }
    if args.ccusage is not None:
        ccusage = find_ccusage(args.ccusage or None)
        if not ccusage:
            print("ccusage not found (see benchmarks/README.md)", file=sys.stderr)
            return 2
        cases["ccusage-statusline"] = ([ccusage, "statusline", "--offline"], NEW_STATUSLINE)
    sources = {}
    for case, (_, payload) in cases.items():
        sources[case] = scratch / f"{case}.json"
        sources[case].write_text(json.dumps(payload))
    walls: dict[str, list[float]] = {case: [] for case in cases}
    cpus: dict[str, list[float]] = {case: [] for case in cases}
    for i in range(args.warmup + args.n):  # round robin: a busy moment hits every case alike
        for case, (argv, _) in cases.items():
            wall, cpu, code, out = run_once(argv, sources[case], env)
            problem = check(case, code, out)
            if problem:
                print(f"{case}: {problem}", file=sys.stderr)
                return 1
            if i >= args.warmup:
                walls[case].append(wall * 1000)
                cpus[case].append(cpu * 1000)
    results = {
        case: {
            "p50_ms": statistics.median(walls[case]),
            "p95_ms": percentile(walls[case], 0.95),
            "max_ms": max(walls[case]),
            "cpu_p50_ms": statistics.median(cpus[case]),
            "runs": len(walls[case]),
        }
        for case in cases
    }
    report(results, args)
    return 0 if all(r["p95_ms"] < TARGET_P95_MS for r in results.values()) else 1


def statusline_verdict(results: dict[str, dict[str, float]]) -> str:
    """The status line against its targets, and against ccusage's when it ran."""
    ours = results["statusline"]
    p50, p95 = STATUSLINE_TARGET_MS
    met = ours["p50_ms"] <= p50 and ours["p95_ms"] <= p95
    line = (
        f"statusline: p50 {ours['p50_ms']:.1f} ms (target <= {p50:.0f}), "
        f"p95 {ours['p95_ms']:.1f} ms (target <= {p95:.0f}): {'met' if met else 'NOT met'}"
    )
    theirs = results.get("ccusage-statusline")
    if theirs:
        line += (
            f"; ccusage statusline p50 {theirs['p50_ms']:.1f} ms, p95 {theirs['p95_ms']:.1f} ms"
            f" (claude-tray / ccusage: x{ours['p50_ms'] / theirs['p50_ms']:.1f} at p50)"
        )
    return line


def report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    if args.json:
        print(
            json.dumps(
                {
                    "command": args.command,
                    "target_p95_ms": TARGET_P95_MS,
                    "cases": results,
                    "statusline": statusline_verdict(results),
                },
                indent=2,
            )
        )
        return
    print(f"command: {args.command}")
    print(f"{'case':<19} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p50':>8}  runs")
    for case, r in results.items():
        print(
            f"{case:<19} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['max_ms']:8.1f} "
            f"{r['cpu_p50_ms']:8.1f}  {r['runs']:.0f}"
        )
    print(
        f"target: p95 < {TARGET_P95_MS:.0f} ms, wall per call including interpreter start "
        f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f})"
    )
    print(statusline_verdict(results))


if __name__ == "__main__":
    sys.exit(main())
