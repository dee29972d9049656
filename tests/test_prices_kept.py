"""The built-in price table's parse kept between processes (`storage.config.parsed_toml`): keyed
by the TOML text itself, so it is exactly `tomllib.loads` of that text or not used at all."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest

from claude_tray.storage.config import _package_text, builtin_prices, parsed_toml

TEXT = """
[meta]
as_of = "2026-12-01"

[[models]]
keys = ["opus-4-6", "opus-4-7"]
input = 5.0
output = 25
cache_read = 0.5e0
long_context = { input = 10.0, until = 2026-03-01 }
flags = [true, false]
"""


def test_a_kept_parse_is_the_parse_of_the_same_text(tmp_path: Path) -> None:
    kept = tmp_path / "prices.json"
    first = parsed_toml(TEXT, str(kept))
    assert first == tomllib.loads(TEXT)
    assert json.loads(kept.read_text())["source"] == TEXT
    again = parsed_toml(TEXT, str(kept))
    assert again == first
    until = again["models"][0]["long_context"]["until"]
    assert type(until) is date and until == date(2026, 3, 1)
    assert type(again["models"][0]["output"]) is int and type(again["models"][0]["input"]) is float


def test_the_kept_file_is_used_only_for_its_own_text(tmp_path: Path) -> None:
    kept = tmp_path / "prices.json"
    parsed_toml(TEXT, str(kept))
    data = json.loads(kept.read_text())
    data["parsed"]["meta"]["as_of"] = "kept"
    kept.write_text(json.dumps(data))
    assert parsed_toml(TEXT, str(kept))["meta"]["as_of"] == "kept"  # read, not parsed
    changed = TEXT.replace("25", "26")
    fresh = parsed_toml(changed, str(kept))
    assert fresh == tomllib.loads(changed) and fresh["meta"]["as_of"] == "2026-12-01"
    assert json.loads(kept.read_text())["source"] == changed


@pytest.mark.parametrize(
    "text",
    [
        "at = 2026-03-01T10:00:00Z\n",  # a date-time: not kept
        "t = 10:00:00\n",  # a time of day: not kept
        '[x]\n"$date" = "2026-03-01"\n',  # what the tag for a date looks like: not kept
        '[x]\n"$date" = "not a date"\n',
    ],
)
def test_what_json_cannot_give_back_exactly_is_not_kept(tmp_path: Path, text: str) -> None:
    kept = tmp_path / "prices.json"
    assert parsed_toml(text, str(kept)) == tomllib.loads(text)
    assert not kept.exists()
    assert parsed_toml(text, str(kept)) == tomllib.loads(text)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "\x00\xff not json",
        '{"source": 1, "parsed": {}}',
        json.dumps({"source": TEXT, "parsed": []}),
        json.dumps({"source": TEXT, "parsed": {"x": {"$date": 5}}}),
        json.dumps({"source": TEXT, "parsed": {"x": {"$date": "2026-13-45"}}}),
        json.dumps([TEXT]),
    ],
)
def test_a_damaged_kept_file_means_a_parse(tmp_path: Path, content: str) -> None:
    kept = tmp_path / "prices.json"
    kept.write_text(content)
    assert parsed_toml(TEXT, str(kept)) == tomllib.loads(TEXT)
    assert json.loads(kept.read_text())["source"] == TEXT  # kept again, sound


def test_the_built_in_table_kept_equals_the_shipped_file(tmp_path: Path) -> None:
    text = _package_text("data/prices.toml")
    kept = tmp_path / "prices.json"
    assert parsed_toml(text, str(kept)) == tomllib.loads(text) == builtin_prices()
    assert parsed_toml(text, str(kept)) == builtin_prices()


@pytest.mark.parametrize("with_config", [False, True])
def test_a_cli_run_keeps_the_parse_in_its_state_folder(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tray_home: Path,
    with_config: bool,
) -> None:
    """With or without the user's config.toml (whose check prices the table first)."""
    from claude_tray.cli.main import main
    from claude_tray.storage import config

    monkeypatch.setattr(config, "_BUILTIN_PRICES", None)  # as in a new process
    if with_config:
        tray_home.mkdir(parents=True, exist_ok=True)
        (tray_home / "config.toml").write_text("[budgets]\ndaily = 10.0\n")
    assert main(["today", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["budgets"]["today"]["budget"] == (
        10.0 if with_config else None
    )
    kept = json.loads((tray_home / "state" / "prices.json").read_text())
    assert kept["source"] == _package_text("data/prices.toml")
