"""The part of the config the hooks use, cached so that a hook call does not load the whole config.

Loading `config.toml` through `storage.config` (validation, the price table) costs more time than
a hook may spend on every prompt. So the first call after the config file (or this program)
changed loads it the normal way and keeps what the hooks need in `state/hook-settings.json`; the
calls after it read only that small file. A config that does not load is cached with its error:
the hooks then fail open (no gate, default settings) and log the error once per change.
"""

from __future__ import annotations

import os

import claude_tray
from claude_tray.storage import json_c
from claude_tray.storage.atomic import write_atomic
from claude_tray.storage.regular import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from claude_tray.core.levels import Thresholds
    from claude_tray.storage.config import Config
    from claude_tray.storage.paths import AppDirs

CACHE_NAME = "hook-settings.json"

FIELDS = (
    "caution",
    "warning",
    "pause",
    "critical",
    "rearm_margin",
    "enforce",
    "budget",
    "categories",
    "line_format",
    "separator",
    "color",
    "limit_notify",
    "timezone",
    "config_file",
)


class HookSettings:
    """Settings of the hook, the gate and the status line (see `storage.config` for meanings).

    A plain class, not a dataclass: importing `dataclasses` alone costs a hook call ~10 ms.
    """

    __slots__ = FIELDS

    def __init__(
        self,
        *,
        caution: float,
        warning: float,
        pause: float,
        critical: float,
        rearm_margin: float,
        enforce: bool,
        budget: bool,
        categories: tuple[tuple[str, str], ...],
        line_format: str,
        separator: str,
        color: bool,
        limit_notify: tuple[float, ...],
        timezone: str,
        config_file: str,
    ) -> None:
        self.caution = caution
        self.warning = warning
        self.pause = pause
        self.critical = critical
        self.rearm_margin = rearm_margin
        self.enforce = enforce
        self.budget = budget
        self.categories = categories
        self.line_format = line_format
        self.separator = separator
        self.color = color
        self.limit_notify = limit_notify
        self.timezone = timezone
        self.config_file = config_file

    @property
    def thresholds(self) -> Thresholds:
        from claude_tray.core.levels import Thresholds

        return Thresholds(self.caution, self.warning, self.pause, self.critical)

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HookSettings:
        values = {name: data[name] for name in FIELDS}
        values["categories"] = tuple((str(p), str(n)) for p, n in values["categories"])
        values["limit_notify"] = tuple(float(n) for n in values["limit_notify"])
        return cls(**values)


class LoadedSettings:
    __slots__ = ("error", "fresh", "settings")

    def __init__(self, settings: HookSettings, error: str | None, fresh: bool) -> None:
        self.settings = settings
        self.error = error
        """Why the config did not load (then `settings` are the defaults and the gate is off)."""
        self.fresh = fresh
        """Loaded from the config just now (not the cache): a new error is worth logging."""


def settings_from_config(config: Config, config_file: str) -> HookSettings:
    context = config.context
    return HookSettings(
        caution=context.caution,
        warning=context.warning,
        pause=context.pause,
        critical=context.critical,
        rearm_margin=context.rearm_margin,
        enforce=config.auto_pause.enforce,
        budget=config.auto_pause.budget,
        categories=tuple(config.categories.items()),
        line_format=config.statusline.format,
        separator=config.statusline.separator,
        color=config.statusline.color,
        limit_notify=tuple(config.limits.notify),
        timezone=config.timezone,
        config_file=config_file,
    )


def load_hook_settings(paths: AppDirs) -> LoadedSettings:
    """The hooks' settings: from the cache when it matches the config file, else loaded afresh."""
    key = cache_key(paths.config_file)
    cache = os.path.join(paths.state_dir, CACHE_NAME)
    cached = _read_cache(cache, key)
    if cached is not None:
        return cached
    loaded = _load(paths.config_file)
    try:
        record = {"key": key, "error": loaded.error, "settings": loaded.settings.as_json()}
        write_atomic(cache, json_c.dumps(record, separators=(",", ":")).encode())
    except OSError:
        pass  # no cache this time: the next call loads the config again
    return loaded


def cache_key(config_file: str) -> list[Any]:
    """What the cached settings depend on: the config file's bytes (a small file; its time stamp
    alone can miss two edits within one clock tick) and the code that reads it."""
    package = os.path.dirname(claude_tray.__file__)
    code = (os.path.join(package, "storage", "config.py"), __file__)
    try:
        content: str | None = read_regular(config_file).decode("latin-1")
    except FileNotFoundError:
        content = None
    except OSError as error:
        content = f"<unreadable: {error.errno}>"
    return [claude_tray.__version__, config_file, content, *(_stat(path) for path in code)]


def _stat(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size, info.st_ino]


def _load(config_file: str) -> LoadedSettings:
    from pathlib import Path

    from claude_tray.storage.config import Config, ConfigError, load_config

    try:
        config = load_config(Path(config_file))
        error = None
    except ConfigError as problem:
        config, error = Config(), str(problem)
    return LoadedSettings(settings_from_config(config, config_file), error, fresh=True)


def _read_cache(cache: str, key: list[Any]) -> LoadedSettings | None:
    try:
        record = json_c.loads(read_regular(cache))
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        error = record.get("error")
        return LoadedSettings(
            HookSettings.from_json(record["settings"]),
            error if isinstance(error, str) else None,
            fresh=False,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
