"""The session state file: per-session facts our hooks, status line and tray share (the one module).

`<state dir>/sessions/<safe session id>.json` holds what Claude Code's hooks and status line
reported (events, context window, rate limits) and the marks the auto-pause rule and "Reset
session" leave (`pause`, `reset`). Here is all of it: the file's name, its schema as typed records
(`SessionRecord` and the records it holds), the lock, the atomic write and the move-aside of a
corrupt file, and one method per change (`record_statusline`, `mark_paused`, `lift_pause`,
`reset`, `clear_acknowledgement`, and `follow_pause_rule`, the one way the auto-pause rule of
`core.pause` is applied by the engine, the hook and the status line).

Every value is validated when read, from the file or from Claude Code's JSON: numbers must be
finite (NaN and infinity, which a JSON number can overflow to, are treated as absent and never
written), counts whole and within 0..`core.bounds.MAX_TOKENS`, dates plausible, strings bounded;
a field of the wrong type is absent. So a state file an older version wrote with such a value
reads fine.

Every change is a read-modify-write under the file's lock, written atomically (and only when
something changed), so several writers at once never lose an update; a file that is not a JSON
object is moved aside (`<name>.corrupt-<time>`) and started afresh; readers skip it.

The hooks import this module on every call, so it stays light: `os`, `json` and `re`, plain
classes with `__slots__` (importing `dataclasses` or `typing` would cost each call ~10 ms), and
`core.levels` / `core.snapshot` only where a method needs them.
"""

from __future__ import annotations

import os

from claude_tray.core.bounds import EARLIEST, MAX_TOKENS
from claude_tray.storage import json_c
from claude_tray.storage.atomic import move_file_aside, read_locked, write_atomic
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.locking import locked
from claude_tray.storage.paths import AppDirs, AppPaths
from claude_tray.storage.regular import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, Protocol

    from claude_tray.core.levels import Level, Thresholds
    from claude_tray.core.snapshot import LiveFacts, PlanLimit

    class PauseSettings(Protocol):
        """What the pause rule needs of the config (`ContextConfig`, `HookSettings`)."""

        @property
        def caution(self) -> float: ...
        @property
        def pause(self) -> float: ...
        @property
        def rearm_margin(self) -> float: ...
        @property
        def thresholds(self) -> Thresholds: ...


log = LazyLogger(__name__)  # `logging` only when used: the hooks load this module

STATE_VERSION = 1
EXACT = 2**53
"""Whole numbers up to this are exact as floats; larger ones are not numbers we can use."""
LIMIT_HORIZON = 100 * 365 * 86_400.0
"""A plan limit's `resets_at` further ahead than this is absent: every kept date is one the clock
formats (time_t, year 9999) can show."""
MAX_TEXT = 4096
"""Paths and other free text longer than this are treated as absent."""
MAX_NAME = 200
"""Names (models, events, versions, levels) longer than this are treated as absent."""
MAX_FILE_BYTES = 1 << 20
"""A state file is a few KiB; a larger one is not ours (treated as corrupt)."""
MAX_EVENT_NAMES = 64
MAX_COMPACTIONS = 50
"""Compaction entries kept per session (the oldest are dropped)."""
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
"""The characters a session id keeps in its state file's name; any other becomes `_`."""


# --- values -------------------------------------------------------------------------------------


def finite(value: object) -> float | None:
    """A finite JSON number, else None: NaN and the infinities (a JSON number can overflow to
    one), whole numbers beyond +-2**53 (not exact as floats) and bools count as absent. Whole
    numbers stay whole. The one check of a number read from Claude Code or from our files."""
    if type(value) is int:
        return value if -EXACT <= value <= EXACT else None
    if type(value) is float and value - value == 0.0:  # false for inf and nan
        return value
    return None


def whole(value: object) -> int | None:
    """A count: a finite number in 0..`core.bounds.MAX_TOKENS`, made whole; else None."""
    number = finite(value)
    return None if number is None or not 0 <= number <= MAX_TOKENS else int(number)


