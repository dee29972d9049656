"""Printing: aligned tables that fit the terminal, colour only where wanted, money and JSON."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any, NamedTuple, TextIO

from claude_tray.core.formats import UNPRICED_MARK, count, money, paint
from claude_tray.core.sanitize import clean, escape_json
from claude_tray.core.tokens import Tokens


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def unpriced_note(tokens: int, models: Sequence[str] = ()) -> str | None:
    """The footnote under a table whose costs leave out unpriced tokens; None when none do."""
    if tokens <= 0:
        return None
    which = f" ({clean(', '.join(models))})" if models else ""
    return (
        f"{UNPRICED_MARK} = leaves out {count(tokens)} tokens of models with no known price"
        f"{which}; add them under [pricing.models] in the config"
    )


class Column(NamedTuple):  # a tuple: made in a fifth of a frozen dataclass's time
    title: str
    right: bool = False
    shrink: bool = False
    """May be cut (with …) to fit a narrow terminal; columns that may not are dropped last."""
    optional: bool = False
    """Dropped entirely when the terminal is too narrow for it."""


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    styles: Sequence[str | None] | None = None,
    width: int | None = None,
    color: bool = False,
) -> str:
    """Rows as aligned text, fitted to `width` (the terminal's by default)."""
    if not width:
        import shutil  # a table only: JSON output never needs it

        width = shutil.get_terminal_size((100, 24)).columns
    # Cells carry project paths and model names from transcripts: made safe to print, once here.
    rows = [[clean(text) for text in row] for row in rows]
    keep = list(range(len(columns)))
    widths = [max([len(c.title)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]

    def total() -> int:
        return sum(widths[i] for i in keep) + 2 * (len(keep) - 1)

    for i in reversed(range(len(columns))):  # drop optional columns, last first
        if total() <= width:
            break
        if columns[i].optional:
            keep.remove(i)
    for i in keep:  # then cut the shrinkable ones
        excess = total() - width
        if excess <= 0:
            break
        if columns[i].shrink:
            widths[i] = max(len(columns[i].title), 8, widths[i] - excess)

    def cell(i: int, text: str) -> str:
        if len(text) > widths[i]:
            text = text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if columns[i].right else text.ljust(widths[i])

    lines = ["  ".join(cell(i, columns[i].title) for i in keep).rstrip()]
    lines[0] = paint(lines[0], "bold", color)
    for n, row in enumerate(rows):
        line = "  ".join(cell(i, row[i]) for i in keep).rstrip()
        style = styles[n] if styles else None
        lines.append(paint(line, style, color) if style else line)
    return "\n".join(lines)


JSON_DIGITS = 12
"""Significant digits of a float in JSON: enough for any cost, rate or epoch time (to 1/100 s),
and no binary noise (`0.9644999999999999` is written `0.9645`)."""


def print_json(data: Any, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(escape_json(json_text(_tidy_floats(data))) + "\n")


def json_text(data: Any) -> str:
    """`data` as msgspec writes it, indented by 2.

    Data of dicts with string keys, lists, strings, bools, None, 64-bit ints and floats that
    `repr` writes without an exponent is written by `json` instead: for such data its text is
    msgspec's to the byte (tests/test_json_text.py), and a warm `today --json` spares msgspec's
    import (~8 ms). msgspec differs on floats with an exponent (`1.5e-05` is its `0.000015`),
    non-finite floats, strings with a lone surrogate, and the types `json` cannot write."""
    if _plain(data):
        import json

        return json.dumps(data, indent=2, ensure_ascii=False)
    import msgspec  # here: a table never needs it

    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode()


def _plain(data: Any) -> bool:
    """Whether `json` writes `data` as msgspec does (see `json_text`)."""
    kind = type(data)
    if kind is dict:
        return all(isinstance(k, str) and _plain(k) and _plain(v) for k, v in data.items())
    if kind is list:
        return all(_plain(value) for value in data)
    if kind is str or (isinstance(data, str) and isinstance(data, Enum)):  # a str enum: its value
        return bool(data.isascii() or _utf8(data))
    if kind is float:
        return bool(math.isfinite(data) and "e" not in repr(data))
    if kind is int:
        return bool(-(2**63) <= data < 2**64)
    return data is None or kind is bool


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a file name's undecodable byte)
        return False
    return True


def _tidy_floats(data: Any) -> Any:
    """`data` with every float rounded to `JSON_DIGITS` significant digits (dicts, lists and
    tuples walked; other values kept as they are)."""
    if isinstance(data, float):
        return float(f"{data:.{JSON_DIGITS}g}") if math.isfinite(data) else data
    if isinstance(data, dict):
        return {key: _tidy_floats(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_tidy_floats(value) for value in data]
    return data


TOKEN_COLUMNS = (
    Column("Input", right=True, optional=True),
    Column("Output", right=True, optional=True),
    Column("Cache write", right=True, optional=True),
    Column("Cache read", right=True, optional=True),
    Column("Total tokens", right=True),
    Column("Cost", right=True),
)
"""The columns of every token table, after its first (label) column."""


def token_cells(tokens: Tokens, cost: float | None, unpriced: bool = False) -> list[str]:
    """The cells under `TOKEN_COLUMNS` (cache write = 5-minute + 1-hour writes)."""
    return [
        count(tokens.input),
        count(tokens.output),
        count(tokens.cache_write),
        count(tokens.cache_read),
        count(tokens.total),
        money(cost, unpriced),
    ]
