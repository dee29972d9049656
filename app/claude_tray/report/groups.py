"""Sessions with their cost in a range, and what they belong to: repository or folder, category.

The ledger knows each session's folder (cwd); our hooks add, in the session's state file, the git
repository (`git.repository`, the main working tree) and a category. A session is filed under its
repository when the hooks saw one, else under its folder. Notes and tags come from the ledger.
Runs on the caller's thread (it reads the workspace's ledger).
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from claude_tray.core.pricing import display_name
from claude_tray.core.snapshot import project_name
from claude_tray.core.tokens import Tokens
from claude_tray.engine.usage import Total, priced_sums
from claude_tray.engine.workspace import Workspace
from claude_tray.storage.state import read_all

UNCATEGORISED = "uncategorised"


@dataclass(frozen=True, slots=True)
class SessionTotal:
    """One session: where it ran, when, and its tokens and cost within the range asked for."""

    session: str
    folder: str | None
    repository: str | None
    branch: str | None
    category: str | None
    model: str | None
    first: float
    last: float
    tokens: Tokens
    cost: float
    unpriced_tokens: int
    note: str | None
    tags: tuple[str, ...]

    @property
    def project(self) -> str:
        """The repository when known, else the folder (the key sessions are grouped by)."""
        return self.repository or self.folder or ""

    @property
    def duration(self) -> float:
        return max(0.0, self.last - self.first)

    @property
    def model_name(self) -> str | None:
        return display_name(self.model) if self.model else None


def session_totals(
    workspace: Workspace,
    start: float = 0.0,
    end: float = math.inf,
    session_ids: Sequence[str] | None = None,
) -> list[SessionTotal]:
    """Sessions with any usage in [start, end), with their cost there, costliest first."""
    ranges = [("range", start, end)]
    sums = priced_sums(
        workspace.ledger, workspace.prices, ranges, ("session", "project"), session_ids
    )
    totals: dict[str, Total] = {}
    folders: dict[str, dict[str | None, int]] = {}
    for item in sums:
        session = item.group[0] or ""
        totals.setdefault(session, Total()).add(item, by_model=False)
        weight = folders.setdefault(session, {})
        weight[item.group[1]] = weight.get(item.group[1], 0) + item.tokens.total
    marks = {mark.session: mark for mark in workspace.ledger.sessions()}
    states = read_all(workspace.paths)
    notes, tags = workspace.ledger.notes(), workspace.ledger.tags()
    out = []
    for session, total in totals.items():
        mark = marks.get(session)
        state = states.get(session)
        git = state.git if state is not None else None
        folder = max(folders[session].items(), key=lambda kv: kv[1])[0]
        out.append(
            SessionTotal(
                session=session,
                folder=folder or (mark.project if mark else None),
                repository=(git.repository or git.root) if git is not None else None,
                branch=git.branch if git is not None else None,
                category=state.category if state is not None else None,
                model=mark.model if mark else None,
                first=mark.first_ts if mark else start,
                last=mark.last_ts if mark else start,
                tokens=total.tokens,
                cost=total.cost,
                unpriced_tokens=total.unpriced_tokens,
                note=notes.get(session),
                tags=tags.get(session, ()),
            )
        )
    return sorted(out, key=lambda s: (-s.cost, -s.tokens.total, s.session))


@dataclass(frozen=True, slots=True)
class GroupTotal:
    """Sessions sharing a key (a project, a category), summed."""

    key: str
    label: str
    sessions: int
    tokens: Tokens
    cost: float
    unpriced_tokens: int
    last: float


def group_sessions(sessions: Iterable[SessionTotal], key_of: str) -> list[GroupTotal]:
    """Sum sessions by `"project"` or `"category"`, costliest first, with readable labels."""
    grouped: dict[str, list[SessionTotal]] = {}
    for s in sessions:
        key = s.project if key_of == "project" else (s.category or UNCATEGORISED)
        grouped.setdefault(key, []).append(s)
    labels = project_labels(grouped) if key_of == "project" else {k: k for k in grouped}
    out = []
    for key, members in grouped.items():
        tokens = Tokens()
        for member in members:
            tokens = tokens + member.tokens
        out.append(
            GroupTotal(
                key,
                labels[key],
                len(members),
                tokens,
                sum(m.cost for m in members),
                sum(m.unpriced_tokens for m in members),
                max(m.last for m in members),
            )
        )
    return sorted(out, key=lambda g: (-g.cost, -g.tokens.total, g.label))


def repository_name(key: str) -> str:
    """The last part of a repository path or address (`git@host:me/app.git` → `app`)."""
    trimmed = key.rstrip("/\\")
    if trimmed.endswith(".git"):
        trimmed = trimmed[:-4]
    tail = posixpath.basename(trimmed.replace("\\", "/").replace(":", "/"))
    return tail or project_name(key)


def project_labels(keys: Iterable[str]) -> Mapping[str, str]:
    """A short name per project key; keys whose short names clash keep their full path."""
    keys = list(keys)
    short = {key: repository_name(key) if key else "unknown project" for key in keys}
    count: dict[str, int] = {}
    for name in short.values():
        count[name] = count.get(name, 0) + 1
    return {key: name if count[name] == 1 else key for key, name in short.items()}
