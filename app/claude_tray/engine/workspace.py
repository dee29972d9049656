"""Everything one claude-tray process works with: paths, config, prices, the ledger, the roots.

The CLI opens one for a single ingest-and-print; the tray's engine thread keeps one open and calls
`refresh` on each file event. Nothing here starts a thread; the clock is read only to date the
ledger's daily backup and a learned root.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from claude_tray.core.periods import day_period
from claude_tray.core.pricing import PriceTable
from claude_tray.core.snapshot import LiveFacts, Snapshot
from claude_tray.engine.discover import LISTINGS_FILE, FolderListings
from claude_tray.engine.ingest import SKEW_MARGIN_S, PassStats, Progress, ingest
from claude_tray.engine.snapshot import RECENT_S, Clock, build_snapshot
from claude_tray.storage import ledger_backup
from claude_tray.storage.config import Config, builtin_prices, load_config, price_table
from claude_tray.storage.lazy_log import LazyLogger
from claude_tray.storage.learned_roots import add_learned_root, is_watched, watched_roots
from claude_tray.storage.ledger import Ledger, LedgerError
from claude_tray.storage.ledger_faults import Fault
from claude_tray.storage.ledger_repair import RepairReport, open_or_repair, repair
from claude_tray.storage.paths import AppPaths, app_paths
from claude_tray.storage.state_index import SessionIndex, SessionSummary, StateFacts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from claude_tray.engine.sync import SyncSettings, SyncStats

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)


def open_beside_the_tray(paths: AppPaths) -> Ledger:
    """The ledger for a process that writes beside the tray (its history reader): opened as it is
    and never repaired there; damage raises `LedgerError` and is the tray's to repair (one
    process repairs, while the others stop)."""
    return Ledger(paths.ledger)


class Workspace:
    """(A plain class: a dataclass compiles its methods at import, on every CLI run.)"""

    def __init__(
        self,
        paths: AppPaths,
        config: Config,
        prices: PriceTable,
        ledger: Ledger,
        roots: list[Path],
        repaired: RepairReport | None = None,
    ) -> None:
        self.paths = paths
        self.config = config
        self.prices = prices
        self.ledger = ledger
        self.roots = roots
        self.last_pass = PassStats()
        self.backlog: PassStats | None = None
        """The last pass over every transcript, when it left some unread (see `refresh`)."""
        self.repaired = repaired
        """What repairing a damaged ledger saved, when this workspace had to."""
        self.backed_up: Path | None = None
        """The backup the last pass made, if one was due."""
        self.last_sync: SyncStats | None = None
        """The latest sync pass; None while sync is off or before the first."""
        self.listings = FolderListings(paths.state_dir / LISTINGS_FILE)
        """The listings of settled folders, kept between passes (`engine.discover`)."""
        self.sessions = SessionIndex(paths)
        """What each session's state file says, kept between passes (`storage.state_index`)."""
        self.scanned: dict[str, SessionSummary] | None = None
        """The state folder as `learn_roots` last scanned it."""

    @classmethod
    def open(cls, env: Mapping[str, str] | None = None, config: Config | None = None) -> Workspace:
        """Load the config (raises `ConfigError`) and open the ledger: a damaged one is repaired
        (its readable rows and the newest backup kept; the next `refresh` reads the transcripts on
        disk again); any other fault raises `LedgerError` or opens it read-only."""
        env = os.environ if env is None else env
        paths = app_paths(env)
        config = load_config(paths.config_file, paths.state_dir) if config is None else config
        prices = price_table(config, builtin_prices(paths.state_dir))
        ledger, repaired = open_or_repair(paths.ledger)
        return cls(paths, config, prices, ledger, watched_roots(paths, env), repaired=repaired)

    def reload_config(self) -> None:
        self.config = load_config(self.paths.config_file, self.paths.state_dir)
        self.prices = price_table(self.config, builtin_prices(self.paths.state_dir))

    def refresh(
        self,
        only: Iterable[Path] | None = None,
        since: float | None = None,
        budget_s: float | None = None,
        progress: Progress | None = None,
        lean: bool = False,
    ) -> PassStats:
        """Read what is new in the transcripts (all of them, or just `only`; with `since` only
        those modified since then, with `budget_s` for about that long, `lean` holding as little
        at once as can be: see `ingest`); then make the day's backup if it is due. Damage found
        on the way is repaired, and the pass made again. A full pass first learns the roots that
        our hooks' payloads name (`learn_roots`)."""
        if only is None:
            try:
                self.learn_roots()
            except OSError as error:
                log.warning("cannot learn data roots: %s", error)
        try:
            self.last_pass = ingest(
                self.ledger,
                self.roots,
                only,
                since,
                budget_s,
                progress,
                listings=self.listings,
                lean=lean,
            )
        except LedgerError as error:
            if error.fault is not Fault.CORRUPT:
                raise
            self.repair()
            self.last_pass = ingest(
                self.ledger,
                self.roots,
                None,
                since,
                budget_s,
                progress,
                listings=self.listings,
                lean=lean,
            )
        if self.last_pass.ledger_problem is None:  # nothing is written to a ledger in trouble
            if only is None or self.backlog is None:
                self.backlog = self.last_pass if self.last_pass.unread_files else None
            self.backup_if_due()
        return self.last_pass

    def learn_roots(self, now: float | None = None) -> list[Path]:
        """Add the roots of the transcripts our hooks and status line saw (`transcript_path`)
        that no watched root holds; returns the roots added (remembered in the app's state)."""
        added: list[Path] = []
        first: dict[str, str] = {}  # each root once, with the first session that names it
        self.scanned = self.sessions.scan()
        for session_id, summary in self.scanned.items():
            if summary.root is not None:
                first.setdefault(summary.root, session_id)
        for text, session_id in first.items():
            root = Path(text)
            if is_watched(root, self.roots):
                continue
            if not (root / "projects").is_dir():
                continue
            moment = time.time() if now is None else now
            if add_learned_root(self.paths, root, session_id, moment):
                log.info("learned data root %s from session %s", root, session_id)
                self.roots.append(root)
                added.append(root)
        return added

    def refresh_backlog(self, budget_s: float, batch: int = 64) -> PassStats | None:
        """Read the next slice of what a pass left unread (the tray, between live passes): the
        newest `batch` unread transcripts, for about `budget_s`, without walking every folder
        again. When none is left, one full pass confirms it. None when there is no backlog."""
        pending = self.backlog
        if pending is None:
            return None
        if not pending.unread:
            return self.refresh(budget_s=budget_s)
        named = [Path(path) for path, _, _ in pending.unread[:batch]]
        stats = self.refresh(only=named, budget_s=budget_s)
        if stats.ledger_problem is not None:
            return stats
        still = {path for path, _, _ in stats.unread}
        done = {str(path) for path in named} - still
        pending.unread = [item for item in pending.unread if item[0] not in done]
        pending.unread_files = len(pending.unread)
        pending.unread_bytes = sum(left for _, _, left in pending.unread)
        pending.unread_newest = pending.unread[0][1] / 1e9 if pending.unread else None
        return stats

    def note_history_read(self, left_bytes: int, newest_unread_ns: int | None) -> None:
        """What another process (the tray's history reader) has read of the backlog since the
        last full pass: `left_bytes` still to read, and the newest transcript not read yet
        (None: all read; the next full pass confirms it and ends the backlog)."""
        pending = self.backlog
        if pending is None:
            return
        pending.unread_bytes = max(0, min(pending.unread_bytes, left_bytes))
        if newest_unread_ns is not None and pending.unread_newest is not None:
            pending.unread_newest = min(pending.unread_newest, newest_unread_ns / 1e9)

    def refresh_today(
        self, clock: Clock, progress: Progress | None = None, lean: bool = False
    ) -> PassStats:
        """Read what today's figures and the live sessions need: the transcripts modified since
        the start of today or of the recent-sessions window, whichever is earlier (`lean`: the
        rest is counted, not listed; see `ingest`)."""
        since = today_since(clock, self.config.context.active_minutes * 60.0)
        return self.refresh(since=since, progress=progress, lean=lean)

    def history_read(self) -> float | None:
        """How much of the history the ledger holds (0..1) while some is left; None when all."""
        pending = self.backlog
        if pending is None:
            return None
        total = pending.history_bytes or 1
        return max(0.0, min(1.0, 1.0 - pending.unread_bytes / total))

    def repair(self) -> RepairReport:
        """Repair the ledger in place (closing and opening it again)."""
        machines = self.ledger.machines
        self.ledger.close()
        report = repair(self.paths.ledger)
        self.ledger = Ledger(self.paths.ledger)
        self.ledger.machines = machines
        self.repaired = report
        return report

    def backup_if_due(self, now: float | None = None) -> Path | None:
        """Make a backup when the newest is a day old (and prune to `ledger_backups`)."""
        keep = self.config.ledger_backups
        now = time.time() if now is None else now
        self.backed_up = None
        if keep <= 0 or self.ledger.read_only or not ledger_backup.due(self.paths.ledger, now):
            return None
        try:
            self.backed_up = self.ledger.backup(now)
            ledger_backup.prune(self.paths.ledger, keep)
        except (LedgerError, OSError) as error:
            log.warning("cannot back up the ledger: %s", error)
        return self.backed_up

    def sync_settings(self, env: Mapping[str, str] | None = None) -> SyncSettings | None:
        """Where and as whom this machine syncs; None while `[sync] folder` is unset."""
        config = self.config.sync
        if not config.enabled:
            return None
        from claude_tray.engine.sync import SyncSettings  # sync is off for most users

        return SyncSettings(config.folder_path, self.this_machine(env), config.hide_projects)

    def this_machine(self, env: Mapping[str, str] | None = None) -> str:
        """This machine's name (the sync folder's, or what it would be)."""
        from claude_tray.engine.sync import machine_name

        return machine_name(self.config.sync.machine, env)

    def restrict_to_machines(self, names: Iterable[str]) -> None:
        """Every sum and session list from now on covers only the machines named (`--machine`);
        this machine's own name stands for its own responses."""
        this = self.this_machine()
        self.ledger.machines = tuple(sorted({"" if name == this else name for name in names}))

    def machine_label(self, stored: str | None) -> str:
        """A machine as the user knows it: this machine's name for its own ('')."""
        return stored or self.this_machine()

    def sync(self, now: float) -> SyncStats | None:
        """Publish this machine's new responses to the sync folder and read the other machines';
        a folder that cannot be reached is a problem of this pass, never an error."""
        settings = self.sync_settings()
        if settings is None or self.ledger.read_only:
            return None
        from claude_tray.engine.sync import SyncStats, sync

        try:
            self.last_sync = sync(self.ledger, settings, now)
        except OSError as error:
            log.warning("sync folder %s: %s", settings.folder, error)
            self.last_sync = SyncStats(
                problems=[(str(error.filename or settings.folder), error.strerror or str(error))]
            )
        return self.last_sync

    def session_facts(self) -> StateFacts:
        """The live facts of every session in the state folder (`storage.state.read_all_facts`),
        each session's state file read only when its facts are needed."""
        return self.sessions.facts()

    def snapshot(
        self,
        clock: Clock,
        facts: Mapping[str, LiveFacts] | None = None,
        with_sessions: bool = True,
    ) -> Snapshot:
        """The snapshot now, with the live facts of the state folder unless given; without
        `with_sessions`, the periods' spends only (see `build_snapshot`)."""
        if facts is None:  # they only tell about sessions
            facts = self.session_facts() if with_sessions else {}
        return build_snapshot(
            self.ledger,
            self.config,
            self.prices,
            clock,
            facts,
            data_found=self.last_pass.data_found,
            complete_since=None
            if self.backlog is None
            else self.backlog.complete_since(SKEW_MARGIN_S),
            history_read=self.history_read(),
            with_sessions=with_sessions,
        )

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def today_since(clock: Clock, active_window: float = 0.0) -> float:
    """Where a today-first read starts: the earlier of the start of today (in the clock's zone)
    and the start of the window in which sessions count as recent, less a margin for skew."""
    start = min(day_period(clock.now, clock.tz).start, clock.now - max(active_window, RECENT_S))
    return start - SKEW_MARGIN_S