def moment(value: object, latest: float) -> float | None:
    """Epoch seconds in the plausible window [2023-01-01, `latest`], else None."""
    number = finite(value)
    return number if number is not None and EARLIEST <= number <= latest else None


def bounded(value: object, limit: int = MAX_TEXT) -> str | None:
    """A non-empty string of at most `limit` characters, else None."""
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _put(out: dict[str, Any], key: str, value: object) -> None:
    """Set `key` unless `value` is None (absent fields are left out of the file)."""
    if value is not None:
        out[key] = value


class _Record:
    """Equality and repr from `__slots__` (a light stand-in for a dataclass)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{n}={v!r}" for n, v in zip(self.__slots__, self._values(), strict=True)
        )
        return f"{type(self).__name__}({fields})"


# --- the status line's record -----------------------------------------------------------------

USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)
CONTEXT_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
"""The usage that fills the context window (output tokens do not)."""
LIMIT_NAMES = ("five_hour", "seven_day")


class WindowRecord(_Record):
    """`context_window` as the status line reports it."""

    __slots__ = (
        "remaining_percentage",
        "size",
        "total_input_tokens",
        "total_output_tokens",
        "usage",
        "used_percentage",
    )

    def __init__(
        self,
        *,
        size: int | None = None,
        used_percentage: float | None = None,
        remaining_percentage: float | None = None,
        total_input_tokens: int | None = None,
        total_output_tokens: int | None = None,
        usage: dict[str, int] | None = None,
    ) -> None:
        self.size = size
        self.used_percentage = used_percentage
        self.remaining_percentage = remaining_percentage
        self.total_input_tokens = total_input_tokens
        self.total_output_tokens = total_output_tokens
        self.usage = usage
        """`current_usage`: the counts among `USAGE_KEYS` that were sent (None: no usage yet)."""

    @classmethod
    def from_json(cls, value: object) -> WindowRecord | None:
        data = _table(value)
        raw_usage = data.get("current_usage")
        usage = None
        if isinstance(raw_usage, dict) and raw_usage:
            usage = {k: n for k in USAGE_KEYS if (n := whole(raw_usage.get(k))) is not None}
        record = cls(
            size=whole(data.get("context_window_size")),
            used_percentage=finite(data.get("used_percentage")),
            remaining_percentage=finite(data.get("remaining_percentage")),
            total_input_tokens=whole(data.get("total_input_tokens")),
            total_output_tokens=whole(data.get("total_output_tokens")),
            usage=usage,
        )
        return record if any(v is not None for v in record._values()) else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "context_window_size", self.size)
        _put(out, "used_percentage", self.used_percentage)
        _put(out, "remaining_percentage", self.remaining_percentage)
        _put(out, "total_input_tokens", self.total_input_tokens)
        _put(out, "total_output_tokens", self.total_output_tokens)
        _put(out, "current_usage", self.usage)
        return out

    @property
    def context_tokens(self) -> int | None:
        """Tokens in the context window (input + cache write + cache read), None without usage."""
        if self.usage is None:
            return None
        return sum(self.usage.get(k, 0) for k in CONTEXT_KEYS)

    @property
    def context_percent(self) -> float | None:
        """The exact percentage: as reported, else from the current usage and the window size."""
        if self.used_percentage is not None:
            return self.used_percentage
        tokens = self.context_tokens
        if not self.usage or not self.size or tokens is None:
            return None
        from claude_tray.core.context import percent

        return percent(tokens, self.size)


class LimitRecord(_Record):
    """One plan limit (`rate_limits.five_hour` / `.seven_day`)."""

    __slots__ = ("resets_at", "used_percentage")

    def __init__(self, used_percentage: float | None, resets_at: float | None) -> None:
        self.used_percentage = used_percentage
        self.resets_at = resets_at

    @classmethod
    def from_json(cls, value: object, at: float) -> LimitRecord | None:
        """`resets_at` must be a plausible date: after 2023, within `LIMIT_HORIZON` of `at`."""
        data = _table(value)
        resets = moment(data.get("resets_at"), at + LIMIT_HORIZON)
        record = cls(finite(data.get("used_percentage")), resets)
        return None if record.used_percentage is None and record.resets_at is None else record

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "used_percentage", self.used_percentage)
        _put(out, "resets_at", self.resets_at)
        return out


class StatusRecord(_Record):
    """What one status-line call reported; stored under `"statusline"` in the shape Claude Code
    sends it (the fields below only), plus `at`, when it was recorded. Replaced on every call:
    a field Claude Code no longer sends is not kept."""

    __slots__ = (
        "at",
        "cost_usd",
        "duration_ms",
        "exceeds_200k",
        "limits",
        "model_id",
        "model_name",
        "version",
        "window",
    )

    def __init__(
        self,
        at: float,
        *,
        model_id: str | None = None,
        model_name: str | None = None,
        window: WindowRecord | None = None,
        cost_usd: float | None = None,
        duration_ms: float | None = None,
        limits: dict[str, LimitRecord] | None = None,
        version: str | None = None,
        exceeds_200k: bool | None = None,
    ) -> None:
        self.at = at
        self.model_id = model_id
        self.model_name = model_name
        self.window = window
        self.cost_usd = cost_usd
        self.duration_ms = duration_ms
        self.limits = limits or {}
        """By name (`LIMIT_NAMES`); a limit not reported is not there."""
        self.version = version
        self.exceeds_200k = exceeds_200k

    @classmethod
    def from_json(cls, value: object, at: float | None = None) -> StatusRecord | None:
        """From the state file (`at` stored), or from Claude Code's JSON (`at` given)."""
        data = _table(value)
        moment = finite(data.get("at")) if at is None else at
        if moment is None:
            return None
        model = _table(data.get("model"))
        cost = _table(data.get("cost"))
        limits_json = _table(data.get("rate_limits"))
        limits = {
            name: limit
            for name in LIMIT_NAMES
            if (limit := LimitRecord.from_json(limits_json.get(name), moment)) is not None
        }
        exceeds = data.get("exceeds_200k_tokens")
        return cls(
            moment,
            model_id=bounded(model.get("id"), MAX_NAME),
            model_name=bounded(model.get("display_name"), MAX_NAME),
            window=WindowRecord.from_json(data.get("context_window")),
            cost_usd=finite(cost.get("total_cost_usd")),
            duration_ms=finite(cost.get("total_duration_ms")),
            limits=limits,
            version=bounded(data.get("version"), MAX_NAME),
            exceeds_200k=exceeds if isinstance(exceeds, bool) else None,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at}
        model: dict[str, Any] = {}
        _put(model, "id", self.model_id)
        _put(model, "display_name", self.model_name)
        if model:
            out["model"] = model
        if self.window is not None:
            out["context_window"] = self.window.to_json()
        cost: dict[str, Any] = {}
        _put(cost, "total_cost_usd", self.cost_usd)
        _put(cost, "total_duration_ms", self.duration_ms)
        if cost:
            out["cost"] = cost
        if self.limits:
            out["rate_limits"] = {name: limit.to_json() for name, limit in self.limits.items()}
        _put(out, "version", self.version)
        _put(out, "exceeds_200k_tokens", self.exceeds_200k)
        return out

    @property
    def context_percent(self) -> float | None:
        return None if self.window is None else self.window.context_percent


