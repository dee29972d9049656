#!/usr/bin/env python3
"""Generate a realistic, deterministic Claude Code history for benchmarks and engine tests.

    python benchmarks/generate_history.py OUT_DIR --size 1GB [--seed 1] [--days 60]
                                          [--end-date 2026-11-20] [--compat]

Writes ``OUT_DIR/projects/<folder>/<session>.jsonl`` (plus subagent transcripts under
``<session>/subagents/agent-<id>.jsonl`` and, for older versions, ``agent-<id>.jsonl`` beside the
sessions) and ``OUT_DIR/manifest.json`` with the generator's own expected totals per UTC day.
Point ``CLAUDE_CONFIG_DIR`` at OUT_DIR to read it with claude-tray or ccusage.

What the history contains (see /work/shared/claude-code-data.md for the format):
- many projects (cwd ``/home/dev/proj-N`` and a few odd names; folder = cwd with every
  non-alphanumeric character turned into ``-``), sessions spread over ``--days`` days ending at
  ``--end-date`` (UTC), timestamps ``YYYY-MM-DDTHH:MM:SS.mmmZ``;
- user prompts, big tool results (file contents, command output: most of the bytes, written twice
  as in real transcripts: ``message.content`` and ``toolUseResult``);
- each API response split over 1-4 lines (thinking / text / tool_use) sharing ``message.id`` and
  ``requestId``, each line with its own copy of ``usage``;
- resumed sessions (a new file that starts with copies of another session's lines under the new
  ``sessionId``), subagent transcripts (``isSidechain: true``), compactions (``compact_boundary``
  system line + ``isCompactSummary`` user line), ``summary`` / ``file-history-snapshot`` /
  ``ai-title`` / ``queue-operation`` / ``attachment`` / ``progress`` / other ``system`` lines and a
  few ``<synthetic>`` API-error lines;
- traps for a parser: Task results whose ``toolUseResult`` carries a ``usage`` object, and (version
  2.1.14) ``agent_progress`` lines embedding every subagent line, usage included; neither is an
  API response of its own. ``agent-<id>.meta.json`` sidecars beside new-layout subagent files;
- a few marathon sessions (60-200 turns, tens of MB, several compactions).

Default mode is "real": earlier streamed copies carry a smaller ``output_tokens`` than the last one,
newer versions split cache writes 5m / 1h (some sessions write to the 1-hour cache), a few Opus 4.6
sessions run in fast mode (``usage.speed: "fast"``), a few Sonnet 4.5 sessions go above 200k
tokens of input (long-context pricing), and ~1% of responses have no ``requestId``.

``--compat`` makes the history on which claude-tray must equal ccusage 20 (tokens to the token,
cost within 0.01%): every streamed copy carries identical usage, no 1-hour cache writes, no fast
mode, every request has a ``requestId`` and input + cache write + cache read <= 200,000.

manifest.json holds, per UTC day and per model, the tokens after correct dedupe (per message.id +
requestId, or message.id alone without requestId, keep the copy with the largest token total) and
the cost by the price table of claude-code-data.md, in ccusage's field names (``daily``,
``totals``); ``ccusage20``: the same report as ccusage 20.0.24 makes it by its measured behaviour
(see benchmarks/README.md); per-session expected context (``sessions``); file/byte counts; and
diagnostics (e.g. the output tokens one would get by keeping the first streamed copy instead).

Stdlib only. Deterministic for a given (size, seed, days, end-date, compat).
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field

FILL = "@@FILL@@"  # placeholder replaced by a pre-escaped filler string after json.dumps
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

# --------------------------------------------------------------------------------------------
# Prices (USD per million tokens) from claude-code-data.md: input, output, cache write 5m,
# cache write 1h, cache read. Only models with an unambiguous price in that table are generated.
# --------------------------------------------------------------------------------------------
PRICES = {
    "opus-new": (5.0, 25.0, 6.25, 10.0, 0.50),  # Opus 4.5, 4.6, ...
    "opus-old": (15.0, 75.0, 18.75, 30.0, 1.50),  # Opus 4, 4.1
    "sonnet": (3.0, 15.0, 3.75, 6.0, 0.30),  # Sonnet 4, 4.5, 4.6
    "haiku-4-5": (1.0, 5.0, 1.25, 2.0, 0.10),
}
SONNET_LONG = (6.0, 22.5, 7.5, 12.0, 0.60)  # Sonnet 4 / 4.5, request input > 200k
OPUS_46_FAST = (30.0, 150.0, 37.5, 60.0, 3.0)  # fast mode: multipliers 1.25x / 2x / 0.1x

MODEL_FAMILY = {
    "claude-opus-4-5": "opus-new",
    "claude-opus-4-5-20251101": "opus-new",
    "claude-opus-4-6": "opus-new",
    "claude-opus-4-1-20250805": "opus-old",
    "claude-sonnet-4-5-20250929": "sonnet",
    "claude-sonnet-4-6": "sonnet",
    "claude-haiku-4-5-20251001": "haiku-4-5",
    "claude-haiku-4-5": "haiku-4-5",
}
MAIN_MODELS = [  # (model, weight)
    ("claude-opus-4-5-20251101", 16),
    ("claude-opus-4-5", 10),
    ("claude-opus-4-6", 24),
    ("claude-sonnet-4-5-20250929", 28),
    ("claude-sonnet-4-6", 10),
    ("claude-haiku-4-5-20251001", 6),
    ("claude-opus-4-1-20250805", 6),
]
SUBAGENT_MODELS = [
    ("claude-haiku-4-5-20251001", 55),
    ("claude-sonnet-4-5-20250929", 35),
    ("claude-opus-4-6", 10),
]
VERSIONS = [  # (version, weight, cache_creation split, speed, new subagent layout, agent_progress)
    ("1.0.98", 8, False, False, False, False),
    ("2.0.14", 10, True, False, False, False),
    ("2.0.64", 17, True, False, False, False),
    ("2.1.14", 20, True, False, True, True),
    ("2.1.90", 25, True, True, True, False),
    ("2.1.140", 20, True, True, True, False),
]
LONG_CONTEXT = 200_000
SYSTEM_PROMPT_TOKENS = 14_500


@dataclass
class Usage:
    inp: int
    c5: int
    c1: int
    cr: int
    out: int

    @property
    def cc(self) -> int:
        return self.c5 + self.c1

    @property
    def prompt(self) -> int:
        return self.inp + self.c5 + self.c1 + self.cr


def request_cost(model: str, speed: str | None, u: Usage) -> float:
    """USD for one request, by the rules of claude-code-data.md."""
    if model.startswith("claude-sonnet-4-5") and u.prompt > LONG_CONTEXT:
        p = SONNET_LONG
    elif speed == "fast" and model == "claude-opus-4-6":
        p = OPUS_46_FAST
    else:
        p = PRICES[MODEL_FAMILY[model]]
    return (u.inp * p[0] + u.out * p[1] + u.c5 * p[2] + u.c1 * p[3] + u.cr * p[4]) / 1e6


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def parse_size(text: str) -> int:
    """'1GB' -> 1073741824 (binary units: B, KB, MB, GB, KiB, ...; a plain integer is bytes)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(I?B)?\s*", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size: {text!r} (use e.g. 20MB, 1GB)")
    mult = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2)]
    return int(float(m.group(1)) * mult)


