#!/usr/bin/env python3
"""The running tray's latency and idle cost, on the real desktop stack of tests/desktop.py.

    .venv/bin/python benchmarks/tray_latency.py [--appends 20] [--interval 0.5] [--idle 60]
                                                [--history DIR] [--duration S] [--json]

Starts Xvfb, a private D-Bus bus, dunst and trayer, then `claude-tray run` (pystray's gtk backend)
against a temporary Claude data root (plus `--history DIR`, e.g. one made by
generate_history.py, as a second root so every pass walks a realistic tree), with
`CLAUDE_TRAY_DEBUG_VIEW` set so every published view is also written to a JSON file with its
publication time. Then:

- latency: appends one transcript line at a time (`--appends`, `--interval` s apart) and takes, for
  each, the time from just before the append to the publication of a view showing it (the app's own
  timestamp) and to this script seeing the file (an upper bound, includes its 2 ms polling);
- idle: after a pause to settle, CPU time of the whole process (all threads: UI loop, engine,
  watchdog) from /proc/<pid>/stat over `--idle` seconds, as a share of one core, and its resident
  memory every 5 s over that time (flat = no growth);
- memory (issue 13): at the first view, after the appends (which climb through the context
  levels, so notifications go out) and at the end of the idle time: RSS, the process's own memory
  (USS and PSS from psutil's `memory_full_info`, RssAnon from /proc), threads, and the GL
  libraries it maps (none is wanted: see `adapters.platform.keep_gl_out`); and "USS alone":
  psutil's USS leaves out every page another process also maps, and this script's own Python
  (the interpreter's code, Pillow for its screenshots) or any other Python program running
  maps many of the tray's pages, so USS depends on what else runs (up to ~9 MB lower here).
  USS alone counts the tray's resident pages that no process of its desktop (the X server,
  the bus, the notification daemon, the tray host) maps: what the tray holds as its own when
  only it and its desktop run. It reads page frames from /proc/<pid>/pagemap (root only;
  "n/a" otherwise);
- activity (`--duration S`, e.g. 3600 for the issue's hour): after the appends, for S seconds a
  line every `--step` s whose context climbs and falls through the levels (so levels change and
  notifications are sent again and again), the real menu opened by a right click on the icon and
  closed with Escape every `--menu-every` s, and every `--sample` s the tray's memory (RSS, USS),
  the memory of its child processes (the history reader) and the load average; then the slope of
  the tray's RSS and USS (MB per hour, least squares) over the whole run and over the part after
  the history was read. The children's peak RSS is also sampled every step;
- stop: SIGTERM and the exit code.

Targets: line to icon p95 <= 150 ms (issue 13; the debounce is part of it); idle under 0.5% of
one core; RSS <= 80 MB and USS (alone) <= 45 MB, flat. `--env NAME=VALUE` (repeatable) sets a
variable in the tray's environment, e.g. `--env GDK_GL=always` to see what GL costs. Linux only
(/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.desktop import running_desktop  # noqa: E402
from tests.transcripts import ClaudeData, assistant  # noqa: E402

from benchtools import compile_claude_tray  # noqa: E402

SESSION = "bench-5e55"
TICKS = os.sysconf("SC_CLK_TCK")


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


GL_LIBRARIES = ("libGL", "libEGL", "_dri.so", "libLLVM", "libgbm", "libglapi", "libdrm")


def resident_pages(pid: int) -> dict[int, str] | None:
    """{page frame number: the mapping's name} of `pid`'s resident pages, from
    /proc/<pid>/pagemap; None when page frames cannot be seen (they read as 0 but for root)."""
    frames: dict[int, str] = {}
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for text in maps:
                fields = text.split()
                start, end = (int(x, 16) for x in fields[0].split("-"))
                name = fields[5] if len(fields) > 5 else "[anon]"
                if name == "[vsyscall]":
                    continue
                pagemap.seek(start // 4096 * 8)
                for (entry,) in struct.iter_unpack("Q", pagemap.read((end - start) // 4096 * 8)):
                    if entry >> 63:  # present
                        frames[entry & ((1 << 55) - 1)] = name
    except (OSError, ValueError):
        return None
    return None if frames and not any(frames) else frames


def alone_uss_mb(pid: int, desktop: list[int]) -> float | None:
    """The tray's resident pages that none of the `desktop` processes maps, in MB (see the
    module's doc); None where page frames cannot be read."""
    mine = resident_pages(pid)
    if mine is None:
        return None
    for other in desktop:
        for frame in resident_pages(other) or {}:
            mine.pop(frame, None)
    return round(len(mine) * 4096 / 2**20, 1)


def memory(pid: int, desktop: list[int] | None = None) -> dict[str, Any]:
    """RSS, USS, USS alone (beside `desktop`'s processes), PSS, RssAnon (MB), threads, and the
    GL libraries mapped."""
    import psutil  # the test extra; only this measurement needs it

    process = psutil.Process(pid)
    full = process.memory_full_info()
    anon = 0.0
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("RssAnon:"):
            anon = int(text.split()[1]) / 1024
    gl = sorted(
        {Path(m.path).name for m in process.memory_maps() if any(g in m.path for g in GL_LIBRARIES)}
    )
    return {
        "rss_mb": round(full.rss / 2**20, 1),
        "uss_mb": round(full.uss / 2**20, 1),
        "alone_uss_mb": None if desktop is None else alone_uss_mb(pid, desktop),
        "pss_mb": round(full.pss / 2**20, 1),
        "anon_mb": round(anon, 1),
        "threads": process.num_threads(),
        "gl_libraries": gl,
    }


def line(pct: int, n: int) -> dict[str, Any]:
    return assistant(
        SESSION,
        iso(time.time()),
        f"msg-bench-{n}",
        cwd="/home/u/app",
        input=12,
        cache_read=pct * 2000 - 12,
        output=300,
    )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def rss_mb(pid: int) -> float:
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmRSS:"):
            return int(text.split()[1]) / 1024
    return 0.0


def read_view(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except (FileNotFoundError, ValueError):
        return None


def shows(view: dict[str, Any], text: str) -> bool:
    """Whether the view shows the bench session at `text` percent: on the icon, or in its menu
    row (a history with sessions of its own active now may hold the icon and the top rows)."""
    if view["icon"]["text"] == text:
        return True
    wanted = re.compile(rf"^app · .*context ~?{text}%( ·|$)")
    rows = list(view["menu"])
    while rows:
        row = rows.pop()
        if wanted.match(row.get("text") or ""):
            return True
        rows.extend(row.get("children") or ())
    return False


def wait_view(
    path: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 30.0
) -> tuple[dict[str, Any], float]:
    """The first published view whose icon shows `text`, and when this script saw it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = read_view(path)
        if data and shows(data["view"], text):
            return data, time.time()
        if process.poll() is not None:
            raise SystemExit(f"claude-tray exited with {process.returncode}")
        time.sleep(0.002)
    raise SystemExit(f"no view showing {text!r} within {timeout:.0f} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    live = ClaudeData(folder / "claude")
    roots = str(live.root) + (f",{Path(args.history).resolve()}" if args.history else "")
    home = folder / "home"
    home.mkdir()
    os.environ.update(
        {
            "HOME": str(home),
            "CLAUDE_TRAY_HOME": str(folder / "tray-home"),
            "CLAUDE_CONFIG_DIR": roots,
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_STATE_HOME": str(home / ".local/state"),
        }
    )
    view_file = folder / "view.json"
    transcript = live.write(SESSION, line(10, 0))
    script = Path(sys.executable).parent / "claude-tray"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "claude_tray"]
    # Bytecode as on a user's machine (compiling every module at start would add its garbage to
    # the memory measured): claude-tray's own compiled in place, as `pip install .` does; the
    # standard library's and the dependencies' are those their installs made (or written at the
    # first start, as Python does when nothing says not to).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    print(compile_claude_tray(command), file=sys.stderr)
    with running_desktop(folder / "desktop") as desktop:
        env = {**desktop.env, "CLAUDE_TRAY_DEBUG_VIEW": str(view_file)}
        env.update(item.split("=", 1) for item in args.env)
        started = time.monotonic()
        log = (folder / "app.log").open("wb")
        process = subprocess.Popen([*command, "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_view(view_file, "10", process, timeout=600)
            startup = time.monotonic() - started
            beside = [part.pid for part in desktop.processes.values()]
            memory_at = {"start": memory(process.pid, beside)}
            published, seen = [], []
            for n in range(1, args.appends + 1):
                pct = 10 + (n * 7) % 80  # up through caution and warning: notifications go out
                before = time.time()
                live.append(transcript, line(pct, n))
                data, saw = wait_view(view_file, str(pct), process)
                published.append(data["published_at"] - before)
                seen.append(saw - before)
                time.sleep(args.interval)
            memory_at["after_appends"] = memory(process.pid, beside)
            hour = None
            if args.duration > 0:
                hour = activity(args, desktop, process, live, transcript, view_file, args.appends)
                memory_at["after_activity"] = memory(process.pid, beside)
            time.sleep(args.settle)
            rss = [rss_mb(process.pid)]
            cpu_before, wall_before = cpu_seconds(process.pid), time.monotonic()
            while time.monotonic() - wall_before < args.idle:
                time.sleep(min(5.0, args.idle - (time.monotonic() - wall_before)) or 0.01)
                rss.append(rss_mb(process.pid))
            memory_at["after_idle"] = memory(process.pid, beside)
            idle_cpu = cpu_seconds(process.pid) - cpu_before
            idle_wall = time.monotonic() - wall_before
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        except BaseException:
            print_logs(folder, view_file)
            raise
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
    return {
        "history": args.history,
        "startup_s": round(startup, 3),
        "appends": args.appends,
        "latency_published_ms": summary([1000 * v for v in published]),
        "latency_seen_ms": summary([1000 * v for v in seen]),
        "idle_seconds": round(idle_wall, 1),
        "idle_cpu_percent_of_one_core": round(100 * idle_cpu / idle_wall, 3),
        "idle_cpu_seconds": round(idle_cpu, 3),
        "rss_mb_samples": [round(v, 1) for v in rss],
        "rss_growth_mb": round(rss[-1] - rss[0], 2),
        "memory": memory_at,
        "activity": hour,
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "history_reader_log": reader_lines(folder),
        "env": args.env,
        "exit_code": code,
    }


def children_rss_mb(pid: int) -> float:
    """Resident memory of the tray's child processes (the history reader), summed; 0 if none."""
    import psutil

    total = 0.0
    try:
        for child in psutil.Process(pid).children(recursive=True):
            try:
                total += child.memory_info().rss / 2**20
            except psutil.Error:
                continue
    except psutil.Error:
        return 0.0
    return total


def history_done(path: Path) -> bool:
    data = read_view(path)
    return data is not None and "Reading history" not in json.dumps(data["view"])


def open_menu(desktop: Any) -> bool:
    """Right click on the tray icon, wait for the menu to be drawn, then Escape. True when the
    screen changed below the tray (the menu was seen)."""
    x, y, width, height = desktop.tray_area()
    box = (desktop.width // 2, y + height, desktop.width, desktop.height)
    before = desktop.screenshot().crop(box)
    desktop.click(x + width // 2, y + height // 2, button=3)
    seen = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not seen:
        after = desktop.screenshot().crop(box)
        seen = sum(a != b for a, b in zip(before.tobytes(), after.tobytes(), strict=True)) > 2000
    desktop.key("Escape")
    return seen


def slope_mb_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) points, in MB per hour."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return round(3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den, 2)


def activity(
    args: argparse.Namespace,
    desktop: Any,
    process: subprocess.Popen[bytes],
    live: ClaudeData,
    transcript: Path,
    view_file: Path,
    first: int,
) -> dict[str, Any]:
    """`--duration` seconds of levels changing, menus opening and notifications; memory sampled."""
    started = time.monotonic()
    samples: list[dict[str, Any]] = []
    latencies: list[float] = []
    menus = menus_seen = 0
    child_peak = 0.0
    n = first
    next_step = next_menu = next_sample = started
    while True:
        now = time.monotonic()
        elapsed = now - started
        if now >= next_sample or elapsed >= args.duration:
            m = memory(process.pid, [part.pid for part in desktop.processes.values()])
            samples.append(
                {
                    "t_s": round(elapsed, 1),
                    "rss_mb": m["rss_mb"],
                    "uss_mb": m["uss_mb"],
                    "alone_uss_mb": m["alone_uss_mb"],
                    "pss_mb": m["pss_mb"],
                    "anon_mb": m["anon_mb"],
                    "threads": m["threads"],
                    "children_rss_mb": round(children_rss_mb(process.pid), 1),
                    "history_read": history_done(view_file),
                    "load": round(os.getloadavg()[0], 2),
                }
            )
            print(json.dumps(samples[-1]), file=sys.stderr, flush=True)  # a long run's trace
            next_sample += args.sample
        if elapsed >= args.duration:
            break
        if now >= next_menu:
            menus += 1
            menus_seen += open_menu(desktop)
            next_menu += args.menu_every
        if now >= next_step:
            n += 1
            pct = 10 + (n * 7) % 80
            before = time.time()
            live.append(transcript, line(pct, n))
            data, _ = wait_view(view_file, str(pct), process, timeout=120)
            latencies.append(1000 * (data["published_at"] - before))
            child_peak = max(child_peak, children_rss_mb(process.pid))
            next_step += args.step
        time.sleep(max(0.0, min(next_step, next_menu, next_sample) - time.monotonic()))
    after = [s for s in samples if s["history_read"]]
    return {
        "duration_s": round(time.monotonic() - started, 1),
        "steps": len(latencies),
        "menus_opened": menus,
        "menus_seen": menus_seen,
        "latency_published_ms": summary(latencies) if latencies else None,
        "samples": samples,
        "rss_slope_mb_per_hour": slope_mb_per_hour([(s["t_s"], s["rss_mb"]) for s in samples]),
        "uss_slope_mb_per_hour": slope_mb_per_hour([(s["t_s"], s["uss_mb"]) for s in samples]),
        "rss_slope_after_read_mb_per_hour": slope_mb_per_hour(
            [(s["t_s"], s["rss_mb"]) for s in after]
        ),
        "uss_slope_after_read_mb_per_hour": slope_mb_per_hour(
            [(s["t_s"], s["uss_mb"]) for s in after]
        ),
        "anon_slope_mb_per_hour": slope_mb_per_hour([(s["t_s"], s["anon_mb"]) for s in samples]),
        "rss_max_mb": max(s["rss_mb"] for s in samples),
        "anon_max_mb": max(s["anon_mb"] for s in samples),
        "uss_max_mb": max(s["uss_mb"] for s in samples),
        "alone_uss_slope_mb_per_hour": slope_mb_per_hour(
            [(s["t_s"], s["alone_uss_mb"]) for s in samples if s["alone_uss_mb"] is not None]
        ),
        "alone_uss_max_mb": max((s["alone_uss_mb"] or 0.0) for s in samples),
        "children_rss_peak_mb": round(max(child_peak, *(s["children_rss_mb"] for s in samples)), 1),
    }


def print_logs(folder: Path, view_file: Path) -> None:
    """What went wrong: the tray's output and log, and the last view it published."""
    for log in [folder / "app.log", *sorted((folder / "tray-home").rglob("*.log"))]:
        text = log.read_text(errors="replace") if log.exists() else ""
        print(f"--- {log} (last 40 lines)\n" + "\n".join(text.splitlines()[-40:]), file=sys.stderr)
    print(f"--- last view: {read_view(view_file)}", file=sys.stderr)


def reader_lines(folder: Path) -> list[str]:
    """What the tray's log says about the history reader (its runs, their peak memory)."""
    found: list[str] = []
    for log in sorted((folder / "tray-home").rglob("claude-tray.log*")):
        for text in log.read_text(errors="replace").splitlines():
            if "history reader" in text:
                found.append(text)
    return found


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 1),
        "median": round(statistics.median(values), 1),
        "p95": round(percentile(values, 0.95), 1),
        "max": round(max(values), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appends", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between appends")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle measured")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before idle starts")
    parser.add_argument("--history", help="a generated history folder to read as a second root")
    parser.add_argument(
        "--duration", type=float, default=0.0, help="seconds of activity after the appends"
    )
    parser.add_argument("--step", type=float, default=15.0, help="seconds between lines then")
    parser.add_argument("--menu-every", type=float, default=120.0, help="seconds between menus")
    parser.add_argument("--sample", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the tray's process"
    )
    args = parser.parse_args(argv)
    # SIGTERM (a run stopped from outside) unwinds like Ctrl-C: the tray and the desktop stop.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    with tempfile.TemporaryDirectory(prefix="tray-latency-") as folder:
        result = measure(args, Path(folder))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    pub, seen = result["latency_published_ms"], result["latency_seen_ms"]
    print(
        f"startup (first view): {result['startup_s']} s"
        + (f" (history {result['history']})" if result["history"] else "")
    )
    print(
        f"append -> view published, {result['appends']} appends: median {pub['median']} ms, "
        f"p95 {pub['p95']} ms, max {pub['max']} ms (seen by this script: median "
        f"{seen['median']} ms, max {seen['max']} ms); target p95 <= 150 ms"
    )
    for when, m in result["memory"].items():
        print(
            f"memory {when}: RSS {m['rss_mb']} MB, USS {m['uss_mb']} MB (alone "
            f"{'n/a' if m['alone_uss_mb'] is None else m['alone_uss_mb']}), "
            f"PSS {m['pss_mb']} MB, "
            f"RssAnon {m['anon_mb']} MB, {m['threads']} threads, GL libraries: "
            f"{', '.join(m['gl_libraries']) or 'none'} (targets RSS <= 80, USS alone <= 45)"
        )
    print(
        f"idle CPU over {result['idle_seconds']} s: {result['idle_cpu_percent_of_one_core']}% "
        f"of one core ({result['idle_cpu_seconds']} s CPU); target < 0.5%"
    )
    print(
        f"RSS over the idle time (MB, every 5 s): {result['rss_mb_samples']} "
        f"(growth {result['rss_growth_mb']} MB)"
    )
    hour = result["activity"]
    if hour:
        lat = hour["latency_published_ms"] or {}
        print(
            f"activity {hour['duration_s']} s: {hour['steps']} lines (line -> view median "
            f"{lat.get('median')} ms, p95 {lat.get('p95')} ms), {hour['menus_opened']} menus "
            f"opened ({hour['menus_seen']} seen on screen)"
        )
        for sample in hour["samples"]:
            print(
                f"  t={sample['t_s']:7.1f} s  RSS {sample['rss_mb']:6.1f}  USS "
                f"{sample['uss_mb']:6.1f}  alone {sample['alone_uss_mb'] or 0.0:6.1f}  RssAnon "
                f"{sample['anon_mb']:6.1f}  children RSS "
                f"{sample['children_rss_mb']:6.1f} MB  "
                f"threads {sample['threads']}  history read {sample['history_read']}  "
                f"load {sample['load']}"
            )
        print(
            f"slope RSS {hour['rss_slope_mb_per_hour']} MB/h, USS {hour['uss_slope_mb_per_hour']} "
            f"MB/h, RssAnon {hour['anon_slope_mb_per_hour']} MB/h; after the history was read: "
            f"RSS {hour['rss_slope_after_read_mb_per_hour']}, "
            f"USS {hour['uss_slope_after_read_mb_per_hour']} MB/h; max RSS {hour['rss_max_mb']}, "
            f"USS {hour['uss_max_mb']} MB, USS alone {hour['alone_uss_max_mb']} MB (slope "
            f"{hour['alone_uss_slope_mb_per_hour']} MB/h); children's peak RSS "
            f"{hour['children_rss_peak_mb']} MB"
        )
    for text in result["history_reader_log"]:
        print(f"log: {text}")
    print(f"load average at the end: {result['load_average']}")
    print(f"SIGTERM -> exit code {result['exit_code']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
