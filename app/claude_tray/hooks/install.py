"""Our entries in Claude Code's settings: what they are, adding them, taking them out, finding them.

- A command hook `"<abs path of claude-tray>" hook` on each of `HOOK_EVENTS`, in a matcher group
  of its own appended after the user's groups.
- The status line `"<abs path>" statusline`, only when the user has none. With `chain` the user's
  own status line is kept: its command moves into ours as `statusline --then '<their command>'`
  (ours records, then runs theirs with the same stdin and prints its output), so uninstalling
  puts back exactly the command they had, with the rest of their `statusLine` object untouched.

Ours are recognised by the command: a program named `claude-tray` (or `python -m claude_tray`)
run with `hook` / `statusline`, wherever it lives, so an install after the program moved updates
the path instead of adding a second entry. Commands are quoted for the shell Claude Code runs them
with (`/bin/sh`; on Windows Git Bash, PowerShell without it, cmd.exe on old versions: one bare
word with forward slashes, or the 8.3 short name, suits all three, see `hooks.shell_command`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import claude_tray
from claude_tray import is_frozen
from claude_tray.hooks.json_edit import Editor
from claude_tray.hooks.settings_file import SettingsError, SettingsFile
from claude_tray.hooks.shell_command import POWERSHELL_NOTE, is_neutral, windows_program

HOOK_EVENTS = (
    "SessionStart",
    "UserPromptSubmit",
    "Stop",
    "PreCompact",
    "PostCompact",
    "SessionEnd",
)
HOOK_TIMEOUT = 10
"""Seconds Claude Code gives our hook (a hook that times out lets the prompt through)."""

SCOPES = ("user", "project", "local")
PROGRAM_NAMES = ("claude-tray", "claude-tray.exe")
PYTHON_FLAGS = ("-I", "-S")
"""How Python runs our hook and status-line entry: isolated from the user's Python settings and
without the site module (the entry finds its package itself)."""


# -- the program and its commands ---------------------------------------------------------------


def program_prefix() -> list[str]:
    """How to start the claude-tray that is running now, as absolute paths: a PyInstaller build
    is the program itself; otherwise this Python runs the package's `__main__.py` with `-I -S`
    (no site module, no user site, no PYTHON* variables): Claude Code starts it on every prompt
    and every assistant message, and so it starts a few ms sooner than the `claude-tray` console
    script would (see `claude_tray.__main__`)."""
    if is_frozen():
        return [os.path.abspath(sys.executable)]
    entry = os.path.join(os.path.dirname(os.path.abspath(claude_tray.__file__)), "__main__.py")
    if sys.executable and os.path.isfile(entry):
        return [os.path.abspath(sys.executable), *PYTHON_FLAGS, entry]
    found = shutil.which("claude-tray")
    if found:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "claude_tray"]


def quote_program(path: str, windows: bool) -> str:
    """POSIX quoting; on Windows one word every shell reads alike (`hooks.shell_command`)."""
    return windows_program(path) if windows else shlex.quote(path)


def command_line(prefix: list[str], *args: str, windows: bool | None = None) -> str:
    """`prefix` and `args` as one shell command: the program's path, and any other path in
    `prefix`, quoted for the platform (options such as `-I` as they are)."""
    windows = sys.platform == "win32" if windows is None else windows
    words = [
        word if i and _is_option(word) else quote_program(word, windows)
        for i, word in enumerate(prefix)
    ]
    return " ".join([*words, *(shlex.quote(arg) for arg in args)])


def _is_option(word: str) -> bool:
    return word.startswith("-") and is_neutral(word[1:])


def needs_git_bash(prefix: list[str]) -> bool:
    """Whether a path of `prefix` has no form PowerShell reads on Windows (`POWERSHELL_NOTE`)."""
    return any(
        quote_program(word, windows=True).startswith('"')
        for i, word in enumerate(prefix)
        if not (i and _is_option(word))
    )


def our_args(command: object) -> list[str] | None:
    """The arguments after our program in `command`, or None when it does not run claude-tray:
    `claude-tray ...`, `python [-I -S ...] <...>/claude_tray/__main__.py ...` or
    `python [options] -m claude_tray ...`, wherever they live."""
    if not isinstance(command, str):
        return None
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    if not argv:
        return None
    name = argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name in PROGRAM_NAMES:
        return argv[1:]
    if "python" not in name:
        return None
    rest = argv[1:]
    while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
        rest = rest[1:]  # the interpreter's options
    if rest[:2] == ["-m", "claude_tray"]:
        return rest[2:]
    if rest and rest[0].replace("\\", "/").endswith("/claude_tray/__main__.py"):
        return rest[1:]
    return None


def is_our_hook(entry: object) -> bool:
    return isinstance(entry, dict) and our_args(entry.get("command")) == ["hook"]


def chained_command(args: list[str]) -> str | None:
    """The user's command kept in our status line's arguments (`statusline --then CMD`)."""
    if len(args) == 3 and args[:2] == ["statusline", "--then"]:
        return args[2]
    if len(args) == 2 and args[0] == "statusline" and args[1].startswith("--then="):
        return args[1][len("--then=") :]
    return None


# -- where ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    scope: str
    path: Path


def targets(scope: str, cwd: Path, roots: list[Path]) -> list[Target]:
    """The settings files of a scope: every existing Claude data root's `settings.json` (user),
    `.claude/settings.json` (project) or `.claude/settings.local.json` (local, not committed)."""
    if scope == "user":
        return [Target("user", root / "settings.json") for root in roots if root.is_dir()]
    if scope == "project":
        return [Target("project", cwd / ".claude" / "settings.json")]
    if scope == "local":
        return [Target("local", cwd / ".claude" / "settings.local.json")]
    raise ValueError(f"unknown scope {scope!r}")


# -- install and uninstall ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    new_text: str
    notes: tuple[str, ...]


def plan_install(settings: SettingsFile, prefix: list[str], chain: bool) -> Change:
    editor = Editor.of(settings.text)
    notes: list[str] = []
    command = command_line(prefix, "hook")
    if sys.platform == "win32" and needs_git_bash(prefix):  # no shell-neutral form for a path
        notes.append(POWERSHELL_NOTE)
    _install_hooks(editor, settings, command, notes)
    _install_statusline(editor, settings, prefix, chain, notes)
    return Change(editor.text, tuple(notes))


def plan_uninstall(settings: SettingsFile, original: dict[str, Any] | None = None) -> Change:
    """Take out what install added. `original` (the file before claude-tray first wrote it,
    `settings_file.original_data`) says which containers were the user's: an event list or a
    `"hooks"` object they had, even empty, is left as they had it."""
    editor = Editor.of(settings.text)
    notes: list[str] = []
    removed = _uninstall_hooks(editor, _users_containers(original))
    if removed:
        notes.append(f"removed our hooks from {', '.join(removed)}")
    status = editor.data.get("statusLine")
    args = our_args(status.get("command")) if isinstance(status, dict) else None
    if args and args[0] == "statusline":
        theirs = chained_command(args)
        if theirs is None:
            editor.remove(("statusLine",))
            notes.append("removed our status line")
        else:
            editor.replace(("statusLine", "command"), theirs)
            notes.append(f"restored your status line: {theirs}")
    return Change(editor.text, tuple(notes))


def _our_group(command: str) -> dict[str, Any]:
    return {"hooks": [{"type": "command", "command": command, "timeout": HOOK_TIMEOUT}]}


def _install_hooks(editor: Editor, settings: SettingsFile, command: str, notes: list[str]) -> None:
    hooks = editor.data.get("hooks")
    if hooks is None:
        editor.insert_member((), "hooks", {event: [_our_group(command)] for event in HOOK_EVENTS})
        notes.append(f"added our hook to {', '.join(HOOK_EVENTS)}")
        return
    if not isinstance(hooks, dict):
        raise SettingsError(f'{settings.path}: "hooks" is not an object; left untouched')
    added, updated = [], []
    for event in HOOK_EVENTS:
        groups = editor.data["hooks"].get(event)
        if groups is None:
            editor.insert_member(("hooks",), event, [_our_group(command)])
            added.append(event)
            continue
        found = list(_ours_in_event(settings, event, groups))
        if not found:
            editor.append_item(("hooks", event), _our_group(command))
            added.append(event)
            continue
        group, index, current = found[0]
        if current != command:
            editor.replace(("hooks", event, group, "hooks", index, "command"), command)
            updated.append(event)
        for _ in found[1:]:  # duplicates of ours (copied by hand): one is enough
            _remove_one(editor, event, skip_first=True)
    if added:
        notes.append(f"added our hook to {', '.join(added)}")
    if updated:
        notes.append(f"updated the path of our hook on {', '.join(updated)}")


def _ours_in_event(
    settings: SettingsFile, event: str, groups: object
) -> Iterator[tuple[int, int, str]]:
    if not isinstance(groups, list):
        raise SettingsError(f'{settings.path}: "hooks"."{event}" is not a list; left untouched')
    for g, group in enumerate(groups):
        entries = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if is_our_hook(entry):
                yield g, i, entry["command"]


def _install_statusline(
    editor: Editor, settings: SettingsFile, prefix: list[str], chain: bool, notes: list[str]
) -> None:
    plain = command_line(prefix, "statusline")
    status = editor.data.get("statusLine")
    if status is None:
        editor.insert_member((), "statusLine", {"type": "command", "command": plain, "padding": 0})
        notes.append("added our status line")
        return
    if not isinstance(status, dict):
        raise SettingsError(f'{settings.path}: "statusLine" is not an object; left untouched')
    command = status.get("command")
    args = our_args(command)
    if args and args[0] == "statusline":
        theirs = chained_command(args)
        wanted = plain if theirs is None else command_line(prefix, "statusline", "--then", theirs)
        if command != wanted:
            editor.replace(("statusLine", "command"), wanted)
            notes.append("updated the path of our status line")
    elif chain and isinstance(command, str) and command.strip():
        editor.replace(
            ("statusLine", "command"), command_line(prefix, "statusline", "--then", command)
        )
        notes.append(f"chained our status line in front of yours: {command}")
    else:
        notes.append(
            "kept your status line as it is (add --statusline-chain to let ours record "
            "the exact context % and plan limits and then run yours)"
        )


@dataclass(frozen=True, slots=True)
class _Keep:
    """What of `"hooks"` was the user's before we first wrote: kept by uninstall even if empty."""

    hooks: bool = False
    events: frozenset[str] = frozenset()