# --- the marks -----------------------------------------------------------------------------------


class PauseMark(_Record):
    """`pause`: set by the auto-pause rule, lifted by it, by a compaction or by a reset."""

    __slots__ = ("at", "by", "level", "lifted", "paused", "percent")

    def __init__(
        self,
        paused: bool,
        at: float | None,
        *,
        level: str | None = None,
        percent: float | None = None,
        by: str | None = None,
        lifted: str | None = None,
    ) -> None:
        self.paused = paused
        self.at = at
        """When it was set (or lifted)."""
        self.level = level
        self.percent = percent
        """The level and context percentage it was set at."""
        self.by = by
        """Who set it: `statusline`, `tray`."""
        self.lifted = lifted
        """Why it was lifted: `compacted`, `reset`, `context below the pause level`."""

    @classmethod
    def from_json(cls, value: object) -> PauseMark | None:
        if not isinstance(value, dict):
            return None
        return cls(
            value.get("paused") is True,
            finite(value.get("at")),
            level=bounded(value.get("level"), MAX_NAME),
            percent=finite(value.get("percent")),
            by=bounded(value.get("by"), MAX_NAME),
            lifted=bounded(value.get("lifted"), MAX_NAME),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"paused": self.paused}
        _put(out, "at", self.at)
        _put(out, "level", self.level)
        _put(out, "percent", self.percent)
        _put(out, "by", self.by)
        _put(out, "lifted", self.lifted)
        return out


