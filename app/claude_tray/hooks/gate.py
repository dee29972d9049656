"""The gate on UserPromptSubmit: refuse a prompt, or let it through, from the session's state.

A prompt is refused when the session carries the auto-pause mark and `[auto_pause] enforce` is on,
or when `[auto_pause] budget` is on and today's spend is over the daily budget (from
`state/budget.json`) and the session was not reset since it went over. The reason tells the user
the numbers and every way to go on. Deciding reads no transcript and does no I/O.

Claude Code's own commands are never refused: some versions pass `/compact` or `/clear` through
UserPromptSubmit too, and they are the ways out of a pause (`LOCAL_COMMANDS`).
"""

from __future__ import annotations

from claude_tray.core.sanitize import clean

TYPE_CHECKING = False
if TYPE_CHECKING:
    from claude_tray.hooks.hook_settings import HookSettings
    from claude_tray.storage.budget_state import BudgetState
    from claude_tray.storage.state import SessionRecord

PREFIX = "Paused by claude-tray"
LOCAL_COMMANDS = frozenset(
    {
        "compact",
        "clear",
        "reset",
        "new",
        "exit",
        "quit",
        "context",
        "cost",
        "usage",
        "status",
        "help",
        "model",
        "config",
        "doctor",
        "resume",
        "rewind",
        "login",
        "logout",
        "permissions",
        "hooks",
        "memory",
    }
)
"""Built-in commands that manage the session or show things; none sends the prompt to the model
(custom commands do, and are gated like any prompt)."""


def decide(
    record: SessionRecord,
    settings: HookSettings,
    budget: BudgetState | None,
    now: float,
    prompt: object = None,
) -> str | None:
    """The reason to refuse the prompt, or None to let it through."""
    if is_local_command(prompt):
        return None
    if settings.enforce and record.paused:
        return pause_reason(record, settings)
    if settings.budget and budget is not None and _over_today(budget, now):
        reset_at = record.reset_at
        if reset_at is None or reset_at < (budget.over_since or budget.start):
            return budget_reason(budget, settings, record.session_id)
    return None


def is_local_command(prompt: object) -> bool:
    """`/compact`, `/clear focus on the parser`, … (one of `LOCAL_COMMANDS`)."""
    if not isinstance(prompt, str) or not prompt.lstrip().startswith("/"):
        return False
    word = prompt.lstrip()[1:].split(maxsplit=1)
    return bool(word) and word[0].lower() in LOCAL_COMMANDS


def _over_today(budget: BudgetState, now: float) -> bool:
    return budget.over and budget.budget is not None and budget.covers(now)


def pause_reason(record: SessionRecord, settings: HookSettings) -> str:
    percent = record.pause.percent if record.pause is not None else None
    window = record.statusline.window if record.statusline is not None else None
    if percent is None and window is not None:
        percent = window.used_percentage
    line = f"auto-pause at {settings.pause:g}%"
    what = (
        f"this session's context is {percent:.0f}% full ({line})"
        if percent is not None
        else f"this session reached its auto-pause level ({line})"
    )
    return (
        f"{PREFIX}: {what}, so this prompt was not sent. To go on: /compact to summarise the "
        'conversation and free context, /clear to start afresh, "Reset session" in the '
        f"claude-tray menu, or `{_reset_command(record.session_id)}` in a terminal; then send the "
        "prompt again."
    )


def budget_reason(budget: BudgetState, settings: HookSettings, session_id: str) -> str:
    spent = f"${budget.cost:,.2f}"
    limit = f"${budget.budget:,.2f}" if budget.budget is not None else "?"
    return (
        f"{PREFIX}: today's spend is {spent}, over your daily budget of {limit} (budget "
        "enforcement is on), so this prompt was not sent. To go on in this session: "
        f'"Reset session" in the claude-tray menu or `{_reset_command(session_id)}` in a '
        "terminal; or raise `daily` under [budgets], or set `budget = false` under "
        f"[auto_pause], in {settings.config_file}."
    )


def _reset_command(session_id: str) -> str:
    """The command to paste: the id shell-quoted; an id that is not plain text (control or bidi
    characters, which would reach the terminal) is not shown at all."""
    if not session_id or clean(session_id) != session_id:
        return "claude-tray reset --current"
    import shlex

    return f"claude-tray reset {shlex.quote(session_id)}"
