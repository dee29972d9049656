"""The progress bar of a long ingest, on stderr (tqdm).

Shown only when stderr is a terminal, the command does not print JSON, and the ingest has run for
`DELAY_S` already: a quick `claude-tray today` prints nothing extra, and output piped or parsed by
a program never carries a bar. The bar is cleared when the ingest ends.

tqdm: the most used progress bar for Python, maintained, pure Python with no dependencies, and it
does what is needed here out of the box (a delay before it shows, byte units, redraw throttling,
terminal width, clearing itself).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

DELAY_S = 1.0
REDRAW_S = 0.1
"""At most this often the bar is drawn again."""

_wanted = True
"""False for this run when it prints JSON (`--json`)."""


def want_progress(wanted: bool) -> None:
    global _wanted
    _wanted = wanted


def shown(stream: TextIO) -> bool:
    return _wanted and stream.isatty()


@contextlib.contextmanager
def ingest_progress(
    stream: TextIO | None = None, delay: float | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """A callback for `Workspace.refresh(progress=...)` drawing the bar, or None when no bar is
    to be shown."""
    out = sys.stderr if stream is None else stream
    if not shown(out):
        yield None
        return
    from tqdm import tqdm

    bar: Any = tqdm(
        total=0,
        desc="Reading Claude Code history",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=out,
        delay=DELAY_S if delay is None else delay,
        mininterval=REDRAW_S,
        leave=False,
        dynamic_ncols=True,
    )

    def told(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield told
    finally:
        bar.close()