class ResetMark(_Record):
    """`reset`: "Reset session" was asked at `at`, acknowledging `level` (None once dropped)."""

    __slots__ = ("at", "level")

    def __init__(self, at: float | None, level: str | None) -> None:
        self.at = at
        self.level = level

    @classmethod
    def from_json(cls, value: object) -> ResetMark | None:
        if not isinstance(value, dict):
            return None
        return cls(finite(value.get("at")), bounded(value.get("level"), MAX_NAME))

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "level": self.level}


# --- what the hooks record -------------------------------------------------------------------


class GitRecord(_Record):
    """The repository of the session's folder (`hooks.git_info`)."""

    __slots__ = ("branch", "commit", "repository", "root")

    def __init__(
        self,
        root: str | None,
        repository: str | None,
        branch: str | None = None,
        commit: str | None = None,
    ) -> None:
        self.root = root
        self.repository = repository
        """The main repository (the same as `root` unless `root` is a linked worktree)."""
        self.branch = branch
        self.commit = commit
        """Set on a detached HEAD (then `branch` is None)."""

    @classmethod
    def from_json(cls, value: object) -> GitRecord | None:
        data = _table(value)
        record = cls(
            bounded(data.get("root")),
            bounded(data.get("repository")) or bounded(data.get("repo")),
            bounded(data.get("branch"), MAX_TEXT),
            bounded(data.get("commit"), MAX_NAME),
        )
        return record if any(v is not None for v in record._values()) else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"root": self.root, "repository": self.repository}
        out["branch"] = self.branch
        _put(out, "commit", self.commit)
        return out


class Compaction(_Record):
    __slots__ = ("at", "event", "trigger")

    def __init__(self, at: float, event: str | None, trigger: str | None) -> None:
        self.at = at
        self.event = event
        self.trigger = trigger

    @classmethod
    def from_json(cls, value: object) -> Compaction | None:
        data = _table(value)
        at = finite(data.get("at"))
        if at is None:
            return None
        return cls(at, bounded(data.get("event"), MAX_NAME), bounded(data.get("trigger"), MAX_NAME))

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "event": self.event, "trigger": self.trigger}


# --- the session ---------------------------------------------------------------------------------

_TEXT_FIELDS = ("transcript_path", "cwd", "category", "end_reason")
_NAME_FIELDS = ("source", "model")
_TIME_FIELDS = ("started_at", "ended_at", "duration")


