"""The user's `config.toml`: its sections as named tuples, loading with exact errors.

Each section is a `NamedTuple` whose fields are the keys, with their defaults; the loader checks
every key against them, so an unknown key (a typo) or a wrong type is an error naming the file, the
key and the problem. (Named tuples, not frozen dataclasses: every CLI run loads this module, and
making a dataclass compiles its methods at import, ~0.6 ms a section.) A default that is a table
(`{}`) is one object shared by every section made without that key: never change it in place.
We never write the user's file, except `config init`, which refuses to overwrite one.
"""

from __future__ import annotations

import json
import math
import os
import types
import typing
import zoneinfo
from collections.abc import Mapping
from contextlib import suppress
from datetime import date, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from claude_tray.core.bounds import MAX_TOKENS
from claude_tray.core.levels import Thresholds
from claude_tray.core.periods import Weekday
from claude_tray.core.pricing import PriceTable, PriceTableError, price_table_from_mapping
from claude_tray.storage.atomic import write_atomic
from claude_tray.storage.regular import read_regular
from claude_tray.storage.zone import resolve_timezone

MAX_CONFIG_BYTES = 1 << 20
MAX_ACTIVE_MINUTES = 7 * 24 * 60
MAX_BUDGET_USD = 1e9
_EXACT = 2**53
"""A whole number beyond this is not exact as a float: no setting needs one."""


class ConfigError(Exception):
    """An invalid config file. The message names the file, the key and the problem."""


class ContextConfig(NamedTuple):
    caution: float = 70.0
    warning: float = 85.0
    pause: float = 90.0
    critical: float = 95.0
    rearm_margin: float = 5.0
    """A level fires again only after the context fell this many points below its start."""
    active_minutes: int = 30
    """A session is active while its latest activity is this recent."""
    window: dict[str, int] = {}  # noqa: RUF012 (shared, never changed: see above)
    """Context window size by model id or key, e.g. `"claude-opus-4-6" = 1000000`."""

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.caution, self.warning, self.pause, self.critical)


class BudgetConfig(NamedTuple):
    daily: float | None = None
    weekly: float | None = None
    monthly: float | None = None
    alert_fraction: float = 0.8


class AutoPauseConfig(NamedTuple):
    enforce: bool = True
    """The hook gate refuses prompts of a session at or above the pause level until it is reset."""
    budget: bool = False
    """The hook gate also refuses prompts while today's budget is exceeded."""


class TrayConfig(NamedTuple):
    show_percent: bool = True
    notifications: bool = True


class StatuslineConfig(NamedTuple):
    format: str = "{model} · ctx {context} · {paused} · today {today} · 5h {five_hour}"
    """The line `claude-tray statusline` prints, cut at `separator` into parts; a part whose
    placeholders are all unknown is left out. Placeholders: model, context, tokens, paused, today,
    cost, five_hour, five_hour_reset, seven_day, seven_day_reset, project, branch, category,
    version."""
    separator: str = " · "
    color: bool = True
    """Colour by level (never when `NO_COLOR` is set)."""


class LimitsConfig(NamedTuple):
    notify: tuple[float, ...] = (80.0, 95.0)
    """Percentages of Claude Code's five-hour and seven-day plan limits that notify."""


class SyncConfig(NamedTuple):
    folder: str = ""
    """A folder that a sync tool (Syncthing, Dropbox, rsync, …) keeps in step between machines;
    empty: sync is off."""
    machine: str = ""
    """This machine's name in that folder; empty: the host name (`CLAUDE_TRAY_MACHINE` wins)."""
    hide_projects: bool = False
    """Publish a stable hash and the last component of each project path, not the path."""

    @property
    def enabled(self) -> bool:
        return bool(self.folder.strip())

    @property
    def folder_path(self) -> Path:
        return Path(self.folder).expanduser()


class PricingConfig(NamedTuple):
    models: dict[str, dict[str, Any]] = {}  # noqa: RUF012 (shared, never changed)


class Config(NamedTuple):
    timezone: str = ""
    """An IANA name such as `Europe/Berlin`; empty means this machine's local timezone."""
    week_start: str = "monday"
    context: ContextConfig = ContextConfig()
    budgets: BudgetConfig = BudgetConfig()
    auto_pause: AutoPauseConfig = AutoPauseConfig()
    tray: TrayConfig = TrayConfig()
    pricing: PricingConfig = PricingConfig()
    statusline: StatuslineConfig = StatuslineConfig()
    limits: LimitsConfig = LimitsConfig()
    sync: SyncConfig = SyncConfig()
    categories: dict[str, str] = {}  # noqa: RUF012 (shared, never changed)
    """A category per cwd pattern, first match wins: `"~/work/infra/**" = "infrastructure"`."""
    ledger_backups: int = 7
    """Daily backups of the ledger to keep (0: none)."""

    def tz(self) -> tzinfo:
        return resolve_timezone(self.timezone)

    @property
    def first_weekday(self) -> Weekday:
        return Weekday[self.week_start.upper()]


