"""The git repository and branch of a directory, read from `.git` files (no `git` subprocess).

Handles a plain checkout (`.git` folder), a linked worktree or submodule (`.git` file holding
`gitdir: <path>`), a detached HEAD (no branch; the commit is given instead) and no repository.
"""

from __future__ import annotations

import os

from claude_tray.storage.regular import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MAX_READ = 4096


def git_info(cwd: str) -> dict[str, Any] | None:
    """`{"root", "repository", "branch"}` (`branch` None and `"commit"` set on a detached HEAD),
    or None outside a repository. `root` is the working tree, `repository` the main one (the same
    unless `root` is a linked worktree)."""
    root = _find_root(cwd)
    if root is None:
        return None
    marker = os.path.join(root, ".git")
    git_dir = marker if os.path.isdir(marker) else _pointed_dir(marker)
    if git_dir is None:
        return None
    head = _read(os.path.join(git_dir, "HEAD"))
    if head is None:
        return None
    info: dict[str, Any] = {
        "root": root,
        "repository": _main_repository(root, git_dir),
        "branch": None,
    }
    if head.startswith("ref:"):
        ref = head[4:].strip()
        info["branch"] = ref.removeprefix("refs/heads/")
    elif head:
        info["commit"] = head[:40]
    return info


def _find_root(start: str) -> str | None:
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _pointed_dir(marker: str) -> str | None:
    """The folder a `.git` file points to (`gitdir: ../.git/worktrees/x`, relative to the file)."""
    content = _read(marker)
    if content is None or not content.startswith("gitdir:"):
        return None
    target = content[len("gitdir:") :].strip()
    if not os.path.isabs(target):
        target = os.path.join(os.path.dirname(marker), target)
    target = os.path.normpath(target)
    return target if os.path.isdir(target) else None


def _main_repository(root: str, git_dir: str) -> str:
    """The main working tree: a worktree's git dir names its shared one in `commondir`."""
    common = _read(os.path.join(git_dir, "commondir"))
    if not common:
        return root
    common_dir = common if os.path.isabs(common) else os.path.join(git_dir, common)
    common_dir = os.path.normpath(common_dir)
    if os.path.basename(common_dir) == ".git":
        return os.path.dirname(common_dir)
    return common_dir  # a bare repository


def _read(path: str) -> str | None:
    """A small file's text; None for a missing or unreadable one, or one that is not a regular
    file (a FIFO planted as `.git/HEAD` must not block every prompt)."""
    try:
        return read_regular(path, _MAX_READ).decode("utf-8", errors="replace").strip()
    except OSError:
        return None