class SessionRecord(_Record):
    """One session's state file, typed. Change it only through the methods below, inside
    `change_session` (which holds the lock and writes it back)."""

    __slots__ = (
        "category",
        "compactions",
        "cwd",
        "duration",
        "end_reason",
        "ended_at",
        "events",
        "git",
        "last_event",
        "last_event_at",
        "model",
        "pause",
        "reset_mark",
        "session_id",
        "source",
        "started_at",
        "statusline",
        "transcript_path",
    )

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.transcript_path: str | None = None
        self.cwd: str | None = None
        self.git: GitRecord | None = None
        self.category: str | None = None
        self.last_event: str | None = None
        self.last_event_at: float | None = None
        self.events: dict[str, int] = {}
        """How many times each hook event was seen."""
        self.started_at: float | None = None
        self.source: str | None = None
        """How the session started (SessionStart's `source`: startup, resume, clear, compact)."""
        self.model: str | None = None
        """The model SessionStart named (the status line's is in `statusline`)."""
        self.compactions: list[Compaction] = []
        self.ended_at: float | None = None
        self.end_reason: str | None = None
        self.duration: float | None = None
        self.statusline: StatusRecord | None = None
        self.pause: PauseMark | None = None
        self.reset_mark: ResetMark | None = None

    # -- the file format

    @classmethod
    def from_json(cls, data: dict[str, Any], session_id: str | None = None) -> SessionRecord | None:
        """The record of a state file's object; None when it names no session."""
        sid = session_id or bounded(data.get("session_id"), MAX_TEXT)
        if sid is None:
            return None
        record = cls(sid)
        for name in _TEXT_FIELDS:
            setattr(record, name, bounded(data.get(name)))
        for name in _NAME_FIELDS:
            setattr(record, name, bounded(data.get(name), MAX_NAME))
        for name in _TIME_FIELDS:
            setattr(record, name, finite(data.get(name)))
        record.git = GitRecord.from_json(data.get("git"))
        last = _table(data.get("last_event"))
        record.last_event = bounded(last.get("name"), MAX_NAME)
        record.last_event_at = finite(last.get("at"))
        events = _table(data.get("events"))
        record.events = {
            name: n
            for name, value in list(events.items())[:MAX_EVENT_NAMES]
            if bounded(name, MAX_NAME) and (n := whole(value)) is not None
        }
        entries = data.get("compactions")
        if isinstance(entries, list):
            found = (Compaction.from_json(entry) for entry in entries[-MAX_COMPACTIONS:])
            record.compactions = [entry for entry in found if entry is not None]
        record.statusline = StatusRecord.from_json(data.get("statusline"))
        record.pause = PauseMark.from_json(data.get("pause"))
        record.reset_mark = ResetMark.from_json(data.get("reset"))
        return record

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": STATE_VERSION, "session_id": self.session_id}
        for name in (*_TEXT_FIELDS, *_NAME_FIELDS, *_TIME_FIELDS):
            _put(out, name, getattr(self, name))
        if self.git is not None:
            out["git"] = self.git.to_json()
        if self.last_event is not None or self.last_event_at is not None:
            out["last_event"] = {"name": self.last_event, "at": self.last_event_at}
        if self.events:
            out["events"] = dict(self.events)
        if self.compactions:
            out["compactions"] = [entry.to_json() for entry in self.compactions]
        if self.statusline is not None:
            out["statusline"] = self.statusline.to_json()
        if self.pause is not None:
            out["pause"] = self.pause.to_json()
        if self.reset_mark is not None:
            out["reset"] = self.reset_mark.to_json()
        return out

    # -- reading

    @property
    def paused(self) -> bool:
        return self.pause is not None and self.pause.paused

    @property
    def acknowledged(self) -> Level | None:
        """The level the latest reset acknowledged, if still in force (None if none)."""
        label = self.reset_mark.level if self.reset_mark is not None else None
        if label is None:
            return None
        from claude_tray.core.levels import Level

        return Level.__members__.get(label.upper())

    @property
    def reset_at(self) -> float | None:
        return self.reset_mark.at if self.reset_mark is not None else None

    @property
    def context_percent(self) -> float | None:
        return None if self.statusline is None else self.statusline.context_percent

    def facts(self) -> LiveFacts:
        """What the engine lays over the transcript's figures."""
        from claude_tray.core.snapshot import LiveFacts

        status = self.statusline
        window = status.window if status is not None else None
        return LiveFacts(
            context_window=window.size if window is not None else None,
            context_tokens=window.context_tokens if window is not None else None,
            context_percent=window.used_percentage if window is not None else None,
            context_at=status.at if status is not None else None,
            model=(status.model_id if status is not None else None) or self.model,
            project=self.cwd,
            started_at=self.started_at,
            ended_at=self.ended_at,
            last_event_at=self.last_event_at,
            paused=self.paused,
            reset_at=self.reset_at,
            five_hour=self._plan_limit("five_hour"),
            seven_day=self._plan_limit("seven_day"),
            claude_code_cost=status.cost_usd if status is not None else None,
            claude_code_version=status.version if status is not None else None,
        )

    def _plan_limit(self, name: str) -> PlanLimit | None:
        from claude_tray.core.snapshot import PlanLimit

        status = self.statusline
        limit = status.limits.get(name) if status is not None else None
        if status is None or limit is None or limit.used_percentage is None:
            return None
        return PlanLimit(limit.used_percentage, limit.resets_at, status.at)

    # -- the changes (the only code that writes `pause` and `reset`)

    def record_statusline(
        self, status: StatusRecord, cwd: str | None, transcript: str | None
    ) -> None:
        """Keep the newest status-line call (replacing the one before)."""
        self.statusline = status
        self.cwd = self.cwd or bounded(cwd)
        self.transcript_path = self.transcript_path or bounded(transcript)

    def mark_paused(self, level: str, percent: float | None, now: float, by: str) -> None:
        """Set the auto-pause mark the hook gate obeys; the level and percentage say why. A
        session already paused keeps the time it was first paused."""
        since = self.pause.at if self.pause is not None and self.pause.paused else now
        rounded = round(percent, 2) if percent is not None and finite(percent) is not None else None
        self.pause = PauseMark(True, since, level=level, percent=rounded, by=by)

    def lift_pause(self, now: float, why: str) -> None:
        """Clear the auto-pause mark (if set), saying why."""
        if self.paused:
            self.pause = PauseMark(False, now, lifted=why)

    def reset(self, level: str, now: float) -> None:
        """ "Reset session": lift the pause, acknowledge the level the session is at now (see
        `core.pause`); "cost since reset" counts from `now`."""
        self.pause = PauseMark(False, now, lifted="reset")
        self.reset_mark = ResetMark(now, level)

    def clear_acknowledgement(self) -> None:
        """Forget the level a reset acknowledged (the context fell well below it); keep the
        reset's time, from which "cost since reset" counts."""
        if self.reset_mark is not None:
            self.reset_mark = ResetMark(self.reset_mark.at, None)

    def follow_pause_rule(
        self, percent: float | None, settings: PauseSettings, now: float, by: str
    ) -> Level | None:
        """Apply `core.pause.decide_pause` at context `percent`: set, keep or lift the pause mark
        and drop a stale acknowledgement. Returns the level (None when nothing could change)."""
        if percent is None or finite(percent) is None:
            return None
        if percent < settings.pause and not self.paused and self.acknowledged is None:
            # Below the pause level, with no mark to keep or lift and no acknowledgement to drop,
            # the rule sets nothing: no rule to load (the status line runs at every message).
            return None
        from claude_tray.core.pause import decide_pause

        acknowledged = self.acknowledged
        decision = decide_pause(
            self.paused, acknowledged, percent, settings.thresholds, settings.rearm_margin
        )
        if acknowledged is not None and decision.acknowledged is None:
            self.clear_acknowledgement()
        if decision.paused:
            self.mark_paused(decision.level.label, percent, now, by)
        else:
            self.lift_pause(now, "context below the pause level")
        return decision.level

    # -- what the hooks record

    def record_event(self, name: str, now: float) -> None:
        self.last_event = bounded(name, MAX_NAME) or "unknown"
        self.last_event_at = now
        if self.last_event in self.events or len(self.events) < MAX_EVENT_NAMES:
            self.events[self.last_event] = self.events.get(self.last_event, 0) + 1

    def record_compaction(self, event: str, trigger: str | None, now: float) -> None:
        self.compactions.append(Compaction(now, event, bounded(trigger, MAX_NAME)))
        del self.compactions[:-MAX_COMPACTIONS]