def iso(ms: int) -> str:
    """Epoch milliseconds -> '2026-11-20T10:00:05.123Z'."""
    s, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{frac:03d}Z"


def day_of(ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))


def folder_for(cwd: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


class Ids:
    """Deterministic id factory (uuid-like, msg_, req_, toolu_, agent ids)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def b62(self, n: int) -> str:
        r = self.rng.getrandbits
        return "".join(_B62[r(6) % 62] for _ in range(n))

    def msg(self) -> str:
        return "msg_01" + self.b62(22)

    def req(self) -> str:
        return "req_011C" + self.b62(20)

    def tool(self) -> str:
        return "toolu_01" + self.b62(22)

    def agent(self) -> str:
        return f"{self.rng.getrandbits(32):08x}"


# --------------------------------------------------------------------------------------------
# Fillers: pre-built, pre-escaped texts that make up most of the bytes.
# --------------------------------------------------------------------------------------------
_WORDS = [
    "config",
    "value",
    "result",
    "handler",
    "request",
    "response",
    "buffer",
    "index",
    "offset",
    "token",
    "session",
    "ledger",
    "parse",
    "render",
    "widget",
    "cache",
    "stream",
    "reader",
    "writer",
    "context",
    "window",
    "model",
    "price",
    "total",
    "daily",
    "sample",
    "manager",
    "factory",
    "backend",
    "adapter",
    "record",
    "snapshot",
]
_UNICODE = ["→", "é", "ü", "✓", "—", "…", "日本", "🙂"]


class Fillers:
    """A pool of texts of log-uniform sizes, JSON-escaped, with a token estimate each."""

    def __init__(self, rng: random.Random, count: int = 192, lo: int = 400, hi: int = 90_000):
        self.escaped: list[str] = []
        self.tokens: list[int] = []
        self.rng = rng
        for i in range(count):
            size = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
            text = self._make(rng, size, kind=i % 4)
            self.escaped.append(_dumps(text)[1:-1])
            self.tokens.append(max(1, len(text) // 4))
        self.by_size = sorted(range(count), key=lambda i: len(self.escaped[i]))

    @staticmethod
    def _make(rng: random.Random, size: int, kind: int) -> str:
        out, n, ln = [], 0, 1
        w = _WORDS
        while n < size:
            a, b, c = rng.choice(w), rng.choice(w), rng.choice(w)
            if kind == 0:  # python source
                s = (
                    f"    def {a}_{b}(self, {c}: int = {ln}) -> str:\n"
                    f'        return "{a} {c}" % self.{b}  # {rng.choice(_UNICODE)}\n'
                )
            elif kind == 1:  # command output
                s = f"{ln:6d}  {a}/{b}_{c}.py  PASSED [{ln % 100:3d}%]\t{rng.random():.6f}s\n"
            elif kind == 2:  # json-ish
                note = rng.choice(_UNICODE)
                s = f'{{"{a}": "{b}\\\\{c}", "n": {ln}, "ok": true, "note": "{note}"}}\n'
            else:  # prose
                s = f"The {a} {b} keeps the {c} in order; see line {ln} — it should not change.\n"
            out.append(s)
            n += len(s)
            ln += 1
        return "".join(out)

    def pick(self, bias: float = 1.0) -> int:
        """Index of a filler; bias < 1 favours small ones."""
        k = int(len(self.by_size) * (self.rng.random() ** (1.0 / bias)))
        return self.by_size[min(k, len(self.by_size) - 1)]

    def small(self) -> int:
        return self.by_size[self.rng.randrange(len(self.by_size) // 4)]


# --------------------------------------------------------------------------------------------
# Expected totals (manifest)
# --------------------------------------------------------------------------------------------
def ccusage20_cost(model: str, speed: str | None, u: Usage) -> float:
    """What ccusage 20.0.24 (--offline) charges for one usage entry, as measured: the doc's rates
    (1h writes at the 1h rate, fast Opus 4.6 at 30/150) except that for Sonnet 4 / 4.5 it tiers
    each token kind on its own: the part of that kind above 200k at the long-context rate,
    instead of the whole request once input + cache write + cache read exceeds 200k."""
    if speed == "fast" and model == "claude-opus-4-6":
        p = OPUS_46_FAST
        return (u.inp * p[0] + u.out * p[1] + u.c5 * p[2] + u.c1 * p[3] + u.cr * p[4]) / 1e6
    p = PRICES[MODEL_FAMILY[model]]
    if not model.startswith("claude-sonnet-4-5"):
        return (u.inp * p[0] + u.out * p[1] + u.c5 * p[2] + u.c1 * p[3] + u.cr * p[4]) / 1e6
    cost = 0.0
    for n, base, long in zip((u.inp, u.out, u.c5, u.c1, u.cr), p, SONNET_LONG, strict=True):
        cost += (min(n, LONG_CONTEXT) * base + max(n - LONG_CONTEXT, 0) * long) / 1e6
    return cost


class Book:
    """Tokens and cost per UTC day and model."""

    def __init__(self):
        self.days: dict[str, dict[str, list]] = {}  # day -> model -> [in,out,c5,c1,cr,cost,n]

    def add(self, day: str, model: str, u: Usage, cost: float, sign: int = 1):
        row = self.days.setdefault(day, {}).setdefault(model, [0, 0, 0, 0, 0, 0.0, 0])
        row[0] += sign * u.inp
        row[1] += sign * u.out
        row[2] += sign * u.c5
        row[3] += sign * u.c1
        row[4] += sign * u.cr
        row[5] += sign * cost
        row[6] += sign

    def report(self, extra: dict[str, dict] | None = None) -> dict:
        """{"daily": [...], "totals": {...}} in ccusage's field names (``date`` for the day)."""
        keys = (
            "inputTokens",
            "outputTokens",
            "cacheCreationTokens",
            "cacheCreation5mTokens",
            "cacheCreation1hTokens",
            "cacheReadTokens",
            "totalTokens",
            "responses",
        )
        daily, tot = [], dict.fromkeys(keys, 0)
        tot["totalCost"] = 0.0
        for day in sorted(self.days):
            models = self.days[day]
            br, d = [], dict.fromkeys(tot, 0)
            d["totalCost"] = 0.0
            for model in sorted(models):
                i, o, c5, c1, cr, cost, n = models[model]
                vals = dict(
                    zip(keys, (i, o, c5 + c1, c5, c1, cr, i + o + c5 + c1 + cr, n), strict=True)
                )
                br.append({"modelName": model, **vals, "cost": round(cost, 10)})
                for k, v in vals.items():
                    d[k] += v
                d["totalCost"] += cost
            for k in tot:
                tot[k] += d[k]
            d["totalCost"] = round(d["totalCost"], 10)
            daily.append(
                {
                    "date": day,
                    **d,
                    **(extra or {}).get(day, {}),
                    "modelsUsed": sorted(models),
                    "modelBreakdowns": br,
                }
            )
        tot["totalCost"] = round(tot["totalCost"], 10)
        return {"daily": daily, "totals": tot}


class Ledger:
    """The generator's own books: what a correct engine must count (``correct``), and what
    ccusage 20.0.24 reports by its measured behaviour (``ccusage20``)."""

    def __init__(self):
        self.correct = Book()
        self.ccusage20 = Book()
        self.first_copy_output: dict[str, int] = {}
        self.no_request_id = 0
        self.sessions: dict[str, dict] = {}

    def response(
        self,
        day: str,
        model: str,
        u: Usage,
        outs: list[int],
        speed: str | None,
        has_request_id: bool,
        sidechain: bool,
    ) -> list[tuple]:
        """Book one response written as len(outs) copies (the last has the final usage).
        Returns the copies ccusage counts again when the lines are copied to another file."""
        self.correct.add(day, model, u, request_cost(model, speed, u))
        self.first_copy_output[day] = self.first_copy_output.get(day, 0) + outs[0]
        self.no_request_id += not has_request_id
        if has_request_id or sidechain:
            # ccusage keeps the largest copy, as the rules say; without requestId it still
            # dedupes sidechain lines (on sessionId + message.id), but not main-chain ones
            self.ccusage20.add(day, model, u, ccusage20_cost(model, speed, u))
        copies = [(day, model, Usage(u.inp, u.c5, u.c1, u.cr, o), speed) for o in outs]
        if has_request_id:
            return []
        if not sidechain:
            self.recount(copies)  # ccusage does not dedupe without requestId: every line counts
        return copies

    @staticmethod
    def embedded(copies: list[tuple]) -> list[tuple]:
        """Sidechain copies without requestId embedded in the parent by agent_progress lines:
        ccusage dedupes them with the subagent file's (sessionId + message.id), so they add
        nothing here; but a resumed copy of the parent rewrites their sessionId, and there
        each response counts once more (its largest copy). Returns those largest copies."""
        last: dict[tuple, tuple] = {}
        for c in copies:  # copies of one response share everything but output; the last is largest
            last[(c[0], c[1], c[2].inp, c[2].c5, c[2].c1, c[2].cr)] = c
        return list(last.values())

    def recount(self, copies: list[tuple]):
        for day, model, u, speed in copies:
            self.ccusage20.add(day, model, u, ccusage20_cost(model, speed, u))

    def manifest(self, args, files: int, nbytes: int, elapsed: float) -> dict:
        extra = {d: {"firstCopyOutputTokens": n} for d, n in self.first_copy_output.items()}
        correct = self.correct.report(extra)
        return {
            "generator": {
                "name": "claude-tray benchmarks/generate_history.py",
                "seed": args.seed,
                "size_requested": args.size,
                "days": args.days,
                "end_date": args.end_date,
                "compat": args.compat,
                "elapsed_s": round(elapsed, 2),
            },
            "rules": (
                "daily/totals: tokens per UTC day after dedupe on message.id+requestId "
                "(message.id alone without requestId), keeping the copy with the largest "
                "token total; cost by the price table of claude-code-data.md (Sonnet 4.5 "
                "long context when input + cache write + cache read > 200k, fast Opus 4.6 "
                "at 30/150 with the usual cache multipliers); totalTokens = input + output "
                "+ cacheCreation + cacheRead. ccusage20: what ccusage 20.0.24 daily "
                "--offline reports by its measured behaviour (no dedupe of main-chain lines "
                "without requestId, "
                "per-kind 200k tiering for Sonnet 4.5); equals daily in --compat mode."
            ),
            "files": files,
            "bytes": nbytes,
            "daily": correct["daily"],
            "totals": correct["totals"],
            "ccusage20": self.ccusage20.report(),
            "diagnostics": {
                "responsesWithoutRequestId": self.no_request_id,
                "firstCopyOutputTokens": sum(self.first_copy_output.values()),
            },
            "sessions": self.sessions,
        }


# --------------------------------------------------------------------------------------------
# Session writer
# --------------------------------------------------------------------------------------------
@dataclass
class Session:
    sid: str
    cwd: str
    branch: str
    version: tuple
    model: str
    cache_1h: bool
    fast: bool
    long_context: bool
    sidechain: bool = False
    agent_id: str | None = None
    lines: list[str] = field(default_factory=list)
    nbytes: int = 0
    clock: int = 0  # epoch ms of the next event
    context: int = 0  # prompt tokens of the latest request (0: none yet)
    last_out: int = 0
    parent: str | None = None  # uuid of the previous line
    expected_context: int = 0  # what a correct engine reports as this session's context
    uncounted: list = field(default_factory=list)  # copies without requestId (ccusage recounts)
    compactions: int = 0


class Generator:
    def __init__(self, args):
        self.args = args
        self.compat = args.compat
        self.rng = random.Random(args.seed)
        self.ids = Ids(self.rng)
        self.fill = Fillers(
            random.Random(args.seed * 7919 + 17), hi=getattr(args, "tool_output_max", 90_000)
        )
        text = getattr(args, "assistant_text", 0)
        # long assistant lines (thinking, text): their own pool around --assistant-text bytes
        self.afill = (
            Fillers(random.Random(args.seed * 104729 + 3), count=64, lo=text // 2, hi=text * 2)
            if text
            else self.fill
        )
        self.sig_pool = self.ids.b62(8192)
        self.ledger = Ledger()
        self.out_dir = args.out_dir
        self.files = 0
        self.nbytes = 0
        end = calendar.timegm(time.strptime(args.end_date, "%Y-%m-%d")) * 1000 + 86_400_000
        self.window = (end - args.days * 86_400_000, end)
        self.projects = self._projects(max(4, min(64, args.size // (20 << 20) + 4)))

    # ---- setup ----------------------------------------------------------------------------
    def _projects(self, n: int) -> list[tuple[str, float]]:
        odd = [
            "/home/dev/my_app.v2",
            "/home/dev/proj-1/frontend",
            "/home/dev/Client Work/site",
            "/home/dev/proj-2/services/api",
        ]
        cwds = [f"/home/dev/proj-{i}" for i in range(1, n + 1 - len(odd))] + odd
        return [(c, 1.0 / (k + 1) ** 0.8) for k, c in enumerate(cwds)]

    def _weighted(self, items):
        return self.rng.choices([i[0] for i in items], [i[1] for i in items])[0]

    # ---- line building ----------------------------------------------------------------------
    def _envelope(self, s: Session, kind: str, ts: int) -> dict:
        d = {
            "parentUuid": s.parent,
            "isSidechain": s.sidechain,
            "userType": "external",
            "cwd": s.cwd,
            "sessionId": s.sid,
            "version": s.version[0],
            "gitBranch": s.branch,
        }
        if s.agent_id:
            d["agentId"] = s.agent_id
        d["type"] = kind
        return d

    def _emit(
        self, s: Session, d: dict, fill: int | None = None, pool: Fillers | None = None
    ) -> str:
        uid = self.ids.uuid()
        d["uuid"] = uid
        line = _dumps(d)
        if fill is not None:
            line = line.replace(FILL, (pool or self.fill).escaped[fill])
        s.lines.append(line)
        s.nbytes += len(line) + 1
        s.parent = uid
        return uid

    def _user_text(self, s: Session, text: str, **extra):
        d = self._envelope(s, "user", s.clock)
        d["message"] = {"role": "user", "content": text}
        d.update(extra)
        d["timestamp"] = iso(s.clock)
        self._emit(s, d)

    def _tool_result(self, s: Session, tool_id: str, tool: str) -> int:
        """A user line carrying a tool result; returns its token estimate."""
        f = self.fill.pick(bias=0.8)
        d = self._envelope(s, "user", s.clock)
        d["message"] = {
            "role": "user",
            "content": [{"tool_use_id": tool_id, "type": "tool_result", "content": FILL}],
        }
        d["timestamp"] = iso(s.clock)
        if tool == "Read":
            n = self.fill.escaped[f].count("\\n")
            d["toolUseResult"] = {
                "type": "text",
                "file": {
                    "filePath": f"{s.cwd}/src/{self.rng.choice(_WORDS)}.py",
                    "content": FILL,
                    "numLines": n,
                    "startLine": 1,
                    "totalLines": n,
                },
            }
        else:
            d["toolUseResult"] = {
                "stdout": FILL,
                "stderr": "",
                "interrupted": False,
                "isImage": False,
            }
        self._emit(s, d, f)
        return self.fill.tokens[f]

    def _misc(self, s: Session):
        """One of the other line types, for realism (parsers must skip them)."""
        r = self.rng.random()
        ts = iso(s.clock)
        if r < 0.45:
            line = _dumps(
                {
                    "type": "file-history-snapshot",
                    "messageId": self.ids.uuid(),
                    "snapshot": {
                        "messageId": self.ids.uuid(),
                        "trackedFileBackups": {},
                        "timestamp": ts,
                    },
                    "isSnapshotUpdate": False,
                }
            )
        elif r < 0.6:
            line = _dumps(
                {
                    "type": "queue-operation",
                    "operation": "enqueue",
                    "timestamp": ts,
                    "sessionId": s.sid,
                    "content": "and run the tests too",
                }
            )
        elif r < 0.75:
            d = self._envelope(s, "progress", s.clock)
            d.update(
                {
                    "data": {
                        "type": "hook_progress",
                        "hookEvent": "PostToolUse",
                        "hookName": "PostToolUse:Edit",
                        "command": "ruff format",
                    },
                    "toolUseID": self.ids.tool(),
                    "timestamp": ts,
                }
            )
            self._emit(s, d)
            return
        elif r < 0.9:
            d = self._envelope(s, "system", s.clock)
            d.update(
                {
                    "subtype": "turn_duration",
                    "durationMs": self.rng.randrange(2000, 90000),
                    "timestamp": ts,
                    "isMeta": False,
                }
            )
            self._emit(s, d)
            return
        else:
            d = self._envelope(s, "attachment", s.clock)
            d.update(
                {
                    "attachment": {"type": "todo_reminder", "content": [], "itemCount": 0},
                    "timestamp": ts,
                }
            )
            self._emit(s, d)
            return
        s.lines.append(line)
        s.nbytes += len(line) + 1

    def _synthetic_error(self, s: Session):
        d = self._envelope(s, "assistant", s.clock)
        d["message"] = {
            "id": self.ids.uuid(),
            "container": None,
            "model": "<synthetic>",
            "role": "assistant",
            "stop_reason": "stop_sequence",
            "stop_sequence": "",
            "type": "message",
            "usage": {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
                "service_tier": None,
                "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
            },
            "content": [
                {
                    "type": "text",
                    "text": "API Error: 529 "
                    '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
                }
            ],
        }
        d["timestamp"] = iso(s.clock)
        d["isApiErrorMessage"] = True
        self._emit(s, d)
        s.clock += self.rng.randrange(1000, 20000)

    # ---- the core: one API request written as 1-4 lines ---------------------------------------
    def _usage_dict(self, s: Session, u: Usage, out: int, speed: str | None) -> dict:
        d = {
            "input_tokens": u.inp,
            "cache_creation_input_tokens": u.cc,
            "cache_read_input_tokens": u.cr,
        }
        if s.version[2]:
            d["cache_creation"] = {
                "ephemeral_5m_input_tokens": u.c5,
                "ephemeral_1h_input_tokens": u.c1,
            }
        d["output_tokens"] = out
        d["service_tier"] = "standard"
        if s.version[3]:
            d["speed"] = speed or "standard"
        return d

    def _response(self, s: Session, new_tokens: int, want_tools: int) -> list[tuple[str, str]]:
        """Write one response; returns the tool_use (id, name) pairs it asked for."""
        rng = self.rng
        # -- usage of this request
        if s.context == 0:  # first request of a session: system prompt + tools, often cached
            cr = SYSTEM_PROMPT_TOKENS if rng.random() < 0.7 else 0
            cc = SYSTEM_PROMPT_TOKENS - cr + new_tokens + rng.randrange(200, 3000)
        elif rng.random() < 0.04:  # cache miss (expired): everything written again
            cr, cc = 0, s.context + s.last_out + new_tokens
        else:
            cr, cc = s.context, s.last_out + new_tokens
        inp = (
            rng.choice((1, 2, 3, 4, 5, 6, 8, 10))
            if rng.random() < 0.95
            else rng.randrange(10, 3000)
        )
        limit = 195_000 if (self.compat or not s.long_context) else 950_000
        if inp + cc + cr > limit:  # keep within the window; trim the cache read
            cr = max(0, limit - inp - cc)
            cc = min(cc, limit - inp - cr)
        if not s.version[2] or not s.cache_1h or self.compat:
            c5, c1 = cc, 0
        elif rng.random() < 0.8:
            c5, c1 = 0, cc
        else:
            c1 = rng.randrange(0, cc + 1)
            c5 = cc - c1
        blocks = []
        if rng.random() < 0.6:
            blocks.append("thinking")
        if rng.random() < 0.7 or (not blocks and not want_tools):
            blocks.append("text")
        tools = []
        for _ in range(want_tools):
            name = (
                "Task"
                if not s.sidechain and rng.random() < 0.04
                else rng.choice(("Read", "Read", "Bash", "Grep", "Edit"))
            )
            tools.append((self.ids.tool(), name))
            blocks.append("tool_use")
        out = rng.randrange(40, 1500) + (rng.randrange(200, 2500) if "thinking" in blocks else 0)
        u = Usage(inp, c5, c1, cr, out)
        speed = "fast" if (s.fast and not self.compat) else None
        # -- copies: earlier ones smaller in real mode, identical in compat mode
        n = len(blocks)
        if self.compat:
            outs = [out] * n
        else:
            fr = sorted(rng.random() for _ in range(n - 1))
            outs = [max(1, int(out * f * 0.9)) for f in fr] + [out]
        mid = self.ids.msg()
        rid = None if (not self.compat and rng.random() < 0.01) else self.ids.req()
        # keep all copies on the same UTC day (a tie between copies must not pick the day)
        step = rng.randrange(150, 2500)
        start = s.clock
        if day_of(start) != day_of(start + step * (n - 1)):
            start = (start // 86_400_000 + 1) * 86_400_000 + 37
        ti = 0
        for k, kind in enumerate(blocks):
            fill = None
            pool = self.fill
            if kind == "thinking":
                o = rng.randrange(0, len(self.sig_pool) - 1200)
                blk = {
                    "type": "thinking",
                    "thinking": FILL,
                    "signature": self.sig_pool[o : o + rng.randrange(200, 1200)],
                }
                fill = self.afill.small() if self.afill is self.fill else self.afill.pick()
                pool = self.afill
            elif kind == "text":
                blk = {"type": "text", "text": FILL}
                fill = self.afill.small() if self.afill is self.fill else self.afill.pick()
                pool = self.afill
            else:
                tid, name = tools[ti]
                ti += 1
                inp_ = {"file_path": f"{s.cwd}/src/{rng.choice(_WORDS)}.py"}
                if name == "Edit":
                    inp_.update({"old_string": FILL, "new_string": "pass"})
                    fill = self.fill.small()
                elif name == "Bash":
                    inp_ = {"command": "pytest -q", "description": "Run the tests"}
                elif name == "Grep":
                    inp_ = {"pattern": rng.choice(_WORDS), "path": s.cwd}
                elif name == "Task":
                    inp_ = {
                        "description": f"Find {rng.choice(_WORDS)} uses",
                        "prompt": f"Search the codebase for every use of {rng.choice(_WORDS)}.",
                        "subagent_type": rng.choice(("Explore", "general-purpose", "Plan")),
                    }
                blk = {"type": "tool_use", "id": tid, "name": name, "input": inp_}
            last = k == n - 1
            d = self._envelope(s, "assistant", start)
            d["message"] = {
                "model": s.model,
                "id": mid,
                "type": "message",
                "role": "assistant",
                "content": [blk],
                "stop_reason": ("tool_use" if tools else "end_turn") if last else None,
                "stop_sequence": None,
                "usage": self._usage_dict(s, u, outs[k], speed),
            }
            if rid is not None:
                d["requestId"] = rid
            # key order as in real files: ..., message, requestId, type, timestamp, uuid
            d["type"] = d.pop("type")
            d["timestamp"] = iso(start + step * k)
            self._emit(s, d, fill, pool)
        s.clock = start + step * (n - 1) + rng.randrange(300, 4000)
        s.uncounted += self.ledger.response(
            day_of(start), s.model, u, outs, speed, rid is not None, s.sidechain
        )
        s.context, s.last_out = u.prompt, out
        if not s.sidechain:
            s.expected_context = u.prompt
        return tools

    def _compact(self, s: Session, trigger: str):
        pre = s.context
        post = self.rng.randrange(18_000, 42_000)
        d = self._envelope(s, "system", s.clock)
        d.update(
            {
                "subtype": "compact_boundary",
                "content": "Conversation compacted",
                "isMeta": False,
                "timestamp": iso(s.clock),
                "level": "info",
                "compactMetadata": {"trigger": trigger, "preTokens": pre, "postTokens": post},
            }
        )
        s.parent = None
        self._emit(s, d)
        s.clock += self.rng.randrange(20_000, 90_000)
        f = self.fill.small()
        d = self._envelope(s, "user", s.clock)
        d["message"] = {
            "role": "user",
            "content": "This session is being continued from a previous "
            "conversation that ran out of context. Summary:\n" + FILL,
        }
        d.update(
            {"isVisibleInTranscriptOnly": True, "isCompactSummary": True, "timestamp": iso(s.clock)}
        )
        self._emit(s, d, f)
        # after compaction the prompt is the system prompt (cached) + the summary (new)
        s.context = SYSTEM_PROMPT_TOKENS
        s.last_out = post - SYSTEM_PROMPT_TOKENS
        s.expected_context = post
        s.compactions += 1

    def _turn(self, s: Session, budget: list[int]):
        """A user prompt and the requests it triggers; budget[0] counts requests left."""
        rng = self.rng
        self._user_text(
            s,
            f"Please look at the {rng.choice(_WORDS)} {rng.choice(_WORDS)} and fix the "
            f"failing test in {rng.choice(_WORDS)}.py {rng.choice(_UNICODE)}",
        )
        if rng.random() < 0.5:
            self._misc(s)
        s.clock += rng.randrange(1500, 6000)
        new_tokens = rng.randrange(20, 400)
        for _ in range(rng.randrange(1, 9)):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            threshold = 160_000 if (self.compat or not s.long_context) else 700_000
            if s.context + s.last_out + new_tokens > threshold and not s.sidechain:
                self._compact(s, "auto")
            if rng.random() < 0.01:
                self._synthetic_error(s)
            want = 0 if (budget[0] <= 0 or rng.random() < 0.2) else rng.choice((1, 1, 1, 2))
            tools = self._response(s, new_tokens, want)
            if not tools:
                break
            new_tokens = 0
            for tid, name in tools:
                s.clock += rng.randrange(200, 8000)
                if name == "Task":
                    new_tokens += self._subagent(s, tid)
                else:
                    new_tokens += self._tool_result(s, tid, name)
                if rng.random() < 0.15:
                    self._misc(s)
            s.clock += rng.randrange(500, 5000)
        if not s.sidechain and rng.random() < 0.02:
            self._compact(s, "manual")

    def _subagent(self, parent: Session, tool_id: str) -> int:
        """A Task tool call: the subagent's own transcript (isSidechain), for some versions
        ``agent_progress`` lines in the parent that embed each subagent line (usage included:
        not to be counted again), then the Task result in the parent, whose ``toolUseResult``
        carries a ``usage`` object of its own (not an API response either). Returns the
        result's token estimate."""
        rng = self.rng
        agent = self.ids.agent()
        sub = Session(
            sid=parent.sid,
            cwd=parent.cwd,
            branch=parent.branch,
            version=parent.version,
            model=self._weighted(SUBAGENT_MODELS),
            cache_1h=parent.cache_1h,
            fast=False,
            long_context=False,
            sidechain=True,
            agent_id=agent,
            clock=parent.clock,
        )
        budget = [rng.randrange(3, 16)]
        prompt = f"Search the codebase for every use of {rng.choice(_WORDS)} and report back."
        self._user_text(sub, prompt)
        sub.clock += 800
        while budget[0] > 0:
            self._turn_body_subagent(sub, budget)
        folder = os.path.join(self.out_dir, "projects", folder_for(parent.cwd))
        if parent.version[4]:
            path = os.path.join(folder, parent.sid, "subagents", f"agent-{agent}.jsonl")
            meta = {"agentType": "Explore", "description": prompt[:40], "toolUseId": tool_id}
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path[: -len(".jsonl")] + ".meta.json", "w", encoding="utf-8") as fh:
                fh.write(_dumps(meta))
        else:
            path = os.path.join(folder, f"agent-{agent}.jsonl")
        self._write(path, sub.lines, sub.clock)
        if parent.version[5]:  # agent_progress: each subagent line embedded in the parent
            parent.uncounted += self.ledger.embedded(sub.uncounted)
            for line in sub.lines:
                d = self._envelope(parent, "progress", parent.clock)
                d.update(
                    {
                        "data": {
                            "type": "agent_progress",
                            "prompt": prompt,
                            "agentId": agent,
                            "message": FILL,
                        },
                        "toolUseID": "agent_msg_" + self.ids.b62(24),
                        "parentToolUseID": tool_id,
                        "timestamp": line[line.rfind('"timestamp":"') + 13 :][:24],
                    }
                )
                uid = self.ids.uuid()
                d["uuid"] = uid
                text = _dumps(d).replace('"' + FILL + '"', line)
                parent.lines.append(text)
                parent.nbytes += len(text) + 1
        parent.clock = sub.clock + rng.randrange(500, 3000)
        # the Task result
        f = self.fill.small()
        d = self._envelope(parent, "user", parent.clock)
        d["message"] = {
            "role": "user",
            "content": [
                {
                    "tool_use_id": tool_id,
                    "type": "tool_result",
                    "content": [{"type": "text", "text": FILL}],
                }
            ],
        }
        d["timestamp"] = iso(parent.clock)
        d["toolUseResult"] = {
            "status": "completed",
            "prompt": prompt,
            "agentId": agent,
            "content": [{"type": "text", "text": FILL}],
            "totalDurationMs": sub.clock - parent.clock + 60_000,
            "totalTokens": sub.context + sub.last_out,
            "totalToolUseCount": len(sub.lines) // 3,
            "usage": {
                "input_tokens": 4,
                "cache_creation_input_tokens": 900,
                "cache_read_input_tokens": sub.context,
                "output_tokens": sub.last_out,
                "service_tier": "standard",
            },
        }
        self._emit(parent, d, f)
        return self.fill.tokens[f]

    def _turn_body_subagent(self, s: Session, budget: list[int]):
        new_tokens = self.rng.randrange(100, 600)
        while budget[0] > 0:
            budget[0] -= 1
            want = 0 if budget[0] <= 0 else 1
            tools = self._response(s, new_tokens, want)
            if not tools:
                return
            new_tokens = 0
            for tid, name in tools:
                s.clock += self.rng.randrange(100, 3000)
                new_tokens += self._tool_result(s, tid, name)

    # ---- sessions and files ---------------------------------------------------------------------
    def _new_session(self, start: int) -> Session:
        rng = self.rng
        cwd = self._weighted(self.projects)
        version = VERSIONS[rng.choices(range(len(VERSIONS)), [v[1] for v in VERSIONS])[0]]
        model = self._weighted(MAIN_MODELS)
        real = not self.compat
        return Session(
            sid=self.ids.uuid(),
            cwd=cwd,
            branch=rng.choice(("main", "main", "dev", "feature/usage")),
            version=version,
            model=model,
            cache_1h=real and version[2] and rng.random() < 0.35,
            fast=real and version[3] and model == "claude-opus-4-6" and rng.random() < 0.15,
            long_context=real and model == "claude-sonnet-4-5-20250929" and rng.random() < 0.08,
            clock=start,
        )

    def _run_session(self, s: Session, turns: int):
        rng = self.rng
        budget = [min(1500, turns * 6)]
        if rng.random() < 0.3:
            d = {
                "type": "summary",
                "summary": f"Fix the {rng.choice(_WORDS)} parser",
                "leafUuid": self.ids.uuid(),
            }
            line = _dumps(d)
            s.lines.append(line)
            s.nbytes += len(line) + 1
        for t in range(turns):
            if budget[0] <= 0:
                break
            self._turn(s, budget)
            if t == 0 and rng.random() < 0.5:
                line = _dumps(
                    {
                        "type": "ai-title",
                        "sessionId": s.sid,
                        "aiTitle": f"Fix {rng.choice(_WORDS)} handling",
                    }
                )
                s.lines.append(line)
                s.nbytes += len(line) + 1
            if not s.long_context and rng.random() < 0.03:  # /model switch mid-session
                s.model = self._weighted(MAIN_MODELS)
                s.fast = False
            s.clock += rng.randrange(20_000, 600_000)
            if s.clock > self.window[1] - 3_600_000:  # stay inside the window
                break

    def _write(self, path: str, lines: list[str], mtime_ms: int):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with open(path, "wb") as fh:
            fh.write(data)
        os.utime(path, (mtime_ms / 1000, mtime_ms / 1000))
        self.files += 1
        self.nbytes += len(data)

    def _finish(self, s: Session, resumed_from: str | None, origin_lines: int):
        path = os.path.join(self.out_dir, "projects", folder_for(s.cwd), s.sid + ".jsonl")
        self._write(path, s.lines, s.clock)
        self.ledger.sessions[s.sid] = {
            "file": os.path.relpath(path, self.out_dir),
            "cwd": s.cwd,
            "model": s.model,
            "contextTokens": s.expected_context,
            "compactions": s.compactions,
            "resumedFrom": resumed_from,
            "copiedLines": origin_lines,
        }

    def run(self) -> dict:
        t0 = time.perf_counter()
        lo, hi = self.window
        rng = self.rng
        target = self.args.size
        guard = 0
        phase = rng.random()
        # small histories get shorter sessions (~120 kB per turn), so that there are enough of
        # them to cover every day; from ~200 MB over 60 days on, 2-15 turns
        max_turns = max(2, min(15, target // (self.args.days * 2 * 120_000)))
        max_turns = getattr(self.args, "max_turns", 0) or max_turns
        while self.nbytes < target:
            guard += 1
            if guard > 10_000_000:
                raise RuntimeError("generator did not reach the target size")
            # starts follow a golden-ratio sequence (plus jitter): every day gets sessions,
            # even in a small history
            span = hi - 5 * 3_600_000 - lo
            frac = (phase + guard * 0.6180339887498949) % 1.0
            start = lo + int(frac * span) + rng.randrange(-1_800_000, 1_800_000)
            start = min(max(start, lo), lo + span)
            s = self._new_session(start)
            if target >= 64 << 20 and rng.random() < 0.01:
                turns = rng.randrange(60, 200)  # a marathon session: tens of MB, compactions
            else:
                turns = rng.randrange(2, max_turns + 1)
            self._run_session(s, turns)
            origin, chain = s, 0
            self._finish(s, None, 0)
            # resumed sessions: a new file starting with copies of the origin's lines
            while rng.random() < (0.22 if chain == 0 else 0.3) and chain < 3:
                begin = origin.clock + rng.randrange(600_000, 2 * 86_400_000)
                if begin > hi - 5 * 3_600_000:
                    break
                new_sid = self.ids.uuid()
                old, new = f'"sessionId":"{origin.sid}"', f'"sessionId":"{new_sid}"'
                copies = [ln.replace(old, new) for ln in origin.lines]
                r = Session(
                    sid=new_sid,
                    cwd=origin.cwd,
                    branch=origin.branch,
                    version=origin.version,
                    model=origin.model,
                    cache_1h=origin.cache_1h,
                    fast=origin.fast,
                    long_context=origin.long_context,
                    lines=copies,
                    nbytes=sum(len(x) + 1 for x in copies),
                    clock=begin,
                    context=origin.context,
                    last_out=origin.last_out,
                    parent=origin.parent,
                    expected_context=origin.expected_context,
                    uncounted=list(origin.uncounted),
                )
                self.ledger.recount(r.uncounted)  # the copied lines count again in ccusage
                self._run_session(r, rng.randrange(1, 8))
                self._finish(r, origin.sid, len(copies))
                origin, chain = r, chain + 1
            if self.args.progress and guard % 50 == 0:
                print(
                    f"\r{self.nbytes / 2**20:8.0f} MiB  {self.files} files", end="", file=sys.stderr
                )
        if self.args.progress:
            print(file=sys.stderr)
        return self.ledger.manifest(self.args, self.files, self.nbytes, time.perf_counter() - t0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: python benchmarks/generate_history.py /tmp/h20 --size 20MB --compat",
    )
    ap.add_argument(
        "out_dir",
        metavar="OUT_DIR",
        help="history root (becomes CLAUDE_CONFIG_DIR); must be empty or absent",
    )
    ap.add_argument(
        "--size",
        type=parse_size,
        default=parse_size("100MB"),
        help="approximate bytes to write (binary units: 20MB, 1GB; default 100MB); "
        "the last session may overshoot a little",
    )
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--days", type=int, default=60, help="days of history (default 60)")
    ap.add_argument(
        "--end-date", default="2026-11-20", help="last UTC day of the history (default 2026-11-20)"
    )
    ap.add_argument(
        "--compat",
        action="store_true",
        help="ccusage-compatible history: identical usage on streamed copies, no 1h cache writes, "
        "no fast mode, every request <= 200k and with a requestId",
    )
    ap.add_argument(
        "--tool-output-max",
        type=int,
        default=90_000,
        metavar="BYTES",
        help="largest tool result / file content (default 90000); a small value such as 1500 "
        "makes a dense history: many short tool calls, so many more responses per GB",
    )
    ap.add_argument(
        "--max-turns",
        type=int,
        default=0,
        metavar="N",
        help="most user turns in a session (default: from --size and --days, at most 15); "
        "more turns make fewer, longer transcripts",
    )
    ap.add_argument(
        "--assistant-text",
        type=int,
        default=0,
        metavar="BYTES",
        help="typical size of an assistant line's thinking or text (default: small fillers); "
        "e.g. 3000 for the long assistant lines of a heavy user",
    )
    ap.add_argument(
        "--force", action="store_true", help="write even if OUT_DIR/projects already exists"
    )
    ap.add_argument("--progress", action="store_true", help="print progress on stderr")
    args = ap.parse_args(argv)
    if args.days < 1 or args.size < 1:
        ap.error("--days and --size must be positive")
    try:
        time.strptime(args.end_date, "%Y-%m-%d")
    except ValueError:
        ap.error("--end-date must be YYYY-MM-DD")
    if os.path.exists(os.path.join(args.out_dir, "projects")) and not args.force:
        ap.error(f"{args.out_dir}/projects exists; pick an empty folder or pass --force")
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = Generator(args).run()
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.write("\n")
    t = manifest["totals"]
    print(
        f"wrote {manifest['files']} files, {manifest['bytes']:,} bytes, "
        f"{len(manifest['daily'])} days, "
        f"{t['responses']:,} responses, {t['totalTokens']:,} tokens, ${t['totalCost']:,.2f} "
        f"in {manifest['generator']['elapsed_s']} s -> {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