def load_config(path: Path, prices_dir: str | os.PathLike[str] | None = None) -> Config:
    """The config at `path`, or the defaults when there is no file. Raises `ConfigError`.
    `prices_dir`: where the built-in prices' parse is kept (`builtin_prices`)."""
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES + 1)  # a FIFO or device is refused, not waited on
    except FileNotFoundError:
        return Config()
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; not a config file")
    import tomllib  # here: a run without a config file parses no TOML (see `builtin_prices`)

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return config_from_mapping(data, where=str(path), prices_dir=prices_dir)


def config_from_mapping(
    data: Mapping[str, Any],
    where: str = "config",
    prices_dir: str | os.PathLike[str] | None = None,
) -> Config:
    try:
        config: Config = _build(Config, data, "")
        _check(config)
        price_table(config, builtin_prices(prices_dir))  # prices checked at load, not first use
    except _KeyProblem as problem:
        raise ConfigError(f"{where}: {problem.key}: {problem.message}") from None
    except PriceTableError as error:
        raise ConfigError(f"{where}: {error}") from None
    return config


def price_table(config: Config, builtin: Mapping[str, Any] | None = None) -> PriceTable:
    """The built-in prices with the user's overrides applied."""
    return price_table_from_mapping(builtin or builtin_prices(), config.pricing.models)


_BUILTIN_PRICES: dict[str, Any] | None = None
PRICES_CACHE = "prices.json"
"""In the folder given to `builtin_prices`: the built-in table as parsed, with its TOML text."""


def builtin_prices(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The price table shipped with the package (`data/prices.toml`). With `cache_dir`, the
    parse is kept there for the next process (`parsed_toml`): importing tomllib and parsing the
    table cost every CLI run ~3 ms, reading the kept parse ~0.2 ms."""
    global _BUILTIN_PRICES
    if _BUILTIN_PRICES is None:
        text = _package_text("data/prices.toml")
        kept = None if cache_dir is None else os.path.join(cache_dir, PRICES_CACHE)
        _BUILTIN_PRICES = parsed_toml(text, kept)
    return _BUILTIN_PRICES


def parsed_toml(text: str, kept: str | None = None) -> dict[str, Any]:
    """`tomllib.loads(text)`. With `kept` (a file): taken from there when it was made from this
    very text (the whole text is the key: nothing else can make it stale), else parsed and kept
    there, if JSON gives back exactly the same values (a date is written tagged). The file is
    only ever a shortcut: one that cannot be read, written or trusted means a parse."""
    if kept is not None:
        try:
            data = json.loads(read_regular(kept, MAX_CACHED_TOML), object_hook=_from_json)
        except (OSError, ValueError, TypeError):  # none yet, unreadable, cut short, a bad date
            data = None
        if isinstance(data, dict) and data.get("source") == text:
            parsed = data.get("parsed")
            if isinstance(parsed, dict):
                return parsed
    import tomllib

    parsed = tomllib.loads(text)
    if kept is not None:
        with suppress(OSError, TypeError, ValueError):
            encoded = json.dumps({"source": text, "parsed": parsed}, default=_to_json)
            if json.loads(encoded, object_hook=_from_json)["parsed"] == parsed:
                write_atomic(kept, encoded.encode(), durable=False)
    return parsed


MAX_CACHED_TOML = 4 << 20
_DATE = "$date"


def _to_json(value: object) -> object:
    if type(value) is date:
        return {_DATE: value.isoformat()}
    raise TypeError(f"not kept: {value!r}")  # a time or a date-time: parsed every time


def _from_json(table: dict[str, Any]) -> object:
    if len(table) == 1 and _DATE in table:
        return date.fromisoformat(table[_DATE])
    return table


def _package_text(name: str) -> str:
    """A data file of the package: read beside the package's modules (an install, a PyInstaller
    build), through `importlib.resources` only where there is no such file (a zipped package);
    that import and its readers cost every CLI run a few ms."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(package, *name.split("/")), encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        from importlib.resources import files

        return files("claude_tray").joinpath(name).read_text(encoding="utf-8")


