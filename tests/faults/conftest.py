"""Fixtures of the fault suite: a history built by the real CLI in a world-readable folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.scene import Scene, build, world_temp
from tests.tools import missing


@pytest.fixture
def scene() -> Iterator[Scene]:
    for top in world_temp():
        yield build(top)


@pytest.fixture
def root_tools() -> None:
    """Mounting and dropping privileges need root, `mount` and `setpriv` (CI runs as root)."""
    if os.geteuid() != 0:
        missing("root", "run as root, as CI does")
    for tool in ("mount", "umount", "setpriv"):
        if shutil.which(tool) is None:
            missing(tool, "apt-get install util-linux mount")


def mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        missing(f"mount {' '.join(args)} ({done.stderr.strip()})", "needs root with mount rights")


def umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30, check=False)
