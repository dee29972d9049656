"""A logger that imports `logging` only when something is logged.

The hooks and the status line run on every prompt and every assistant message and nearly never
log; importing `logging` (with `traceback`, `threading`, `string`...) costs each call a few ms.
The modules on their path take their logger from here; `when_first_used` lets the hooks route
what is logged (to their own log file) at the moment `logging` is loaded.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

_first_use: list[Callable[[], None]] = []


def when_first_used(setup: Callable[[], None]) -> None:
    """Run `setup` when a lazy logger is first used (at once if `logging` is loaded already)."""
    import sys

    if "logging" in sys.modules:
        setup()
    else:
        _first_use.append(setup)


class LazyLogger:
    """Stands for `logging.getLogger(name)`; made on the first call of any of its methods."""

    __slots__ = ("_logger", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: logging.Logger | None = None

    def _real(self) -> logging.Logger:
        if self._logger is None:
            import logging

            while _first_use:
                _first_use.pop(0)()
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