# --- the files -------------------------------------------------------------------------------


def state_file(paths: AppDirs | AppPaths, session_id: str) -> str:
    name = "".join(c if c in _SAFE else "_" for c in session_id[:200]) or "_"
    return os.path.join(_dirs(paths).sessions_dir, f"{name}.json")


def read_session(paths: AppDirs | AppPaths, session_id: str) -> SessionRecord | None:
    """The session's state, or None when missing or unreadable (a reader never repairs)."""
    data = _read(state_file(paths, session_id))
    return None if data is None else SessionRecord.from_json(data, session_id)


def change_session(
    paths: AppDirs | AppPaths,
    session_id: str,
    change: Callable[[SessionRecord], object],
) -> SessionRecord:
    """Apply `change` to the session's record under its lock and write it back atomically (not
    when nothing changed). A corrupt file is moved aside and the session started afresh."""
    path = state_file(paths, session_id)
    with locked(_lock_file(path)):
        data = _read(path, repair=True)
        record = (SessionRecord.from_json(data, session_id) if data is not None else None) or (
            SessionRecord(session_id)
        )
        before = record.to_json() if data is not None else SessionRecord(session_id).to_json()
        change(record)
        after = record.to_json()
        if after != before:
            # Not fsynced: the status line rewrites this file on every assistant message, and a
            # power cut can lose at most the last update (the next call writes it again).
            text = json_c.dumps(after, separators=(",", ":"), allow_nan=False)
            write_atomic(path, text.encode(), durable=False)
    return record


