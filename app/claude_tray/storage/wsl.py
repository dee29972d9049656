"""On Windows, the Claude Code data of the WSL distributions that are running: their transcripts
are this machine's usage too (Claude Code run inside Ubuntu on WSL keeps its data in the
distribution's own home folder, which Windows reaches as `\\\\wsl.localhost\\<distro>\\...`).

Only running distributions are looked into: touching a stopped one's files would start its
virtual machine. Everything here is behind two small seams (the list of running distributions and
the UNC root) so that the rule is tested on any OS with a fake file tree.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from claude_tray.storage.lazy_log import LazyLogger

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

UNC_ROOT = Path("//wsl.localhost")
DATA_FOLDERS = (".claude", ".config/claude")
"""Where Claude Code keeps its data under a home folder (the same two places as on Linux)."""


def running_distributions() -> list[str]:
    """`wsl.exe --list --running --quiet`: one name a line, in UTF-16 (what wsl.exe writes when
    its output is not a console). Nothing when WSL is not there or does not answer in time."""
    import subprocess  # only on Windows, and only then

    try:
        done = subprocess.run(
            ["wsl.exe", "--list", "--running", "--quiet"],
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        log.debug("wsl.exe: %s", error)
        return []
    if done.returncode != 0:
        return []
    return parse_distribution_list(done.stdout)


def parse_distribution_list(data: bytes) -> list[str]:
    text = data.decode("utf-16-le", "replace") if b"\0" in data else data.decode("utf-8", "replace")
    names = (line.strip().lstrip("\ufeff").strip() for line in text.splitlines())
    return [name for name in names if name and "\\" not in name and "/" not in name]


def wsl_roots(
    platform: str = sys.platform,
    distributions: Callable[[], list[str]] = running_distributions,
    unc_root: Path = UNC_ROOT,
) -> list[Path]:
    """The data roots (folders holding `projects/`) in every running distribution's home
    folders and root's; none off Windows."""
    if platform != "win32":
        return []
    roots: list[Path] = []
    for name in distributions():
        base = unc_root / name
        homes = [base / "root"]
        with contextlib.suppress(OSError):
            homes += sorted(p for p in (base / "home").iterdir() if p.is_dir())
        for home in homes:
            for folder in DATA_FOLDERS:
                candidate = home / folder
                try:
                    if (candidate / "projects").is_dir():
                        roots.append(candidate)
                except OSError:
                    continue
    return roots
