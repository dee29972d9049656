"""Prices: model matching by family and version, and request costs computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claude_tray.core.pricing import PriceTableError, display_name, model_key
from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens
from claude_tray.storage.config import Config, ConfigError, config_from_mapping, price_table
from tests.transcripts import ClaudeData, assistant


@pytest.mark.parametrize(
    ("model_id", "key"),
    [
        ("claude-opus-4-5-20251101", "opus-4-5"),
        ("claude-opus-4-5", "opus-4-5"),
        ("claude-opus-4-6", "opus-4-6"),
        ("claude-opus-4-6[1m]", "opus-4-6"),
        ("claude-opus-4-20250514", "opus-4"),
        ("claude-opus-4-1-20250805", "opus-4-1"),
        ("claude-sonnet-4-5-20250929", "sonnet-4-5"),
        ("anthropic/claude-sonnet-4-5", "sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "sonnet-4-5"),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", "haiku-4-5"),
        ("claude-sonnet-4-5@20250929", "sonnet-4-5"),
        ("claude-3-5-haiku-20241022", "haiku-3-5"),
        ("claude-3-haiku-20240307", "haiku-3"),
        ("claude-3-7-sonnet-latest", "sonnet-3-7"),
        ("claude-3-opus-20240229", "opus-3"),
        ("claude-sonnet-5", "sonnet-5"),
        ("claude-opus-5", "opus-5"),
        ("CLAUDE-OPUS-4-8", "opus-4-8"),
        ("<synthetic>", None),
        ("gpt-4o", None),
        ("claude-instant-1", None),
        ("claude-opus", None),
    ],
)
def test_model_key(model_id: str, key: str | None) -> None:
    assert model_key(model_id) == key


def test_display_name() -> None:
    assert display_name("claude-opus-4-5-20251101") == "Opus 4.5"
    assert display_name("claude-3-5-haiku-20241022") == "Haiku 3.5"
    assert display_name("mystery-model") == "mystery-model"


TABLE = price_table(Config())
T0 = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
M = 1_000_000


def cost(model: str, tokens: Tokens, speed: Speed = Speed.STANDARD, at: float = T0) -> float | None:
    price = TABLE.lookup(model)
    if price is None:
        return None
    return price.cost(tokens, speed=speed, long_request=tokens.is_long_context, at=at)


def test_every_model_of_the_data_notes_is_priced() -> None:
    # (model id, input, output, cache write 5m, cache write 1h, cache read) per million
    rows = [
        ("claude-opus-4-5", 5, 25, 6.25, 10, 0.5),
        ("claude-opus-4-6", 5, 25, 6.25, 10, 0.5),
        ("claude-opus-4-7", 5, 25, 6.25, 10, 0.5),
        ("claude-opus-4-8", 5, 25, 6.25, 10, 0.5),
        ("claude-opus-5", 5, 25, 6.25, 10, 0.5),
        ("claude-opus-4-20250514", 15, 75, 18.75, 30, 1.5),
        ("claude-opus-4-1", 15, 75, 18.75, 30, 1.5),
        ("claude-3-opus-20240229", 15, 75, 18.75, 30, 1.5),
        ("claude-sonnet-4-20250514", 3, 15, 3.75, 6, 0.3),
        ("claude-sonnet-4-5", 3, 15, 3.75, 6, 0.3),
        ("claude-sonnet-4-6", 3, 15, 3.75, 6, 0.3),
        ("claude-3-7-sonnet-20250219", 3, 15, 3.75, 6, 0.3),
        ("claude-sonnet-5", 2, 10, 2.5, 4, 0.2),
        ("claude-haiku-4-5", 1, 5, 1.25, 2, 0.1),
        ("claude-3-5-haiku-20241022", 0.8, 4, 1.0, 1.6, 0.08),
        ("claude-3-haiku-20240307", 0.25, 1.25, 0.3, 0.5, 0.03),
    ]
    for model, *rates in rows:
        for kind, rate in zip(
            ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read"),
            rates,
            strict=True,
        ):
            tokens = Tokens(**{kind: 100_000})  # below the 200k long-context line
            assert cost(model, tokens) == pytest.approx(rate / 10), (model, kind)


def test_the_example_response_of_the_data_notes() -> None:
    tokens = Tokens(input=6, output=637, cache_write_5m=0, cache_write_1h=244, cache_read=87250)
    # 6*5 + 637*25 + 244*10 + 87250*0.5 = 62020 micro-dollars
    assert cost("claude-opus-4-6", tokens) == pytest.approx(0.062020)


def test_opus_4_5_is_never_priced_as_opus_4() -> None:
    assert cost("claude-opus-4-5", Tokens(input=M)) == pytest.approx(5)
    assert cost("claude-opus-4", Tokens(input=M)) == pytest.approx(15)


def test_unknown_model_is_unpriced_not_zero() -> None:
    assert cost("gpt-4o", Tokens(input=M)) is None
    assert cost("claude-opus-9-9", Tokens(input=M)) is None


def test_long_context_bills_the_whole_request_at_the_premium() -> None:
    # Sonnet 4.5, prompt 200,001 tokens: every token of the request at $6 / $22.50 / $0.60.
    long = Tokens(input=1, cache_read=200_000, output=1000)
    assert long.is_long_context
    expected = (1 * 6 + 200_000 * 0.6 + 1000 * 22.5) / M
    assert cost("claude-sonnet-4-5-20250929", long) == pytest.approx(expected)
    # At exactly 200k it is a standard request.
    edge = Tokens(input=0, cache_read=200_000, output=1000)
    assert not edge.is_long_context
    assert cost("claude-sonnet-4-5", edge) == pytest.approx((200_000 * 0.3 + 1000 * 15) / M)


def test_long_context_premium_ended_in_march_2026_for_the_4_6_models() -> None:
    long = Tokens(input=250_000, output=1000)
    before = datetime(2026, 2, 20, tzinfo=UTC).timestamp()
    after = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
    assert cost("claude-sonnet-4-6", long, at=before) == pytest.approx((250_000 * 6 + 22_500) / M)
    assert cost("claude-sonnet-4-6", long, at=after) == pytest.approx((250_000 * 3 + 15_000) / M)
    assert cost("claude-opus-4-6", long, at=after) == pytest.approx((250_000 * 5 + 25_000) / M)
    # Later models never had it; Opus 4.5 bills the full window at standard rates.
    assert cost("claude-opus-4-5", long, at=before) == pytest.approx((250_000 * 5 + 25_000) / M)


def test_fast_mode() -> None:
    tokens = Tokens(input=M, output=M)
    assert cost("claude-opus-4-6", tokens, Speed.FAST) == pytest.approx(30 + 150)
    assert cost("claude-opus-4-8", tokens, Speed.FAST) == pytest.approx(10 + 50)
    assert cost("claude-opus-5", tokens, Speed.FAST) == pytest.approx(10 + 50)
    assert cost("claude-opus-4-6", tokens) == pytest.approx(5 + 25)


def test_user_override_applies_to_every_spelling_of_the_model() -> None:
    config = config_from_mapping(
        {"pricing": {"models": {"claude-opus-4-5": {"input": 1, "output": 2}}}}
    )
    table = price_table(config)
    for spelling in ("claude-opus-4-5", "claude-opus-4-5-20251101", "anthropic/claude-opus-4-5"):
        price = table.lookup(spelling)
        assert price is not None
        assert price.standard.input == 1
        assert price.standard.cache_read == pytest.approx(0.1)  # 0.1x input by default
    assert table.lookup("claude-opus-4-6").standard.input == 5  # type: ignore[union-attr]


def test_override_can_price_an_unknown_model() -> None:
    config = config_from_mapping(
        {"pricing": {"models": {"my-proxy-model": {"input": 2, "output": 4, "cache_read": 0.5}}}}
    )
    price = price_table(config).lookup("my-proxy-model")
    assert price is not None and price.standard.cache_read == 0.5


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"input": 1}, 'pricing.models."m".output: required'),
        ({"input": -1, "output": 1}, 'pricing.models."m".input: must be a non-negative number'),
        ({"input": 1, "output": 1, "cache_reads": 1}, "unknown key 'cache_reads'"),
        (
            {"input": 1, "output": 1, "long_context": {"input": 1, "output": 1, "until": "soon"}},
            "until: must be a date",
        ),
    ],
)
def test_invalid_override_names_the_key(override: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match="config") as error:
        config_from_mapping({"pricing": {"models": {"m": override}}})
    assert message in str(error.value)


def test_price_table_error_is_a_value_error() -> None:
    assert issubclass(PriceTableError, ValueError)


@pytest.mark.parametrize(
    ("model_id", "key"),
    [
        ("claude-fable-5", "fable-5"),
        ("claude-fable-5-1", "fable-5-1"),
        ("claude-fable-5-1[1m]", "fable-5-1"),
        ("claude-mythos-5", "mythos-5"),
        ("claude-3-5-sonnet-20241022", "sonnet-3-5"),
        ("claude-3-sonnet-20240229", "sonnet-3"),
        ("claude-opus-4-0", "opus-4-0"),
    ],
)
def test_model_key_of_newer_and_older_families(model_id: str, key: str) -> None:
    assert model_key(model_id) == key


def test_the_models_seen_in_2026_transcripts_and_every_family_of_the_pricing_page() -> None:
    # (model id, input, output, cache write 5m, cache write 1h, cache read) per million,
    # from Anthropic's pricing and model pages (checked 2026-12-01; see data/prices.toml)
    rows = [
        ("claude-fable-5", 10, 50, 12.5, 20, 1.0),
        ("claude-fable-5-1", 10, 50, 12.5, 20, 0.25),
        ("claude-mythos-5", 10, 50, 12.5, 20, 1.0),
        ("claude-mythos-5-1", 10, 50, 12.5, 20, 0.25),
        ("claude-opus-5-5", 4, 20, 5, 8, 0.2),
        ("claude-sonnet-5-5", 2, 10, 2.5, 4, 0.1),
        ("claude-3-5-sonnet-20241022", 3, 15, 3.75, 6, 0.3),
        ("claude-3-sonnet-20240229", 3, 15, 3.75, 6, 0.3),
        ("claude-opus-4-0", 15, 75, 18.75, 30, 1.5),
        ("claude-sonnet-4-0", 3, 15, 3.75, 6, 0.3),
    ]
    after = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    for model, *rates in rows:
        for kind, rate in zip(
            ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read"),
            rates,
            strict=True,
        ):
            tokens = Tokens(**{kind: 100_000})
            assert cost(model, tokens, at=after) == pytest.approx(rate / 10), (model, kind)
    assert display_name("claude-fable-5") == "Fable 5"


def test_sonnet_5_5_cache_reads_got_cheaper_on_7_october_2026() -> None:
    reads = Tokens(cache_read=M)
    before = datetime(2026, 10, 6, 23, 59, tzinfo=UTC).timestamp()
    after = datetime(2026, 10, 7, 0, 0, tzinfo=UTC).timestamp()
    assert cost("claude-sonnet-5-5", reads, at=before) == pytest.approx(0.2)
    assert cost("claude-sonnet-5-5", reads, at=after) == pytest.approx(0.1)
    assert after in TABLE.breakpoints()  # sums never cross the change


def test_haiku_5_5_is_left_unpriced_two_bands_at_100k() -> None:
    assert cost("claude-haiku-5-5", Tokens(input=M)) is None


def test_the_price_change_splits_a_day_in_the_ledger(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from claude_tray.cli.main import main

    model = "claude-sonnet-5-5"
    claude.write(
        "s",
        assistant("s", "2026-10-06T23:30:00Z", "m1", model=model, cache_read=M),
        assistant("s", "2026-10-07T00:30:00Z", "m2", model=model, cache_read=M),
        assistant("s", "2026-10-07T01:00:00Z", "m3", model="claude-fable-5", input=M),
        assistant("s", "2026-10-07T01:05:00Z", "m4", model="claude-3-sonnet-20240229", output=M),
        assistant("s", "2026-10-07T01:06:00Z", "m5", model="claude-3-5-sonnet-20241022", input=M),
    )
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(datetime(2026, 10, 8, tzinfo=UTC).timestamp()))
    assert main(["daily", "--json", "--timezone", "Asia/Tokyo"]) == 0  # both lines on 7 Oct
    data = json.loads(capsys.readouterr().out)
    assert [d["date"] for d in data["daily"]] == ["2026-10-07"]
    assert data["totals"]["unpricedTokens"] == 0
    assert data["totals"]["totalCost"] == pytest.approx(0.2 + 0.1 + 10 + 15 + 3)


def test_doctor_shows_the_tables_date_and_says_when_it_is_old(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from claude_tray.cli.main import main

    as_of = datetime.fromisoformat(TABLE.as_of).replace(tzinfo=UTC).timestamp()
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(as_of + 30 * 86400))
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"built-in table as of {TABLE.as_of} (30 days old)" in out
    assert "older than" not in out
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(as_of + 120 * 86400))
    assert main(["doctor"]) == 0
    assert "The price table is older than 3 months" in capsys.readouterr().out
    assert main(["doctor", "--json"]) == 0
    prices = json.loads(capsys.readouterr().out)["prices"]
    assert prices["ageDays"] == 120 and prices["stale"] is True
    assert "platform.claude.com" in prices["source"]