def read_all(paths: AppDirs | AppPaths) -> dict[str, SessionRecord]:
    """Every readable session's record, by session id (`storage.state_index.SessionIndex` says
    the same of each session without reading every file each time)."""
    out: dict[str, SessionRecord] = {}
    for path in _state_files(_dirs(paths).sessions_dir):
        record = read_record(path)
        if record is not None:
            out[record.session_id] = record
    return out


def read_record(path: str) -> SessionRecord | None:
    """The record of one state file; None when it is gone, unreadable, corrupt or names no
    session (a reader never repairs)."""
    data = _read(path)
    return SessionRecord.from_json(data) if data is not None else None


def read_all_facts(paths: AppDirs | AppPaths) -> dict[str, LiveFacts]:
    return {sid: record.facts() for sid, record in read_all(paths).items()}


def mark_paused(
    paths: AppDirs | AppPaths, session_id: str, level: str, percent: float | None, now: float
) -> SessionRecord:
    """Pause the session (the tray's or a test's hand; the rule itself is `follow_pause_rule`)."""
    return change_session(paths, session_id, lambda r: r.mark_paused(level, percent, now, "tray"))


def reset_session(
    paths: AppDirs | AppPaths, session_id: str, level: str, now: float
) -> SessionRecord:
    """Reset session (tray, CLI): lift the pause, acknowledge the level the session is at now."""
    return change_session(paths, session_id, lambda r: r.reset(level, now))


def follow_pause_rule(
    paths: AppDirs | AppPaths,
    session_id: str,
    percent: float | None,
    settings: PauseSettings,
    now: float,
) -> SessionRecord:
    """`SessionRecord.follow_pause_rule` on the session's file, as the tray's engine applies it."""
    return change_session(
        paths, session_id, lambda r: r.follow_pause_rule(percent, settings, now, "tray")
    )


def _lock_file(path: str) -> str:
    return path[: -len(".json")] + ".lock"


def _dirs(paths: AppDirs | AppPaths) -> AppDirs:
    return paths.dirs if isinstance(paths, AppPaths) else paths


def _state_files(folder: str) -> Iterator[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    for name in names:
        if is_state_file_name(name):
            yield os.path.join(folder, name)


def is_state_file_name(name: str) -> bool:
    """Whether a name in the sessions folder is a session's state file (not a lock, not the
    temporary file of a write, not a file moved aside)."""
    return name.endswith(".json") and not name.startswith(".")


def _read(path: str, repair: bool = False) -> dict[str, Any] | None:
    """`repair` is for callers that hold the file's lock (it moves a corrupt file aside);
    others read under the lock where an open reader would block a writer (Windows)."""
    try:
        raw = read_regular(path) if repair else read_locked(path, _lock_file(path))
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("cannot read %s: %s", path, error)
        return None
    try:
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
        data = json_c.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (ValueError, RecursionError) as error:
        if repair:
            move_file_aside(path, str(error))
        else:
            log.warning("skipping corrupt state file %s: %s", path, error)
        return None
    return data
