"""A logger that imports `logging` only when something is logged, and logging's setup run when it
loads.

The hooks and the status line run on every prompt and every assistant message, and a warm `today`
is a fraction of a second; they nearly never log, and importing `logging` (with `traceback`,
`tokenize`, `string`...) costs each run a few ms. The modules on their paths take their logger from
here. What configures `logging` (the CLI's format and level, the hooks' log file) is handed to
`when_logging_loads`: it runs at the moment `logging` is loaded, whoever loads it (one of our lazy
loggers, a module that imports it, a library), so every record is handled as configured.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

_setups: list[Callable[[], None]] = []


def when_logging_loads(setup: Callable[[], None]) -> None:
    """Run `setup` right after `logging` is loaded (at once if it is loaded already)."""
    if "logging" in sys.modules:
        setup()
        return
    _setups.append(setup)
    if not any(isinstance(finder, _LoggingLoads) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LoggingLoads())


class _LoggingLoads:
    """First on `sys.meta_path`: finds `logging` through the finders after it, with a loader that
    runs the setups once the module has run. Steps aside once `logging` is loaded (a mere
    `importlib.util.find_spec("logging")` loads nothing, and leaves it in place)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "logging":
            return None
        for finder in sys.meta_path:
            if isinstance(finder, _LoggingLoads):
                continue
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = None if find is None else find(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenSetUp(spec.loader)  # type: ignore[assignment]
                return spec
        return None


class _ThenSetUp:
    """The loader of `logging`, then the setups."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self.loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader  # the module keeps its own loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _LoggingLoads)]
        while _setups:
            _setups.pop(0)()


class LazyLogger:
    """Stands for `logging.getLogger(name)`; made on the first call of any of its methods."""

    __slots__ = ("_logger", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: logging.Logger | None = None

    def _real(self) -> logging.Logger:
        if self._logger is None:
            import logging  # the setups run as it loads (`when_logging_loads`)

            self._logger = logging.getLogger(self._name)
        return self._logger

    def debug(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().debug(msg, *args, **kwargs)  # type: ignore[arg-type]

    def info(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().info(msg, *args, **kwargs)  # type: ignore[arg-type]

    def warning(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().warning(msg, *args, **kwargs)  # type: ignore[arg-type]

    def error(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().error(msg, *args, **kwargs)  # type: ignore[arg-type]

    def exception(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().exception(msg, *args, **kwargs)  # type: ignore[arg-type]