def _users_containers(original: dict[str, Any] | None) -> _Keep:
    hooks = original.get("hooks") if original is not None else None
    if not isinstance(hooks, dict):
        return _Keep()
    # An event whose groups were all ours already (a copy made after an older install) is not one
    # the user had; an empty list, or one with their own groups, is.
    events = frozenset(
        event
        for event, groups in hooks.items()
        if isinstance(groups, list) and not (groups and all(_only_ours(g) for g in groups))
    )
    return _Keep(hooks=not hooks or bool(events), events=events)


def _only_ours(group: object) -> bool:
    entries = group.get("hooks") if isinstance(group, dict) else None
    return isinstance(entries, list) and bool(entries) and all(is_our_hook(e) for e in entries)


def _uninstall_hooks(editor: Editor, keep: _Keep) -> list[str]:
    removed: list[str] = []
    while _remove_one(editor, None, skip_first=False, removed=removed, keep=keep):
        pass
    return list(dict.fromkeys(removed))


def _remove_one(
    editor: Editor,
    only_event: str | None,
    skip_first: bool,
    removed: list[str] | None = None,
    keep: _Keep = _Keep(),
) -> bool:
    """Take out one of our hook entries (with its group, event and `hooks` when nothing else
    is left in them); False when there is none."""
    hooks = editor.data.get("hooks")
    if not isinstance(hooks, dict):
        return False
    seen = 0
    for event, groups in hooks.items():
        if (only_event is not None and event != only_event) or not isinstance(groups, list):
            continue
        for g, group in enumerate(groups):
            entries = group.get("hooks") if isinstance(group, dict) else None
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if not is_our_hook(entry):
                    continue
                seen += 1
                if skip_first and seen == 1:
                    continue
                _remove_entry(editor, hooks, event, g, i, keep)
                if removed is not None:
                    removed.append(event)
                return True
    return False


