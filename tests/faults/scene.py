"""A history for the fault tests: a real ledger built by the real CLI, holding a session whose
transcript Claude Code has since deleted (so it lives only in the ledger), a note and a tag on it,
and a session whose transcript is still on disk.

Every fault test ends the same way: `history(scene.ledger)` equals what it was before the fault,
read straight from the ledger file with SQLite.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tests.transcripts import ClaudeData, assistant

APP = Path(__file__).resolve().parents[2] / "app"
T = "2026-11-20T10:{:02d}:{:02d}.000Z"
KEPT_T = "2026-11-21T{:02d}:{:02d}:{:02d}.000Z"
GONE, KEPT = "gone-session", "kept-session"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


class History(NamedTuple):
    """What must survive every fault."""

    gone_messages: int
    gone_output: int
    notes: dict[str, str]
    tags: list[tuple[str, str]]


def history(ledger: Path) -> History:
    """Read from the ledger file itself (read-only, without changing it)."""
    db = sqlite3.connect(f"{ledger.resolve().as_uri()}?mode=ro", uri=True)
    try:
        ((n, out),) = db.execute(
            "SELECT count(*), coalesce(sum(output), 0) FROM messages WHERE session = ?", (GONE,)
        ).fetchall()
        notes = dict(db.execute("SELECT session, text FROM notes").fetchall())
        tags = db.execute("SELECT session, tag FROM tags ORDER BY 1, 2").fetchall()
    finally:
        db.close()
    return History(int(n), int(out), notes, [(str(s), str(t)) for s, t in tags])


EXPECTED = History(40, sum(range(1, 41)), {GONE: "the big refactor"}, [(GONE, "billing")])


@dataclass
class Scene:
    top: Path
    claude: ClaudeData
    home: Path

    @property
    def ledger(self) -> Path:
        return self.home / "data" / "ledger.sqlite3"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CLAUDE_TRAY_HOME": str(self.home),
            "HOME": str(self.top),
            "CLAUDE_CONFIG_DIR": str(self.claude.root),
            "PYTHONPATH": str(APP),
            "TZ": "UTC",
        }

    def cli(
        self, *args: str, as_nobody: bool = False, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "claude_tray", *args]
        return subprocess.run(
            [*NOBODY, *command] if as_nobody else command,
            capture_output=True,
            text=True,
            env=self.env,
            cwd="/",
            timeout=timeout,
        )

    def daily(self, as_nobody: bool = False) -> tuple[subprocess.CompletedProcess[str], dict]:
        run = self.cli("daily", "--json", as_nobody=as_nobody)
        return run, (json.loads(run.stdout) if run.returncode == 0 else {})

    def write_kept(self, count: int, first: int = 0) -> None:
        """More lines for the session whose transcript stays on disk."""
        self.claude.write(
            KEPT,
            *[
                assistant(
                    KEPT, KEPT_T.format(i // 3600, i // 60 % 60, i % 60), f"k{i}", output=1000
                )
                for i in range(first, first + count)
            ],
        )

    def siblings(self) -> list[str]:
        """Files beside the ledger other than it, its journal and its backups folder."""
        skip = {self.ledger.name, self.ledger.name + "-wal", self.ledger.name + "-shm", "backups"}
        return sorted(p.name for p in self.ledger.parent.iterdir() if p.name not in skip)


def build(top: Path) -> Scene:
    """The history, made by the real CLI; the deleted session's transcript is gone at the end."""
    top.chmod(0o755)
    scene = Scene(top, ClaudeData(top / "claude"), top / "tray")
    gone = scene.claude.write(
        GONE,
        *[assistant(GONE, T.format(i // 60, i % 60), f"g{i}", output=i + 1) for i in range(40)],
    )
    scene.write_kept(10)
    for step in (("daily", "--json"), ("note", GONE, "the big refactor"), ("tag", GONE, "billing")):
        run = scene.cli(*step)
        assert run.returncode == 0, run.stderr
    gone.unlink()
    assert history(scene.ledger) == EXPECTED
    return scene


def world_readable(scene: Scene) -> None:
    """Let the unprivileged user read the transcripts (and walk to the ledger)."""
    for path in [scene.top, *scene.top.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
        elif path.is_file():
            path.chmod(0o644)


def world_temp() -> Iterator[Path]:
    """A temp folder outside pytest's (which is private to root), removed afterwards."""
    top = Path(tempfile.mkdtemp(prefix="claude-tray-faults-"))
    try:
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)
