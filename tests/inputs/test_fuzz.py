"""Fuzzing the edges with Hypothesis: the transcript line decoder and its interpretation, the hook
payload parser, the status line parser and the config loader get generated hostile input. No
exception escapes any of them (beyond the one each documents), what they keep is within bounds,
and hostile lines never change the totals of the valid lines beside them.

Runtime is kept modest for CI: a few hundred examples in all, no deadline per example.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_tray.core.bounds import EARLIEST, MAX_TOKENS, latest_plausible
from claude_tray.core.records import CompactBoundary, Response, Skipped
from claude_tray.core.tokens import Tokens
from claude_tray.engine.decode import decode_line
from claude_tray.engine.read import read_file
from claude_tray.hooks.fast import handle_event, statusline_text
from claude_tray.storage.config import ConfigError, config_from_mapping, load_config
from claude_tray.storage.paths import app_dirs
from tests.hooks import payloads
from tests.transcripts import assistant, compact

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
LATEST = latest_plausible(time.time())
"""What ingest takes as the latest plausible time (it reads the real clock, as it must)."""
FUTURE = datetime.fromtimestamp(LATEST, UTC).replace(tzinfo=None) + timedelta(days=2)

FUZZ = settings(
    max_examples=int(os.environ.get("CLAUDE_TRAY_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- hostile values -------------------------------------------------------------------------------

HOSTILE_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, 2**64, 10**30, MAX_TOKENS + 1, -1, 0, 2**53 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\x1b[31mred\x1b[0m",
            "\x1b]0;title\x07",
            "\u202eevil",
            "a\nb\r\x00c",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00+14:00",
            "1970-01-01T00:00:00Z",
            "2026-11-20T09:00:00Z",
            "not a date",
            "../../../etc/passwd",
            "",
        ]
    ),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), HOSTILE_NUMBERS, HOSTILE_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(HOSTILE_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


def dumps(value: object) -> bytes:
    """As Python's json writes it: NaN, Infinity and huge integers included, as hostile JSON has."""
    return json.dumps(value, allow_nan=True).encode()


# --- transcript lines -----------------------------------------------------------------------------

USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


@st.composite
def poisoned_line(draw: st.DrawFn) -> bytes:
    """A usage line of the right shape with one value no count or time can be: always skipped."""
    line = assistant("s", "2026-11-20T09:00:00Z", f"p-{draw(st.integers(0, 10**9))}", input=1)
    where = draw(st.sampled_from(["tokens", "timestamp"]))
    if where == "tokens":
        key = draw(st.sampled_from(USAGE_KEYS))
        line["message"]["usage"][key] = draw(
            st.one_of(
                st.integers(min_value=MAX_TOKENS + 1, max_value=2**80),
                st.integers(max_value=-1),
                st.floats(allow_nan=True, allow_infinity=True).filter(
                    lambda f: not (f.is_integer() and 0 <= f <= MAX_TOKENS)
                ),
                st.text(max_size=5),
                st.booleans(),
                st.lists(st.integers(), max_size=2),
            )
        )
    else:
        line["timestamp"] = draw(
            st.one_of(
                st.sampled_from(
                    ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "2022-12-31T23:59:59Z"]
                ),
                st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(2022, 12, 31)).map(
                    lambda d: d.isoformat() + "Z"
                ),
                st.datetimes(min_value=FUTURE, max_value=datetime(9999, 12, 30)).map(
                    lambda d: d.isoformat() + "Z"
                ),
                HOSTILE_NUMBERS,
                st.none(),
            )
        )
    return dumps(line)


@st.composite
def shaped_line(draw: st.DrawFn) -> bytes:
    """An assistant or compact line whose fields are replaced by arbitrary JSON values."""
    base: dict[str, Any] = draw(
        st.sampled_from(
            [
                assistant("s", "2026-11-20T09:00:00Z", "m", input=1),
                compact("s", "2026-11-20T09:00:00Z", 1000),
            ]
        )
    )
    line = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(
            st.sampled_from(
                [
                    ("timestamp",),
                    ("sessionId",),
                    ("cwd",),
                    ("isSidechain",),
                    ("requestId",),
                    ("message",),
                    ("message", "id"),
                    ("message", "model"),
                    ("message", "usage"),
                    ("message", "usage", "input_tokens"),
                    ("message", "usage", "cache_creation"),
                    ("compactMetadata",),
                    ("compactMetadata", "postTokens"),
                ]
            )
        )
        target = line
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[path[-1]] = draw(JSON_VALUES)
    return dumps(line)


ANY_LINE = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    JSON_VALUES.map(dumps),
    shaped_line(),
    poisoned_line(),
)


@FUZZ
@given(ANY_LINE)
def test_the_line_decoder_never_raises_and_keeps_only_plausible_values(line: bytes) -> None:
    try:
        record = decode_line(line, LATEST)
    except Skipped:
        return
    assert record is None or isinstance(record, Response | CompactBoundary)
    if record is None:
        return
    assert EARLIEST <= record.timestamp <= LATEST
    if isinstance(record, Response):
        assert all(type(n) is int and 0 <= n <= MAX_TOKENS for n in record.tokens)
    else:
        for n in (record.post_tokens, record.pre_tokens):
            assert n is None or (type(n) is int and 0 <= n <= MAX_TOKENS)


