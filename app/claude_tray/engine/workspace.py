"""Everything one claude-tray process works with: paths, config, prices, the ledger, the roots.

The CLI opens one for a single ingest-and-print; the tray's engine thread keeps one open and calls
`refresh` on each file event. Nothing here starts a thread or reads the clock on its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from claude_tray.core.pricing import PriceTable
from claude_tray.core.snapshot import LiveFacts, Snapshot
from claude_tray.engine.ingest import PassStats, ingest
from claude_tray.engine.snapshot import Clock, build_snapshot
from claude_tray.storage.config import Config, load_config, price_table
from claude_tray.storage.ledger import Ledger
from claude_tray.storage.paths import AppPaths, app_paths, claude_roots
from claude_tray.storage.state import read_all_facts

log = logging.getLogger(__name__)


@dataclass
class Workspace:
    paths: AppPaths
    config: Config
    prices: PriceTable
    ledger: Ledger
    roots: list[Path]
    last_pass: PassStats = field(default_factory=PassStats)

    @classmethod
    def open(cls, env: Mapping[str, str] | None = None, config: Config | None = None) -> Workspace:
        """Load the config (raises `ConfigError`) and open the ledger (a corrupt one is moved aside
        and rebuilt: the next `refresh` reads the transcripts still on disk again)."""
        env = os.environ if env is None else env
        paths = app_paths(env)
        config = load_config(paths.config_file) if config is None else config
        prices = price_table(config)
        ledger = Ledger(paths.ledger)
        return cls(paths, config, prices, ledger, claude_roots(env))

    def reload_config(self) -> None:
        self.config = load_config(self.paths.config_file)
        self.prices = price_table(self.config)

    def refresh(self, only: Iterable[Path] | None = None) -> PassStats:
        """Read what is new in the transcripts (all of them, or just `only`)."""
        self.last_pass = ingest(self.ledger, self.roots, only)
        return self.last_pass

    def snapshot(self, clock: Clock, facts: Mapping[str, LiveFacts] | None = None) -> Snapshot:
        """The snapshot now, with the live facts of the state folder unless given."""
        if facts is None:
            facts = read_all_facts(self.paths)
        return build_snapshot(
            self.ledger,
            self.config,
            self.prices,
            clock,
            facts,
            data_found=self.last_pass.data_found,
        )

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
