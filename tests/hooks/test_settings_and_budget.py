"""The config sections the hooks read, their cache, and the day's budget state file."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claude_tray.core.levels import BudgetLevel
from claude_tray.core.periods import day_period
from claude_tray.core.snapshot import Spend
from claude_tray.core.tokens import Tokens
from claude_tray.hooks.hook_settings import load_hook_settings
from claude_tray.storage.budget_state import read_budget_state, write_budget_state
from claude_tray.storage.config import (
    Config,
    ConfigError,
    config_from_mapping,
    default_config_toml,
)
from claude_tray.storage.paths import app_dirs, app_paths
from tests.hooks.conftest import write_config

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


def test_the_defaults_round_trip_through_config_init() -> None:
    text = default_config_toml()
    assert "[statusline]" in text and "[limits]" in text
    assert config_from_mapping(tomllib.loads(text)) == Config()


def test_new_settings_are_read_and_checked() -> None:
    config = config_from_mapping(
        {
            "limits": {"notify": [75, 90.5]},
            "statusline": {"format": "{model}", "separator": " | ", "color": False},
            "categories": {"~/work/infra/**": "infrastructure"},
        }
    )
    assert config.limits.notify == (75.0, 90.5)
    assert config.statusline.separator == " | "
    assert config.categories == {"~/work/infra/**": "infrastructure"}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"limits": {"notify": "80"}}, "limits.notify"),
        ({"limits": {"notify": [80, "95"]}}, "limits.notify[1]"),
        ({"limits": {"notify": [120]}}, "limits.notify"),
        ({"statusline": {"separator": ""}}, "statusline.separator"),
        ({"statusline": {"colour": True}}, "statusline.colour"),
        ({"categories": {"~/x": 3}}, 'categories."~/x"'),
    ],
)
def test_bad_values_name_their_key(data: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"config: {key}:")):
        config_from_mapping(data)


def test_the_hooks_settings_are_cached_until_the_config_changes() -> None:
    paths = app_dirs()
    first = load_hook_settings(paths)
    assert first.fresh and first.error is None and first.settings.pause == 90.0
    second = load_hook_settings(paths)
    assert not second.fresh and second.settings.line_format == first.settings.line_format
    write_config("[context]\npause = 88.0\ncritical = 97.0\n[limits]\nnotify = [50]\n")
    third = load_hook_settings(paths)
    assert third.fresh and (third.settings.pause, third.settings.critical) == (88.0, 97.0)
    assert third.settings.limit_notify == (50.0,)
    assert not load_hook_settings(paths).fresh
    write_config("[context]\npause = 'high'\n")
    broken = load_hook_settings(paths)
    assert broken.fresh and broken.error is not None and "context.pause" in broken.error
    assert broken.settings.pause == 90.0  # defaults meanwhile
    again = load_hook_settings(paths)
    assert not again.fresh and again.error == broken.error


def test_a_garbled_cache_is_rebuilt(tray_home: Path) -> None:
    load_hook_settings(app_dirs())
    cache = tray_home / "state" / "hook-settings.json"
    cache.write_text('{"key": [1], "settings": ')
    assert load_hook_settings(app_dirs()).fresh
    assert json.loads(cache.read_text())["settings"]["pause"] == 90.0


def spend(
    cost: float, level: BudgetLevel, moment: float = NOW, budget: float | None = 10.0
) -> Spend:
    return Spend("today", day_period(moment, UTC), Tokens(), cost, 0, budget, level)


def test_budget_state_round_trips_and_skips_needless_writes() -> None:
    paths = app_paths()
    assert read_budget_state(paths) is None
    assert write_budget_state(paths, spend(3.5, BudgetLevel.OK), NOW) is True
    assert write_budget_state(paths, spend(3.5, BudgetLevel.OK), NOW + 60) is False
    state = read_budget_state(paths)
    assert state is not None
    assert (state.date, state.cost, state.budget, state.level, state.written_at) == (
        "2026-11-20",
        3.5,
        10.0,
        "ok",
        NOW,
    )
    assert state.covers(NOW) and not state.covers(NOW + 86_400) and not state.over


def test_over_since_is_kept_through_the_day() -> None:
    paths = app_paths()
    write_budget_state(paths, spend(9.0, BudgetLevel.ALERT), NOW)
    write_budget_state(paths, spend(10.5, BudgetLevel.OVER), NOW + 10)
    write_budget_state(paths, spend(11.0, BudgetLevel.OVER), NOW + 20)
    state = read_budget_state(paths)
    assert state is not None and state.over and state.over_since == NOW + 10
    tomorrow = NOW + 86_400
    write_budget_state(paths, spend(12.0, BudgetLevel.OVER, tomorrow), tomorrow)
    state = read_budget_state(paths)
    assert state is not None and state.over_since == tomorrow


@pytest.mark.parametrize("content", [b"{", b"[]", b'{"start": "x", "end": 1, "cost": 1}'])
def test_a_bad_budget_file_reads_as_none(tray_home: Path, content: bytes) -> None:
    path = tray_home / "state" / "budget.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert read_budget_state(app_paths()) is None
