"""Prices: which price a model id has, and what a request costs (the one definition of cost).

Model ids come in many spellings (dated, aliased, `anthropic/…`, Bedrock, Vertex). They are reduced
to a family and version (`opus-4-5`) and matched exactly: an Opus 4.5 price is never an
Opus 4 price.
An id that does not reduce to a known family and version is unpriced: `PriceTable.lookup` returns
None and callers report its cost as unknown, never as $0.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import NamedTuple

from claude_tray.core.records import Speed
from claude_tray.core.tokens import Tokens

PER_MILLION = 1_000_000
MAX_RATE = 1e6
"""No model costs a million dollars per million tokens: a larger price is a typo."""

# Multipliers of the input price, used where a table row gives only input and output.
CACHE_WRITE_5M_FACTOR = 1.25
CACHE_WRITE_1H_FACTOR = 2.0
CACHE_READ_FACTOR = 0.1

FAMILIES = "opus|sonnet|haiku|fable|mythos"
_NEW_STYLE = re.compile(rf"^claude-({FAMILIES})-(\d+)(?:-(\d{{1,2}}))?$")
_OLD_STYLE = re.compile(rf"^claude-(\d+)(?:-(\d{{1,2}}))?-({FAMILIES})$")
_DATE_SUFFIX = re.compile(r"-\d{8}$")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$")
_WINDOW_SUFFIX = re.compile(r"\[[^\]]*\]$")


@functools.lru_cache(maxsize=1024)
def model_key(model_id: str) -> str | None:
    """`claude-sonnet-4-5-20250929` → `sonnet-4-5`; None for ids of no Claude model we know.

    Remembered: a view prices the same few ids hundreds of times (each takes five regexes)."""
    name = model_id.strip().lower()
    name = _WINDOW_SUFFIX.sub("", name)  # `claude-opus-4-6[1m]`
    name = name.rsplit("/", 1)[-1]  # `anthropic/claude-…`, ARNs
    if "anthropic." in name:  # Bedrock: `us.anthropic.claude-…-v1:0`
        name = name.split("anthropic.", 1)[1]
    name = name.split("@", 1)[0]  # Vertex: `claude-sonnet-4-5@20250929`
    name = _BEDROCK_VERSION.sub("", name)
    name = _DATE_SUFFIX.sub("", name)
    name = name.removesuffix("-latest")
    if match := _NEW_STYLE.match(name):
        family, major, minor = match.groups()
    elif match := _OLD_STYLE.match(name):
        major, minor, family = match.groups()
    else:
        return None
    return f"{family}-{major}" + (f"-{minor}" if minor else "")


def display_name(model_id: str) -> str:
    """`claude-opus-4-5-20251101` → `Opus 4.5`; unknown ids are shown as they are."""
    key = model_key(model_id)
    return model_id if key is None else display_key(key)


class Rates(NamedTuple):
    """USD per million tokens of each kind. (Rates and `ModelPrice` are named tuples: a frozen
    dataclass takes five times as long to make, at every start of the CLI.)"""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float

    @classmethod
    def from_input_output(cls, input_rate: float, output_rate: float) -> Rates:
        return cls(
            input_rate,
            output_rate,
            input_rate * CACHE_WRITE_5M_FACTOR,
            input_rate * CACHE_WRITE_1H_FACTOR,
            input_rate * CACHE_READ_FACTOR,
        )

    def cost(self, tokens: Tokens) -> float:
        return (
            tokens.input * self.input
            + tokens.output * self.output
            + tokens.cache_write_5m * self.cache_write_5m
            + tokens.cache_write_1h * self.cache_write_1h
            + tokens.cache_read * self.cache_read
        ) / PER_MILLION


class ModelPrice(NamedTuple):
    """The prices of one model.

    `long_context`: the rates of a whole request whose prompt exceeds 200k tokens, for the models
    that bill a premium; `long_context_until` (epoch seconds) ends that premium for requests made
    from then on. `fast`: the rates of fast mode, where the model has one. `earlier`: the
    standard rates of requests made before `earlier_until`, for a model whose price changed.
    """

    name: str
    standard: Rates
    long_context: Rates | None = None
    long_context_until: float | None = None
    fast: Rates | None = None
    earlier: Rates | None = None
    earlier_until: float | None = None

    def rates_for(self, *, speed: Speed, long_request: bool, at: float) -> Rates:
        if speed is Speed.FAST and self.fast is not None:
            return self.fast
        if (
            long_request
            and self.long_context is not None
            and (self.long_context_until is None or at < self.long_context_until)
        ):
            return self.long_context
        if self.earlier is not None and self.earlier_until is not None and at < self.earlier_until:
            return self.earlier
        return self.standard

    def cost(self, tokens: Tokens, *, speed: Speed, long_request: bool, at: float) -> float:
        """What requests of one kind cost. For a sum of requests, all must share the arguments."""
        return self.rates_for(speed=speed, long_request=long_request, at=at).cost(tokens)

    def breakpoints(self) -> tuple[float, ...]:
        return tuple(p for p in (self.long_context_until, self.earlier_until) if p is not None)


class PriceTable(NamedTuple):
    """Built-in prices by model key, plus the user's overrides by model id or key."""

    models: Mapping[str, ModelPrice]
    overrides: Mapping[str, ModelPrice]
    as_of: str = ""
    source: str = ""

    def lookup(self, model_id: str) -> ModelPrice | None:
        if model_id in self.overrides:
            return self.overrides[model_id]
        key = model_key(model_id)
        if key is None:
            return None
        return self.overrides.get(key) or self.models.get(key)

    def breakpoints(self) -> tuple[float, ...]:
        """Every moment at which some model's price changes, sorted: callers that sum requests
        must not sum across one of these."""
        points = {
            p
            for price in (*self.models.values(), *self.overrides.values())
            for p in price.breakpoints()
        }
        return tuple(sorted(points))