VALID = [
    assistant("v", "2026-11-20T09:00:00Z", "v1", input=100, output=200, cache_read=3000),
    assistant("v", "2026-11-20T09:01:00Z", "v2", input=5, output=7, cache_write=11, write_1h=4),
    assistant("v", "2026-11-20T09:02:00Z", "v1", input=100, output=20),  # an earlier copy of v1
    compact("v", "2026-11-20T09:03:00Z", 40_000),
    assistant("v", "2026-11-20T09:04:00Z", None, input=9, output=9),
]


def totals(path: Path) -> tuple[Tokens, int]:
    result = read_file(str(path), 0)
    assert result.problem is None
    tokens = sum((Tokens(*row[5:10]) for row in result.rows), Tokens())
    return tokens, len(result.rows)


def never_counted(line: bytes) -> bool:
    try:
        return not isinstance(decode_line(line, LATEST), Response)
    except Skipped:
        return True


@FUZZ
@given(st.lists(ANY_LINE.filter(never_counted), max_size=12), st.randoms(use_true_random=False))
def test_hostile_lines_never_change_the_totals_of_the_valid_ones(
    hostile: list[bytes], order: Any
) -> None:
    valid = [dumps(line) for line in VALID]
    mixed = valid + [line.replace(b"\n", b" ") for line in hostile]
    order.shuffle(mixed)
    with tempfile.TemporaryDirectory() as folder:
        clean, dirty = Path(folder) / "clean.jsonl", Path(folder) / "dirty.jsonl"
        clean.write_bytes(b"\n".join(valid) + b"\n")
        dirty.write_bytes(b"\n".join(mixed) + b"\n")
        assert totals(dirty) == totals(clean)


# --- hook and status line payloads --------------------------------------------------------------


@st.composite
def hostile_payload(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(
        json.dumps(
            draw(
                st.sampled_from(
                    [
                        payloads.session_start(),
                        payloads.user_prompt_submit(),
                        payloads.pre_compact(),
                        payloads.session_end(),
                        payloads.status_new(),
                        payloads.status_old(),
                    ]
                )
            )
        )
    )
    for _ in range(draw(st.integers(1, 5))):
        key = draw(
            st.sampled_from(
                [
                    "model",
                    "cwd",
                    "transcript_path",
                    "hook_event_name",
                    "prompt",
                    "source",
                    "version",
                    "cost",
                    "context_window",
                    "rate_limits",
                    "workspace",
                    "exceeds_200k_tokens",
                ]
            )
        )
        payload[key] = draw(JSON_VALUES)
    for table, inner in (("context_window", "used_percentage"), ("cost", "total_cost_usd")):
        if isinstance(payload.get(table), dict) and draw(st.booleans()):
            payload[table][inner] = draw(HOSTILE_NUMBERS)
    # Through JSON text and back, as it arrives: NaN, Infinity and huge integers survive.
    decoded: dict[str, Any] = json.loads(dumps(payload))
    return decoded


def hooks_log() -> str:
    path = Path(app_dirs().log_dir) / "hooks.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@FUZZ
@given(hostile_payload())
def test_the_hook_records_any_payload_without_trouble(payload: dict[str, Any]) -> None:
    paths = app_dirs()
    reason = handle_event(paths, payload, NOW)
    assert reason is None or isinstance(reason, str)
    assert "cannot record" not in hooks_log()


@FUZZ
@given(payload=hostile_payload())
def test_the_status_line_renders_any_payload_as_one_clean_line(
    payload: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    line = statusline_text(app_dirs(), payload, NOW)
    assert isinstance(line, str) and line
    assert not any(c in line for c in "\n\r\x1b\x07\u202e")
    assert "nan" not in line.lower().split() and "inf" not in line.lower().split()
    assert "cannot record" not in hooks_log()


# --- the config -----------------------------------------------------------------------------------

CONFIG_KEYS = {
    "context": ["caution", "warning", "pause", "critical", "rearm_margin", "active_minutes"],
    "budgets": ["daily", "weekly", "monthly", "alert_fraction"],
    "limits": ["notify"],
    "statusline": ["format", "separator", "color"],
    "auto_pause": ["enforce", "budget"],
}
TOML_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.text(max_size=10),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
)


@st.composite
def hostile_config(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 6))):
        section = draw(st.sampled_from(sorted(CONFIG_KEYS)))
        key = draw(st.sampled_from(CONFIG_KEYS[section]))
        config.setdefault(section, {})[key] = draw(TOML_VALUES)
    if draw(st.booleans()):
        config["pricing"] = {
            "models": {"claude-x-1": {"input": draw(TOML_VALUES), "output": draw(TOML_VALUES)}}
        }
    return config


def check_loaded(config: Any) -> None:
    context = config.context
    levels = [context.caution, context.warning, context.pause, context.critical]
    assert all(math.isfinite(v) and 0 < v <= 100 for v in levels)
    assert levels == sorted(levels) and 0 <= context.rearm_margin < 100
    for amount in (config.budgets.daily, config.budgets.weekly, config.budgets.monthly):
        assert amount is None or (math.isfinite(amount) and amount > 0)
    assert all(math.isfinite(n) for n in config.limits.notify)


@FUZZ
@given(hostile_config())
def test_the_config_loader_accepts_only_sound_values(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        try:
            config = load_config(path)
        except ConfigError as error:
            message = str(error)
            assert message.startswith(f"{path}: ") and "\n" not in message
            return
    check_loaded(config)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_the_config_loader_refuses_any_text_with_one_line(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_bytes(raw)
        try:
            check_loaded(load_config(path))
        except ConfigError as error:
            assert str(error).startswith(f"{path}: ")


def test_config_from_mapping_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"context\.pause: must be a finite number"):
        config_from_mapping({"context": {"pause": math.nan}})