def _remove_entry(
    editor: Editor, hooks: dict[str, Any], event: str, g: int, i: int, keep: _Keep
) -> None:
    groups = hooks[event]
    only_ours = [
        all(is_our_hook(e) for e in grp.get("hooks", []))
        if isinstance(grp, dict) and isinstance(grp.get("hooks"), list)
        else False
        for grp in groups
    ]
    if not only_ours[g]:
        editor.remove(("hooks", event, g, "hooks", i))
    elif len(groups) > 1 or event in keep.events:
        editor.remove(("hooks", event, g))
    elif len(hooks) > 1 or keep.hooks:
        editor.remove(("hooks", event))
    else:
        editor.remove(("hooks",))


# -- status --------------------------------------------------------------------------------------


def status_of(data: dict[str, Any], prefix: list[str]) -> dict[str, Any]:
    """What of ours is in a settings file: per event `installed`, `missing` or `other-path`
    (ours, but another claude-tray's path); the status line `ours`, `chained`, `theirs`, `none`."""
    wanted = command_line(prefix, "hook")
    hooks = data.get("hooks")
    hooks = hooks if isinstance(hooks, dict) else {}
    events: dict[str, str] = {}
    for event in HOOK_EVENTS:
        groups = hooks.get(event)
        commands = [
            entry["command"]
            for group in (groups if isinstance(groups, list) else [])
            if isinstance(group, dict) and isinstance(group.get("hooks"), list)
            for entry in group["hooks"]
            if is_our_hook(entry)
        ]
        events[event] = (
            "missing" if not commands else "installed" if wanted in commands else "other-path"
        )
    return {
        "hooks": events,
        "statusLine": _statusline_status(data.get("statusLine")),
        "disableAllHooks": data.get("disableAllHooks") is True,
    }


def _statusline_status(status: object) -> dict[str, Any]:
    if not isinstance(status, dict):
        return {"state": "none"}
    command = status.get("command")
    args = our_args(command)
    if args and args[0] == "statusline":
        theirs = chained_command(args)
        if theirs is None:
            return {"state": "ours", "command": command}
        return {"state": "chained", "command": command, "chained": theirs}
    return {"state": "theirs", "command": command}
