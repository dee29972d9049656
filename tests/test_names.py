"""The names passed between layers: menu action ids, looks and periods are one typed definition."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from claude_tray.core.names import Action, Look, MenuAction, PeriodName

APP = Path(__file__).resolve().parents[1] / "app" / "claude_tray"


@pytest.mark.parametrize(
    ("text", "kind", "argument"),
    [
        ("reset:5f2d-9c1e", MenuAction.RESET, "5f2d-9c1e"),
        ("reset-current", MenuAction.RESET_CURRENT, None),
        ("pause-notifications:3600", MenuAction.PAUSE_NOTIFICATIONS, "3600"),
        ("quit", MenuAction.QUIT, None),
        ("reset:a:b", MenuAction.RESET, "a:b"),  # a session id holding a colon survives
    ],
)
def test_an_action_id_round_trips(text: str, kind: MenuAction, argument: str | None) -> None:
    action = Action.parse(text)
    assert action is not None and (action.kind, action.argument) == (kind, argument)
    assert action == text and Action(kind, argument) == text


@pytest.mark.parametrize("text", ["", "launch-missiles", ":x"])
def test_an_unknown_action_is_none(text: str) -> None:
    assert Action.parse(text) is None


def test_the_names_keep_their_strings() -> None:
    assert [p.label for p in PeriodName] == ["Today", "This week", "This month"]
    assert [p.budget_key for p in PeriodName] == ["daily", "weekly", "monthly"]
    assert Look.PAUSE == "pause" and MenuAction.OPEN_REPORT == "open-report"


def test_no_module_takes_action_ids_apart_but_core_names() -> None:
    found = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "partition"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == ":"
            ):
                found.add(path.relative_to(APP).as_posix())
    assert found == {"core/names.py"}


def test_an_action_copies_and_pickles_as_itself() -> None:
    import copy
    import pickle
    from dataclasses import asdict

    from claude_tray.core.view import MenuEntry

    action = Action(MenuAction.RESET, "s1")
    for again in (copy.deepcopy(action), copy.copy(action), pickle.loads(pickle.dumps(action))):
        assert again == "reset:s1" and again.kind is MenuAction.RESET and again.argument == "s1"
    assert asdict(MenuEntry("Reset session", action))["action"] == "reset:s1"
