"""Shared helpers for the benchmark scripts: locate the tools, build an isolated environment,
run a child and measure its wall time and peak RSS (os.wait4), read daily JSON reports.

Stdlib only. Imported by run_benchmark.py and compare_ccusage.py (run them as
``python benchmarks/<script>.py``; Python puts benchmarks/ on sys.path).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CCUSAGE_SCRATCH = Path("/tmp/ccusage-bench")
CCUSAGE_CACHE = Path.home() / ".cache/claude-tray-ccusage"  # where .ci/setup installs it
CCUSAGE_CANDIDATES = tuple(
    # the native program behind the npm wrapper: no node start-up in the timing
    place / sub
    for place in (CCUSAGE_SCRATCH, CCUSAGE_CACHE)
    for sub in ("node_modules/@ccusage/ccusage-linux-x64/bin/ccusage", "node_modules/.bin/ccusage")
)
TOKEN_FIELDS = (
    "inputTokens",
    "outputTokens",
    "cacheCreationTokens",
    "cacheReadTokens",
    "totalTokens",
)


def find_ccusage(explicit: str | None) -> str | None:
    """--ccusage PATH, else $CCUSAGE_BIN, else the /tmp/ccusage-bench install, else PATH."""
    for cand in (explicit, os.environ.get("CCUSAGE_BIN")):
        if cand:
            return cand
    for cand in CCUSAGE_CANDIDATES:
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return shutil.which("ccusage")


def find_claude_tray(explicit: str | None) -> list[str] | None:
    """--claude-tray CMD (split like a shell), else $CLAUDE_TRAY_CMD, else the repo's .venv,
    else ``claude-tray`` on PATH."""
    for cand in (explicit, os.environ.get("CLAUDE_TRAY_CMD")):
        if cand:
            return shlex.split(cand)
    venv = REPO / ".venv/bin/claude-tray"
    if venv.is_file() and os.access(venv, os.X_OK):
        return [str(venv)]
    found = shutil.which("claude-tray")
    return [found] if found else None


def compile_claude_tray(tray: list[str]) -> str:
    """Compile claude-tray's modules to bytecode in place, as `pip install .` does on a user's
    machine. An editable checkout run with PYTHONDONTWRITEBYTECODE set (as on CI) has no bytecode
    and compiles every module it imports on every run: ~1 s of a cold full read (each worker
    process compiles too), ~40 ms of a warm one. Returns what was done, for the report."""
    python = tray[0] if tray[1:2] == ["-m"] else _python_of(tray[0])
    if python is None:
        return "bytecode: not compiled (the claude-tray command is not a Python script)"
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [
            python,
            "-c",
            "import compileall, os, sys, claude_tray;"
            "sys.exit(not compileall.compile_dir(os.path.dirname(claude_tray.__file__), quiet=1))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return f"bytecode: compiling failed ({done.stderr.strip()[-200:]})"
    return "bytecode: claude-tray's modules compiled first, as `pip install .` does"


def _python_of(command: str) -> str | None:
    """The interpreter of a console script (its `#!` line), or None."""
    path = shutil.which(command) or command
    try:
        with open(path, "rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode(errors="replace").split()
    if not words:
        return None
    if os.path.basename(words[0]) == "env" and len(words) > 1:
        return shutil.which(words[1])
    return words[0] if "python" in os.path.basename(words[0]) else None


def isolated_env(
    history: str, scratch: str, tray_home: str | None = None, keep_home: bool = False
) -> dict[str, str]:
    """Environment for both tools: the history as the only Claude data root, UTC, and (unless
    keep_home) HOME/XDG dirs in a scratch folder so neither tool reads the user's own data (ccusage
    20 also scans other agents' folders under HOME)."""
    env = dict(os.environ)
    env["CLAUDE_CONFIG_DIR"] = os.path.abspath(history)
    env["TZ"] = "UTC"
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    if not keep_home:
        home = os.path.join(scratch, "home")
        os.makedirs(home, exist_ok=True)
        env["HOME"] = home
        for var, sub in (
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_CACHE_HOME", ".cache"),
            ("XDG_STATE_HOME", ".local/state"),
        ):
            env[var] = os.path.join(home, sub)
    if tray_home:
        env["CLAUDE_TRAY_HOME"] = tray_home
    return env