class _KeyProblem(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def _build(cls: type[Any], data: Mapping[str, Any], prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise _KeyProblem(prefix.rstrip(".") or "(top level)", "must be a table")
    hints = typing.get_type_hints(cls)
    names = set(cls._fields)
    for key in data:
        if key not in names:
            raise _KeyProblem(f"{prefix}{key}", "unknown key")
    values: dict[str, Any] = {}
    for name in names & set(data):
        values[name] = _value(hints[name], data[name], f"{prefix}{name}")
    return cls(**values)


def _is_section(hint: Any) -> bool:
    """Whether `hint` is a section of the config (a table of keys), not a value."""
    return isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields")


def _value(hint: Any, value: Any, key: str) -> Any:
    if _is_section(hint):
        return _build(hint, value, f"{key}.")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        return _value(inner, value, key)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if not isinstance(value, list | tuple):
            raise _KeyProblem(key, f"must be a list, got {value!r}")
        return tuple(_value(args[0], v, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _KeyProblem(key, "must be a table")
        return {str(k): _value(args[1], v, f'{key}."{k}"') for k, v in value.items()}
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise _KeyProblem(key, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _KeyProblem(key, f"must be a whole number, got {value!r}")
        if not -_EXACT <= value <= _EXACT:
            raise _KeyProblem(key, f"must be a whole number below 2**53, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _KeyProblem(key, f"must be a number, got {value!r}")
        if isinstance(value, int) and not -_EXACT <= value <= _EXACT:
            raise _KeyProblem(key, f"must be a number below 2**53, got {value!r}")
        if not math.isfinite(value):
            raise _KeyProblem(key, f"must be a finite number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _KeyProblem(key, f"must be a string, got {value!r}")
        return value
    raise _KeyProblem(key, f"unsupported setting type {hint!r}")  # pragma: no cover


def _check(config: Config) -> None:
    _check_context(config.context)
    if config.week_start.upper() not in Weekday.__members__:
        raise _KeyProblem("week_start", f"must be a weekday name, got {config.week_start!r}")
    if config.timezone:
        try:
            zoneinfo.ZoneInfo(config.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _KeyProblem("timezone", f"unknown timezone {config.timezone!r}") from None
    if not 0 <= config.ledger_backups <= 1000:
        raise _KeyProblem("ledger_backups", "must be from 0 to 1000")
    budgets = config.budgets
    if not 0 < budgets.alert_fraction <= 1:
        raise _KeyProblem("budgets.alert_fraction", "must be above 0 and at most 1")
    for name in ("daily", "weekly", "monthly"):
        amount = getattr(budgets, name)
        if amount is not None and not 0 < amount <= MAX_BUDGET_USD:
            raise _KeyProblem(
                f"budgets.{name}",
                f"must be a positive amount in USD, at most {MAX_BUDGET_USD:,.0f}",
            )
    if any(not 0 < n <= 100 for n in config.limits.notify):
        raise _KeyProblem("limits.notify", "each must be a percentage above 0 and at most 100")
    if not config.statusline.separator:
        raise _KeyProblem("statusline.separator", "must not be empty")


def _check_context(context: ContextConfig) -> None:
    previous = ("", 0.0)
    for name in ("caution", "warning", "pause", "critical"):
        value = getattr(context, name)
        if not 0 < value <= 100:
            raise _KeyProblem(
                f"context.{name}", f"must be a percentage above 0 and at most 100, got {value:g}"
            )
        if value < previous[1]:
            raise _KeyProblem(
                f"context.{name}",
                f"must not be below context.{previous[0]} ({value:g} < {previous[1]:g}): "
                "the levels rise from caution to warning, pause and critical",
            )
        previous = (name, value)
    if not 0 <= context.rearm_margin < 100:
        raise _KeyProblem(
            "context.rearm_margin",
            f"must be at least 0 and below 100, got {context.rearm_margin:g}",
        )
    if not 0 < context.active_minutes <= MAX_ACTIVE_MINUTES:
        raise _KeyProblem(
            "context.active_minutes", f"must be above 0 and at most {MAX_ACTIVE_MINUTES} (a week)"
        )
    for model, size in context.window.items():
        if not 0 < size <= MAX_TOKENS:
            raise _KeyProblem(
                f'context.window."{model}"',
                f"must be a token count above 0 and at most {MAX_TOKENS}",
            )


_HEADER = """\
# claude-tray configuration. Every key is optional; these are the defaults.
# Budgets (USD) are off until set, e.g. [budgets] daily = 10.0, weekly = 50.0, monthly = 200.0
# Context window per model: [context.window] "claude-opus-4-6" = 1000000
# Price overrides: [pricing.models."claude-opus-4-5"] input = 5.0, output = 25.0,
#   cache_write_5m = 6.25, cache_write_1h = 10.0, cache_read = 0.5 (USD per million tokens)

"""


def default_config_toml() -> str:
    """The defaults as TOML (written by `config init`); `None` values are left out."""
    return _HEADER + config_to_toml(Config())


def config_to_toml(config: Config) -> str:
    import tomli_w  # only `config init` and `config show` write TOML: not on every start

    return tomli_w.dumps(_plain(config))


def config_dict(config: Config) -> dict[str, Any]:
    """The config as plain data: each section a dict of its keys (tables copied), as
    `dataclasses.asdict` would give it; `config show --json` prints it."""

    def plain(value: Any) -> Any:
        if _is_section(type(value)):
            return {name: plain(item) for name, item in zip(value._fields, value, strict=True)}
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    return typing.cast(dict[str, Any], plain(config))


def _plain(config: Config) -> dict[str, Any]:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v is not None and v != {}}
        return value

    return typing.cast(dict[str, Any], strip(config_dict(config)))