class PriceTableError(ValueError):
    """A price table (built-in or the user's `[pricing]`) that makes no sense; names the key."""


_RATE_KEYS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


def rates_from_mapping(where: str, data: Mapping[str, object]) -> Rates:
    """Rates from `{input, output[, cache_write_5m, cache_write_1h, cache_read]}`; missing cache
    rates follow the standard multipliers of the input rate."""
    unknown = set(data) - set(_RATE_KEYS)
    if unknown:
        raise PriceTableError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    values: dict[str, float] = {}
    for key in _RATE_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= MAX_RATE  # NaN fails this too
        ):
            raise PriceTableError(
                f"{where}.{key}: must be a non-negative number, at most {MAX_RATE:,.0f} "
                f"(USD per million tokens), got {value!r}"
            )
        values[key] = float(value)
    if "input" not in values or "output" not in values:
        missing = "input" if "input" not in values else "output"
        raise PriceTableError(f"{where}.{missing}: required")
    base = Rates.from_input_output(values["input"], values["output"])
    return Rates(
        base.input,
        base.output,
        values.get("cache_write_5m", base.cache_write_5m),
        values.get("cache_write_1h", base.cache_write_1h),
        values.get("cache_read", base.cache_read),
    )


def model_price_from_mapping(where: str, name: str, data: Mapping[str, object]) -> ModelPrice:
    """One model's prices from a table row: the rates, plus optional `long_context` (with an
    `until` date), `fast` and `earlier` (the rates before an `until` date) sub-tables."""
    sections = ("long_context", "fast", "earlier", "name", "keys", "source")
    flat = {k: v for k, v in data.items() if k not in sections}
    standard = rates_from_mapping(where, flat)
    long_context = until = fast = None
    if (section := data.get("long_context")) is not None:
        section = _table(f"{where}.long_context", section)
        until = _until(f"{where}.long_context.until", section.pop("until", None))
        long_context = rates_from_mapping(f"{where}.long_context", section)
    if (section := data.get("fast")) is not None:
        fast = rates_from_mapping(f"{where}.fast", _table(f"{where}.fast", section))
    earlier = earlier_until = None
    if (section := data.get("earlier")) is not None:
        section = _table(f"{where}.earlier", section)
        earlier_until = _until(f"{where}.earlier.until", section.pop("until", None))
        if earlier_until is None:
            raise PriceTableError(f"{where}.earlier.until: required")
        earlier = rates_from_mapping(f"{where}.earlier", section)
    label = data.get("name", name)
    return ModelPrice(str(label), standard, long_context, until, fast, earlier, earlier_until)


def price_table_from_mapping(
    builtin: Mapping[str, object], overrides: Mapping[str, object] | None = None
) -> PriceTable:
    """Build the table from the shipped data (`[meta]` and `[[models]]` rows with `keys`) and the
    user's `[pricing.models."<id>"]` overrides."""
    meta = _table("meta", builtin.get("meta", {}))
    rows = builtin.get("models")
    if not isinstance(rows, list):
        raise PriceTableError("models: must be a list of tables")
    models: dict[str, ModelPrice] = {}
    for index, row in enumerate(rows):
        row = _table(f"models[{index}]", row)
        keys = row.get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise PriceTableError(f"models[{index}].keys: must be a list of model keys")
        for key in keys:
            models[key] = model_price_from_mapping(f"models[{index}]", display_key(key), row)
    user: dict[str, ModelPrice] = {}
    for model_id, row in (overrides or {}).items():
        where = f'pricing.models."{model_id}"'
        price = model_price_from_mapping(where, display_name(model_id), _table(where, row))
        user[model_id] = price
        key = model_key(model_id)
        if key is not None:
            user.setdefault(key, price)
    return PriceTable(models, user, str(meta.get("as_of", "")), str(meta.get("source", "")))


def display_key(key: str) -> str:
    """`opus-4-5` → `Opus 4.5`."""
    family, *version = key.split("-")
    return f"{family.capitalize()} {'.'.join(version)}"


def _table(where: str, value: object) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise PriceTableError(f"{where}: must be a table")
    return dict(value)


def _until(where: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC).timestamp()
    if isinstance(value, str):
        try:
            return _until(where, date.fromisoformat(value))
        except ValueError:
            pass
    raise PriceTableError(f"{where}: must be a date such as 2026-03-01, got {value!r}")
