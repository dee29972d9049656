"""Config values: a non-finite or out-of-range one is an error naming the file, the key and the
problem; every command exits 2 with that one line, and the hook fails open."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from claude_tray.cli.main import main
from claude_tray.hooks.fast import run_hook
from claude_tray.storage.config import ConfigError, load_config
from tests.hooks import payloads


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ("[budgets]\ndaily = nan\n", "budgets.daily", "finite"),
        ("[budgets]\nweekly = inf\n", "budgets.weekly", "finite"),
        ("[budgets]\nmonthly = 1e300\n", "budgets.monthly", "at most"),
        ("[budgets]\nalert_fraction = nan\n", "budgets.alert_fraction", "finite"),
        ("[context]\ncaution = nan\n", "context.caution", "finite"),
        ("[context]\ncritical = -inf\n", "context.critical", "finite"),
        ("[context]\nrearm_margin = -1\n", "context.rearm_margin", "at least 0"),
        ("[context]\nrearm_margin = inf\n", "context.rearm_margin", "finite"),
        ("[context]\nwarning = 60\n", "context.warning", "must not be below context.caution"),
        ("[context]\npause = 150\n", "context.pause", "at most 100"),
        ("[context]\nactive_minutes = 99999999999999999\n", "context.active_minutes", "2**53"),
        ("[context]\nactive_minutes = 0\n", "context.active_minutes", "above 0"),
        ('[context.window]\n"m" = 99999999999\n', 'context.window."m"', "at most"),
        ("[limits]\nnotify = [nan]\n", "limits.notify[0]", "finite"),
        (
            '[pricing.models."claude-x-1"]\ninput = nan\noutput = 1.0\n',
            "input",
            "must be a non-negative number",
        ),
        (
            '[pricing.models."claude-x-1"]\ninput = 1.0\noutput = inf\n',
            "output",
            "must be a non-negative number",
        ),
    ],
)
def test_a_value_out_of_range_names_file_key_and_problem(
    tmp_path: Path, toml: str, key: str, problem: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert key in message and problem in message, message
    assert "\n" not in message


def test_the_defaults_and_equal_neighbours_load(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[context]\npause = 95\ncritical = 95\nrearm_margin = 0\n")
    config = load_config(path)
    assert (config.context.pause, config.context.rearm_margin) == (95.0, 0.0)


def test_every_command_exits_2_with_one_line(
    tray_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tray_home.mkdir(parents=True, exist_ok=True)
    config = tray_home / "config.toml"
    config.write_text("[context]\nrearm_margin = -5\n")
    for command in ("today", "status", "doctor"):
        assert main([command]) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(config) in err and "context.rearm_margin" in err


def test_a_too_large_config_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    with pytest.raises(ConfigError, match="larger than"):
        load_config(path)


def test_the_hook_fails_open_on_a_non_finite_config(tray_home: Path) -> None:
    tray_home.mkdir(parents=True, exist_ok=True)
    (tray_home / "config.toml").write_text("[context]\npause = nan\n")
    out = io.BytesIO()
    raw = json.dumps(payloads.user_prompt_submit()).encode()
    assert run_hook(io.BytesIO(raw), out) == 0
    assert out.getvalue() == b""


def test_the_config_as_plain_data_names_every_key_and_copies_its_tables() -> None:
    from claude_tray.storage.config import Config, ContextConfig, config_dict, config_from_mapping

    config = config_from_mapping(
        {
            "context": {"caution": 60, "window": {"claude-opus-4-6": 1_000_000}},
            "limits": {"notify": [50, 90.5]},
            "pricing": {"models": {"claude-x-1": {"input": 1.0, "output": 2.0}}},
            "categories": {"~/work/**": "work"},
        }
    )
    data = config_dict(config)
    assert list(data) == list(Config._fields)
    assert list(data["context"]) == list(ContextConfig._fields)
    assert data["context"]["caution"] == 60.0 and data["context"]["warning"] == 85.0
    assert data["context"]["window"] == {"claude-opus-4-6": 1_000_000}
    assert data["limits"] == {"notify": (50.0, 90.5)}
    assert data["pricing"] == {"models": {"claude-x-1": {"input": 1.0, "output": 2.0}}}
    assert data["budgets"]["daily"] is None and data["sync"]["folder"] == ""
    # Tables are copies: changing the data changes neither this config nor the defaults.
    data["context"]["window"]["other"] = 1
    data["pricing"]["models"]["claude-x-1"]["input"] = 9.0
    defaults = config_dict(Config())
    defaults["categories"]["x"] = "y"
    assert config.context.window == {"claude-opus-4-6": 1_000_000}
    assert config.pricing.models["claude-x-1"]["input"] == 1.0
    assert Config().categories == {} and Config().context.window == {}
    assert json.loads(json.dumps(config_dict(Config()))) == json.loads(json.dumps(defaults)) | {
        "categories": {}
    }
