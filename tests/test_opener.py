"""Opening the config or the report from the menu leaves no zombie child behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from claude_tray.adapters.opener import launch, open_path
from tests.desktop import WAIT, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def children_states() -> dict[int, str]:
    """This process's children and their states ("Z" for a zombie), from /proc."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except FileNotFoundError:
                continue
            found[int(pid)] = stat.rsplit(")", 1)[1].split()[0]
    return found


def test_open_path_leaves_no_zombie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened"
    fake = bin_dir / "xdg-open"
    fake.write_text(f'#!/bin/sh\necho "$1" > "{opened}"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    target = tmp_path / "config.toml"
    target.write_text("")
    before = set(children_states())
    assert open_path(target, "linux") is True
    wait_for(opened.exists, WAIT, "the opener to run")
    wait_for(lambda: opened.read_text().strip() == str(target), WAIT, "the opener's argument")
    new = {pid: state for pid, state in children_states().items() if pid not in before}
    assert "Z" not in new.values(), new


def test_launch_returns_at_once_and_leaves_no_zombie(tmp_path: Path) -> None:
    done = tmp_path / "done"
    before = set(children_states())
    launch(["/bin/sh", "-c", f'sleep 0.3; touch "{done}"'])
    assert not done.exists()  # not waited for
    wait_for(done.exists, WAIT, "the program to finish")
    new = {pid: state for pid, state in children_states().items() if pid not in before}
    assert "Z" not in new.values(), new
