"""The engine thread: the tray's one writer, from file events to a published view.

One pass: read the new transcript bytes (all files on a full pass, else only those hinted), read
the session state files, build the snapshot, set or lift the auto-pause marks, decide the
notifications, build the `TrayView` and publish it; then (what may wait for the disk or the
notification daemon, so never before the icon) send the notifications, save the alert memory and
record today's spend for the hook gate.

When passes run:
- after file hints, debounced: the first hint opens a window of `debounce` seconds and everything
  arriving in it is one pass (a burst of appends is one update);
- on the safety rescan every `rescan` seconds (a full pass: catches dropped events, re-checks the
  watches, lets sessions age into "inactive");
- at local midnight (today and the budgets' periods roll over) and when a notification pause ends,
  with no file event;
- at once for an action from the menu;
- while the history is not all read (a first start, or after days off): every full pass reads
  only what today and the live sessions need (`Workspace.refresh_today`); the rest is read,
  newest first, by the history reader, a process of its own at a lower priority
  (`history_reader`, `claude-tray read-history`), so live updates never wait for it and the
  tray's memory does not grow with it. Its progress comes back on its stdout; the view is
  published with the share read (`Snapshot.history_read`) at most every `PUBLISH_EVERY_S`, and
  a full pass confirms the end. A reader that fails is started again (`READER_RETRY_S`); after
  `READER_ATTEMPTS` failures, or without a starter, the engine reads the rest itself in slices of
  about `SLICE_S` whenever nothing else is due (live updates then wait for a slice at most).
Between them the thread sleeps in one blocking `queue.get(timeout=...)`: idle costs nothing.

Thread rules: `hint`, `post` and `stop` may be called from any thread (they only enqueue).
Everything else, including the `publish`, `notify`, `on_action` and `rewatch` callables, runs on the
engine thread, which owns the `Workspace` (SQLite connections are per thread) and the alert memory.
An error in one pass is logged; the thread carries on.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from claude_tray.core.alerts import (
    AlertMemory,
    AlertRules,
    Decision,
    acknowledge_reset,
    decide,
    pause_notifications,
)
from claude_tray.core.levels import Level
from claude_tray.core.names import Action, MenuAction
from claude_tray.core.notices import Urgency, reset_notice
from claude_tray.core.periods import day_period, local_date
from claude_tray.core.snapshot import SessionState, Snapshot
from claude_tray.core.view import TrayView, ViewOptions, tray_view
from claude_tray.engine.history import HistoryProgress
from claude_tray.engine.ingest import PassStats

# The transcript reader (and msgspec) with the engine's own imports, at start: loaded by the first
# pass instead, its long-lived objects land among the pass's short-lived ones and keep ~3.4 MB of
# Python's memory pools from being given back (RssAnon 34.3 -> 30.9 MB, small root, measured).
from claude_tray.engine.read import read_file  # noqa: F401
from claude_tray.engine.snapshot import Clock
from claude_tray.engine.workspace import Workspace
from claude_tray.runtime.hints import Hint, HintKind
from claude_tray.runtime.history_reader import Reader, ReaderEnd, ReaderProgress, ReaderStarter
from claude_tray.runtime.reset import AmbiguousSession, apply_reset, find_session
from claude_tray.storage.budget_state import record_budget_state
from claude_tray.storage.config import Config, ConfigError
from claude_tray.storage.ledger_faults import Fault, LedgerError
from claude_tray.storage.paths import missing_configured_roots
from claude_tray.storage.reader_state import ReaderRecord, save_reader_record
from claude_tray.storage.state import follow_pause_rule
from claude_tray.storage.state_index import StateFacts
from claude_tray.storage.tray_state import load_tray_state, save_tray_state

log = logging.getLogger(__name__)

DEBOUNCE = 0.05
"""Hints within this long of the first are one pass: the lines of one write burst. Short, since
it is part of the time from an appended line to the icon (p95 <= 150 ms, benchmarks)."""
RESCAN = 60.0
SLICE_S = 0.15
"""How long one slice of the background read of the history runs before live work may go."""
TRAY_CACHE_KIB = 256
"""SQLite's page cache in the tray (the CLI's is 32 MiB): its passes read few pages (the rollup,
today's rows), and the pages it reads again come from the OS's cache. Measured on a 1.4 GB
history's ledger: the same CPU per pass with 1, 2 or 4 MiB, and with 256 KiB the same snapshot
time (median 8.9-9.0 ms vs 9.2 ms at 1 MiB) and full pass (33 ms), for 0.8 MB less memory."""
PUBLISH_EVERY_S = 2.0
"""While the history is read in the background, the view (its progress) is published this often."""
READER_RETRY_S = 60.0
"""After the history reader failed, it is started again this long after."""
READER_ATTEMPTS = 3
"""Runs of the history reader (failed, or ended with history still unread) before the engine
reads the rest itself."""
MIDNIGHT_SLACK = 0.05
"""Wake this long after midnight, so the new day has surely begun."""


@dataclass(frozen=True, slots=True)
class ViewExtras:
    """What the view shows that is not the engine's to know."""

    autostart_enabled: bool = False


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one pass did (for tests, the debug view file and the benchmark)."""

    snapshot: Snapshot
    view: TrayView
    full: bool
    files: int
    seconds: float
    at: float


@dataclass
class _Pending:
    files: set[Path] = field(default_factory=set)
    due: float | None = None
    """Monotonic time at which the debounced hints are handled."""
    full: bool = False
    state: bool = False
    config: bool = False
    roots: bool = False
    now: bool = False
    """Run a pass at once (an action asked for it)."""


_STOP = object()


class Engine:
    def __init__(
        self,
        publish: Callable[[TrayView], None],
        notify: Callable[[str, str, Urgency], bool],
        *,
        env: Mapping[str, str] | None = None,
        extras: Callable[[], ViewExtras] = ViewExtras,
        on_action: Callable[[str], None] | None = None,
        rewatch: Callable[[], None] | None = None,
        on_pass: Callable[[PassReport], None] | None = None,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        debounce: float = DEBOUNCE,
        rescan: float = RESCAN,
        history_reader: ReaderStarter | None = None,
        reader_retry: float = READER_RETRY_S,
        give_back: Callable[[], object] | None = None,
    ) -> None:
        self._publish = publish
        self._notify = notify
        self._env = dict(os.environ if env is None else env)
        self._extras = extras
        self._on_action = on_action
        self._rewatch = rewatch
        self._on_pass = on_pass
        self._wall = wall
        self._mono = monotonic
        self._debounce = debounce
        self._rescan = rescan
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="claude-tray-engine", daemon=True)
        # engine-thread state
        self._workspace: Workspace | None = None
        self._memory = AlertMemory()
        self._snapshot: Snapshot | None = None
        self._pending = _Pending()
        self._next_rescan = 0.0
        self._next_midnight = float("inf")
        self._day: object = None
        self._data_problem: str | None = None
        self._config_problem: str | None = None
        self._published_at = float("-inf")
        self._start_reader = history_reader
        self._reader_retry = reader_retry
        self._give_back = give_back
        """Called after each pass, its work done (the icon shown, notifications sent): hands what
        the pass freed back to the system (the tray: `adapters.platform.give_back_memory`). Also
        after a pass over a hinted file: its reading, view, icon and notification leave ~1 MB
        of the C heap free but held, which would otherwise wait for the next full pass."""
        self._reader: Reader | None = None
        self._reader_runs = 0
        self._repair_seen: object = None
        self._reader_next = 0.0
        """Monotonic time before which no reader is started (after a failure)."""
        self.reader_problem: str | None = None
        """Why the history reader failed last (the engine reads the history itself after
        `READER_ATTEMPTS`); None while it has not."""

    # --- any thread ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def hint(self, hint: Hint) -> None:
        """A watched file changed (called on watchdog's threads: only enqueues)."""
        self._queue.put(hint)

    def post(self, action: str) -> None:
        """An action id from the menu (see `core.view`), handled on the engine thread."""
        self._queue.put(action)

    def stop(self, timeout: float | None = 30.0) -> bool:
        """Ask the thread to finish its pass, save and close; wait for it. False if it did not
        stop in time (it is a daemon thread: the process can still exit)."""
        self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- the engine thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._open()
            self._next_rescan = self._mono() + self._rescan
            self._guarded(self._pass, full=True, files=())
            while True:
                try:
                    item = self._queue.get(timeout=self._timeout())
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                if item is not None:
                    self._take(item)
                self._due_work()
        except Exception:  # pragma: no cover - the loop itself guards every pass
            log.exception("the engine thread failed")
        finally:
            self._close()

    def _open(self) -> None:
        try:
            try:
                self._workspace = Workspace.open(self._env)
            except ConfigError as error:
                self._config_error(str(error))
                self._workspace = Workspace.open(self._env, config=Config())
        except Exception:
            log.exception("cannot open the ledger; retrying on the next rescan")
            self._workspace = None
            self._next_rescan = self._mono() + self._rescan
            return
        self._workspace.ledger.limit_cache(TRAY_CACHE_KIB)
        self._memory = load_tray_state(self._workspace.paths)

    def _close(self) -> None:
        self._stop_reader()
        if self._workspace is not None:
            try:
                save_tray_state(self._workspace.paths, self._memory)
            except OSError as error:
                log.warning("cannot save the alert memory: %s", error)
            self._workspace.close()
            self._workspace = None

    def _timeout(self) -> float:
        mono, wall = self._mono(), self._wall()
        waits = [self._next_rescan - mono, self._next_midnight + MIDNIGHT_SLACK - wall]
        if self._pending.now or self._slicing():
            waits.append(0.0)
        elif self._wants_reader():
            waits.append(self._reader_next - mono)
        elif self._pending.due is not None:
            waits.append(self._pending.due - mono)
        if self._memory.quiet_until is not None:
            waits.append(self._memory.quiet_until - wall)
        return min(max(0.0, min(waits)), self._rescan)

    def _take(self, item: object) -> None:
        pending = self._pending
        if isinstance(item, Hint):
            due = self._mono() + self._debounce  # never later than a pass already due
            pending.due = due if pending.due is None else min(pending.due, due)
            if item.kind is HintKind.TRANSCRIPT and item.path is not None:
                pending.files.add(item.path)
            elif item.kind is HintKind.STATE:
                pending.state = True
            elif item.kind is HintKind.CONFIG:
                pending.config = True
            elif item.kind is HintKind.ROOTS:
                pending.roots = pending.full = True
            else:
                pending.full = True
        elif isinstance(item, str):
            self._guarded(self._action, item)
        elif isinstance(item, ReaderProgress):
            self._reader_progress(item)
        elif isinstance(item, ReaderEnd):
            self._reader_ended(item)

    def _due_work(self) -> None:
        mono, wall = self._mono(), self._wall()
        pending = self._pending
        rescan = mono >= self._next_rescan
        debounced = pending.due is not None and mono >= pending.due
        rolled = (
            self._day is not None
            and self._workspace is not None
            and (local_date(wall, self._tz()) != self._day)
        )
        quiet_over = self._memory.quiet_until is not None and wall >= self._memory.quiet_until
        if not (rescan or debounced or pending.now or rolled or quiet_over):
            if self._wants_reader() and mono >= self._reader_next:
                self._guarded(self._reader_start)
            elif self._slicing():
                self._guarded(self._slice)
            return
        # Move every timer on before the pass, so a pass that fails cannot spin the loop.
        self._pending = _Pending()
        if rescan:
            self._next_rescan = mono + self._rescan
        if rolled:
            self._day = local_date(wall, self._tz())
        if quiet_over:
            self._remember(pause_notifications(self._memory, None))
        if self._workspace is None:
            if not self._reopened():
                return
            rescan = True
        if pending.config:
            self._guarded(self._reload_config)
        if pending.state and self._learned_roots():
            pending.roots = pending.full = True  # a hook named a transcript in a new root
        if (rescan or pending.roots or pending.full) and self._rewatch is not None:
            self._guarded(self._rewatch)
        self._guarded(self._pass, full=rescan or pending.full, files=pending.files)

    def _learned_roots(self) -> bool:
        try:
            return bool(self._workspace is not None and self._workspace.learn_roots())
        except Exception:
            log.exception("engine: learning data roots failed")
            return False

    def _backlog(self) -> bool:
        return self._workspace is not None and self._workspace.backlog is not None

    def _reader_mode(self) -> bool:
        """The history is read by a reader process (one runs, or another run is due)."""
        return self._start_reader is not None and (
            self._reader is not None or self._reader_runs < READER_ATTEMPTS
        )

    def _wants_reader(self) -> bool:
        """A backlog is left, and a history reader should read it but is not running."""
        return self._reader is None and self._reader_mode() and self._backlog()

    def _slicing(self) -> bool:
        """A backlog is left, and this thread reads it itself (no reader, or it kept failing)."""
        return self._backlog() and not self._reader_mode()

    def _reader_start(self) -> None:
        assert self._start_reader is not None
        self._reader_next = self._mono() + self._reader_retry  # also when it cannot start
        self._reader_runs += 1
        try:
            self._reader = self._start_reader(self._queue.put)
        except OSError as error:
            self._reader_failed(f"cannot start it: {error}")
            self._save_reader_record(-1, None, {})
            return
        log.info("history reader %d started (run %d)", self._reader.pid, self._reader_runs)

    def _reader_progress(self, item: ReaderProgress) -> None:
        if self._workspace is None or self._reader is None or self._reader.pid != item.pid:
            return  # a reader stopped here: what it said no longer counts
        progress = item.progress
        self._workspace.note_history_read(progress.total - progress.read, progress.newest_unread_ns)
        pending = self._pending  # publish the progress, at most every PUBLISH_EVERY_S
        due = max(self._mono(), self._published_at + PUBLISH_EVERY_S)
        pending.due = due if pending.due is None else min(pending.due, due)

    def _reader_ended(self, end: ReaderEnd) -> None:
        reader = self._reader
        if reader is None or reader.pid != end.pid:
            return  # a reader stopped here (the tray stopping, a repair)
        self._reader = None
        reader.stop()  # reaped; its thread has told everything
        done = end.done or {}
        read = end.progress
        if end.code == 0:
            self.reader_problem = None
            log.info(
                "history reader ended: %d files, %.1f MB read in %s s, peak memory %s MB (%s)",
                read.files if read else 0,
                (read.read if read else 0) / 1e6,
                done.get("seconds"),
                done.get("peak_mb"),
                done.get("priority") or "normal priority",
            )
            self._reader_next = self._mono()
            if read is not None and 0 < read.total <= read.read:
                self._reader_runs = 0  # a run that read everything it planned is no failure
        else:
            lines = end.errors.strip().splitlines()  # its last words: the error's own line
            self._reader_failed(f"exit {end.code}: {lines[-1] if lines else 'no message'}")
        self._save_reader_record(end.code, read, done)
        self._pending.full = True  # a full pass confirms the end (or finds what is left)
        self._pending.now = True

    def _reader_failed(self, why: str) -> None:
        self.reader_problem = why
        if self._reader_runs >= READER_ATTEMPTS:
            log.warning("history reader failed (%s); reading the history in the tray", why)
        else:
            log.warning("history reader failed (%s); starting it again later", why)

    def _save_reader_record(
        self, code: int, read: HistoryProgress | None, done: Mapping[str, object]
    ) -> None:
        """What `doctor` shows of the history reader's last run."""
        if self._workspace is None:
            return
        seconds, peak = done.get("seconds"), done.get("peak_mb")
        record = ReaderRecord(
            at=self._wall(),
            code=code,
            problem=None if code == 0 else self.reader_problem,
            files=read.files if read else 0,
            read_bytes=read.read if read else 0,
            total_bytes=read.total if read else 0,
            seconds=float(seconds) if isinstance(seconds, int | float) else None,
            peak_mb=float(peak) if isinstance(peak, int | float) else None,
            runs=self._reader_runs,
            in_tray=not self._reader_mode(),
        )
        try:
            save_reader_record(self._workspace.paths, record)
        except OSError as error:
            log.warning("cannot save the history reader's record: %s", error)

    def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            log.info("stopping history reader %d", reader.pid)
            reader.stop()

    def _slice(self) -> None:
        """Read a slice of the rest of the history; publish the progress now and then."""
        assert self._workspace is not None
        self._workspace.refresh_backlog(SLICE_S)
        if self._workspace.backlog is None or self._mono() - self._published_at >= PUBLISH_EVERY_S:
            self._pass(full=False, files=())

    def _reopened(self) -> bool:
        self._guarded(self._open)
        return self._workspace is not None

    def _guarded(self, work: Callable[..., object], *args: object, **kwargs: object) -> None:
        try:
            work(*args, **kwargs)
        except LedgerError as error:
            if error.fault is not Fault.CORRUPT or self._workspace is None:
                log.warning("engine: %s", error)
                return
            self._stop_reader()  # it would write on into the damaged file; started again later
            try:  # damage met by a query: salvage it now; the next pass reads on
                log.warning("%s", self._workspace.repair().line())
            except Exception:
                log.exception("engine: repairing the ledger failed")
        except Exception:
            log.exception("engine: %s failed", getattr(work, "__name__", "a step"))

    # --- one pass -----------------------------------------------------------------------------

    def _pass(self, full: bool, files: Iterable[Path]) -> None:
        workspace = self._workspace
        if workspace is None:
            return
        started = self._mono()
        files = set(files)
        if full:  # today first: the rest of a history is read by the reader (or in slices)
            # With a reader, the files left are counted, not listed (it lists them itself): a
            # pass over thousands of transcripts then holds no entry for each, and the tray's
            # memory stays at what a small history needs (Python keeps the pools a pass used).
            lean = self._reader_mode()
            stats = workspace.refresh_today(Clock(self._wall(), self._tz()), lean=lean)
            self._data_problem = data_problem(stats, workspace.roots, self._env)
            workspace.sync(self._wall())  # with the safety rescan: once a minute
        elif files:
            workspace.refresh(only=files, lean=True)
        if workspace.repaired is not self._repair_seen:  # repaired within the pass
            self._repair_seen = workspace.repaired
            self._stop_reader()  # it wrote into the damaged file; started again later
        now = self._wall()
        tz = self._tz()
        facts = workspace.session_facts()  # a state file read only for a session shown
        snapshot = workspace.snapshot(Clock(now, tz), facts)
        self._apply_resets(snapshot, facts)
        snapshot = self._apply_pause_marks(snapshot, now)
        decision = self._alert(snapshot, now, full)
        remembered = decision.memory == self._memory
        self._memory = decision.memory
        view = tray_view(snapshot, self._view_options(now, tz))
        self._snapshot = snapshot
        self._day = local_date(now, tz)
        self._next_midnight = day_period(now, tz).end
        self._publish(view)
        self._published_at = self._mono()
        # After the icon, what may wait for the disk (fsync) or the notification daemon.
        for notice in decision.send:
            self._send(notice.title, notice.body, notice.urgency)
        for notice in decision.suppressed:
            log.info("notification not sent (paused or off): %s", notice.title)
        if not remembered:
            self._save_memory()
        record_budget_state(workspace.paths, snapshot.today, now)  # for the hook gate
        if self._give_back is not None:
            self._give_back()
        if self._on_pass is not None:
            self._on_pass(PassReport(snapshot, view, full, len(files), self._mono() - started, now))

    def _tz(self) -> tzinfo:
        assert self._workspace is not None
        try:
            return self._workspace.config.tz()
        except Exception:  # an unknown zone is refused when the config loads; be safe anyway
            return Config().tz()

    def _apply_resets(self, snapshot: Snapshot, facts: StateFacts) -> None:
        """A reset seen for the first time (from the tray or `claude-tray reset`) re-arms the
        session's alerts above the level it was reset at."""
        for session in snapshot.sessions:
            record = facts.record(session.session_id)
            reset_at = record.reset_at if record is not None else None
            if record is None or reset_at is None:
                continue
            known = self._memory.sessions.get(session.session_id)
            if known is None or known.reset_at is None or known.reset_at < reset_at:
                level = record.acknowledged
                self._remember(
                    acknowledge_reset(self._memory, session.session_id, level or Level.OK, reset_at)
                )

    def _apply_pause_marks(self, snapshot: Snapshot, now: float) -> Snapshot:
        """The auto-pause rule (`core.pause`) on each active session's context: pause one that
        reached the pause level (unless a reset acknowledged it); lift the mark once its context
        fell below (a /compact)."""
        assert self._workspace is not None
        paths = self._workspace.paths
        context = self._workspace.config.context
        sessions: list[SessionState] = []
        for session in snapshot.sessions:
            if session.context_percent is None or session.machine:  # paused where it runs
                sessions.append(session)
                continue
            record = follow_pause_rule(
                paths, session.session_id, session.context_percent, context, now
            )
            wanted = record.paused
            if wanted != session.pause_mark:
                log.info(
                    "session %s %s at %.1f%%",
                    session.session_id,
                    "marked paused" if wanted else "no longer marked paused",
                    session.context_percent,
                )
                session = session._replace(pause_mark=wanted)
            sessions.append(session)
        return snapshot._replace(sessions=tuple(sessions))

    def _alert(self, snapshot: Snapshot, now: float, full: bool) -> Decision:
        """The notifications this snapshot calls for (sent by `_pass` once the view is out)."""
        assert self._workspace is not None
        config = self._workspace.config
        rules = AlertRules(
            config.context.thresholds,
            config.context.rearm_margin,
            enabled=config.tray.notifications,
            pause_enforced=config.auto_pause.enforce,
            limit_thresholds=config.limits.notify,
            tz=self._tz(),
        )
        return decide(self._memory, snapshot, rules, now, self._data_problem, full_pass=full)

    def _send(self, title: str, body: str, urgency: Urgency = "normal") -> None:
        log.info("notify (%s): %s — %s", urgency, title, body)
        try:
            self._notify(title, body, urgency)
        except Exception:
            log.exception("the notifier failed")

    def _remember(self, memory: AlertMemory) -> None:
        if memory == self._memory:
            return
        self._memory = memory
        self._save_memory()

    def _save_memory(self) -> None:
        if self._workspace is not None:
            try:
                save_tray_state(self._workspace.paths, self._memory)
            except OSError as error:
                log.warning("cannot save the alert memory: %s", error)

    def _view_options(self, now: float, tz: tzinfo) -> ViewOptions:
        assert self._workspace is not None
        try:
            extras = self._extras()
        except Exception:
            log.exception("cannot tell the autostart and report state")
            extras = ViewExtras()
        return ViewOptions(
            show_percent=self._workspace.config.tray.show_percent,
            notifications_paused_until=self._memory.quiet_until,
            autostart_enabled=extras.autostart_enabled,
            data_problem=self._data_problem,
            now=now,
            tz=tz,
        )

    def _reload_config(self) -> None:
        assert self._workspace is not None
        try:
            self._workspace.reload_config()
        except ConfigError as error:
            self._config_error(str(error))
            return
        self._config_problem = None
        log.info("config reloaded from %s", self._workspace.paths.config_file)

    def _config_error(self, message: str) -> None:
        log.warning("%s (keeping the previous settings)", message)
        if message != self._config_problem:
            self._config_problem = message
            self._send(
                "claude-tray: the config file has an error",
                f"{message}. The previous settings stay in use until it is fixed.",
            )

    # --- actions ------------------------------------------------------------------------------

    def _action(self, text: str) -> None:
        action = Action.parse(text)
        kind = action.kind if action is not None else None
        if kind is MenuAction.RESET and action is not None:
            self._reset(action.argument or None)
        elif kind is MenuAction.RESET_CURRENT:
            self._reset(None)
        elif kind is MenuAction.PAUSE_NOTIFICATIONS and action is not None:
            self._pause_notifications(action.argument or "")
        elif kind is MenuAction.RESUME_NOTIFICATIONS:
            self._remember(pause_notifications(self._memory, None))
        elif kind is MenuAction.REFRESH:
            self._pending.full = True
        elif self._on_action is not None and action is not None:
            self._on_action(action)
        else:
            log.warning("unknown action %r", text)
        self._pending.now = True

    def _reset(self, session_id: str | None) -> None:
        workspace = self._workspace
        if workspace is None:
            return
        now = self._wall()
        facts = workspace.session_facts()
        try:
            session = find_session(workspace, Clock(now, self._tz()), facts, session_id)
        except AmbiguousSession as error:
            log.warning("reset: %s", error)
            return
        if session is None:
            log.info("reset: no %s", f"session {session_id}" if session_id else "active session")
            return
        apply_reset(workspace, session, now)
        log.info("reset session %s at %s", session.session_id, session.level.label)
        notice = reset_notice(session, workspace.config.context.thresholds)
        self._send(notice.title, notice.body, notice.urgency)  # the answer to the click

    def _pause_notifications(self, argument: str) -> None:
        now = self._wall()
        if argument == "tomorrow":
            until = day_period(now, self._tz()).end
        else:
            try:
                until = now + float(argument)
            except ValueError:
                log.warning("unknown notification pause %r", argument)
                return
        self._remember(pause_notifications(self._memory, until))


def data_problem(
    stats: PassStats, roots: Iterable[Path], env: Mapping[str, str] | None = None
) -> str | None:
    """Why Claude Code's data cannot be read after a full pass, or None. No data yet under the
    default folders is a first run (a welcome, not a problem); a `CLAUDE_CONFIG_DIR` naming a
    folder that does not exist is. A file that vanished since it was listed (Claude Code's
    cleanup) is not a problem."""
    missing = missing_configured_roots(env)
    if missing:
        names = ", ".join(str(root) for root in missing)
        return (
            f"CLAUDE_CONFIG_DIR names {names}, which does not exist. "
            "Point it at Claude Code's folder, or unset it to use ~/.claude."
        )
    if not stats.data_found:
        return None
    unreadable = [(path, why) for path, why in stats.problems if os.path.exists(path)]
    if not unreadable:
        return None
    path, why = unreadable[0]
    more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
    return f"Cannot read {path}: {why}{more}."