@dataclass
class RunResult:
    argv: list[str]
    wall_s: float
    peak_rss_mb: float
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    extra: dict = field(default_factory=dict)
    cpu_s: float = 0.0
    """User and system CPU seconds of the process and the children it waited for (its worker
    processes; a native program's threads are its own)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def json(self) -> object | None:
        try:
            return json.loads(self.stdout)
        except ValueError:
            return None


def run_measured(
    argv: list[str], env: dict[str, str], timeout: float = 900.0, cwd: str | None = None
) -> RunResult:
    """Run argv to completion; wall seconds from spawn to reap, peak RSS from the child's rusage
    (ru_maxrss: KB on Linux, bytes on macOS; on Linux it covers the child's own reaped children
    too, so the npm wrapper's native child is included). Output goes to temp files, not pipes,
    so a big report cannot stall the child. What the runs before wrote is flushed to disk first
    (`os.sync`): a cold run leaves ~100 MB of ledger to write back, and the next run, of either
    tool, would otherwise pay for the kernel's writeback of it."""
    import subprocess

    if hasattr(os, "sync"):
        os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        timed_out = threading.Event()
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd
            )
        except OSError as exc:
            return RunResult(argv, 0.0, 0.0, 127, "", f"cannot start: {exc}")

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(OSError):
                proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        sampler = _TreeRss(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.stop()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        # Worker processes run at the same time: their memory adds up, so the peak of the
        # summed tree (sampled every 20 ms) is the figure that counts, when it is larger.
        rss = max(rss, sampler.peak_kb / 1024)
        return RunResult(
            argv,
            wall,
            rss,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            timed_out.is_set(),
            cpu_s=usage.ru_utime + usage.ru_stime,
        )


class _TreeRss(threading.Thread):
    """Samples the summed RSS of a process and all its descendants (Linux /proc; elsewhere a
    no-op, leaving ru_maxrss as the figure)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=1)

    def run(self) -> None:
        if not os.path.exists(f"/proc/{self.pid}"):
            return
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in _tree(self.pid)))
            self._done.wait(0.02)


def _tree(pid: int) -> list[int]:
    found = [pid]
    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{pid}/children") as handle:
        for child in handle.read().split():
            found += _tree(int(child))
    return found


def _rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def history_stats(history: str) -> tuple[int, int]:
    """(bytes, files) of the *.jsonl files under history/projects."""
    total = files = 0
    for root, _dirs, names in os.walk(os.path.join(history, "projects")):
        for name in names:
            if name.endswith(".jsonl"):
                files += 1
                total += os.path.getsize(os.path.join(root, name))
    return total, files


def prewarm(history: str) -> float:
    """Read every transcript once so both tools start with the same (warm) page cache."""
    t0 = time.perf_counter()
    buf = bytearray(1 << 20)
    for root, _dirs, names in os.walk(os.path.join(history, "projects")):
        for name in names:
            if name.endswith(".jsonl"):
                with open(os.path.join(root, name), "rb", buffering=0) as fh:
                    while fh.readinto(buf):
                        pass
    return time.perf_counter() - t0


def daily_rows(report: object) -> dict[str, dict]:
    """{date: row} from a daily report: ccusage 20 names the day ``period`` (older ccusage and
    claude-tray: ``date``); rows with no tokens are dropped."""
    rows: dict[str, dict] = {}
    if not isinstance(report, dict):
        return rows
    for row in report.get("daily") or []:
        day = row.get("date") or row.get("period")
        if day and any(row.get(k) for k in TOKEN_FIELDS):
            rows[str(day)[:10]] = row
    return rows


def fmt_mb(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"
