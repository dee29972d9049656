"""`json.loads` and `json.dumps` for the hooks' path, through the C code `json` itself runs.

Claude Code starts our hook on every prompt and our status line on every assistant message, and
`import json` loads `re` and `enum` for the pure-Python parts it keeps (about a third of what such
a call costs beyond the interpreter's start). Its C accelerator, `_json`, needs neither. `loads`
and `dumps` here call that accelerator exactly as `json.loads(data)` and `json.dumps(value,
separators=..., allow_nan=...)` do (no indent), so the results are theirs; whatever the fast way
does not take (other encodings, malformed input, values JSON cannot hold, a Python without `_json`)
is handed to `json` itself, which gives its own answer or raises its own error.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

try:
    from _json import encode_basestring_ascii, make_encoder, make_scanner
except ImportError:  # another Python: `json` does it all
    _C = False
else:
    _C = True

_WHITESPACE = " \t\n\r"
"""What JSON allows around a value (`json.decoder.WHITESPACE`)."""


class _Options:
    """What `make_scanner` reads from a `json.JSONDecoder()` made with no arguments."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float  # "NaN", "Infinity", "-Infinity": the values `json` gives them


_scan = make_scanner(_Options()) if _C else None  # type: ignore[arg-type]


def loads(data: str | bytes | bytearray) -> Any:
    """`json.loads(data)`."""
    text = _as_text(data) if _scan is not None else None
    if text is not None and _scan is not None:
        try:
            value, end = _scan(text, _skip(text, 0))
        except Exception:  # json says what is wrong (below)
            end = -1
        if end >= 0 and _skip(text, end) == len(text):
            return value
    import json

    return json.loads(data)


def dumps(value: Any, *, separators: tuple[str, str] | None = None, allow_nan: bool = True) -> str:
    """`json.dumps(value, separators=separators, allow_nan=allow_nan)`."""
    if _C:
        item, key = separators or (", ", ": ")
        encode = make_encoder(
            {}, _refuse, encode_basestring_ascii, None, key, item, False, False, allow_nan
        )
        try:
            return "".join(encode(value, 0))
        except Exception:  # json says what is wrong (below)
            pass
    import json

    return json.dumps(value, separators=separators, allow_nan=allow_nan)


def _as_text(data: object) -> str | None:
    """`data` as `json.loads` reads it, when that is UTF-8 (or already text); else None."""
    if isinstance(data, str):
        return None if data.startswith("\ufeff") else data
    if not isinstance(data, bytes | bytearray):
        return None
    # `json.detect_encoding`: a byte-order mark, or a zero byte among the first two, means
    # UTF-16 or UTF-32 (or UTF-8 with a mark): those are left to `json`.
    if data[:1] in (b"\x00", b"\xef", b"\xfe", b"\xff") or data[1:2] == b"\x00":
        return None
    try:
        return bytes(data).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def _skip(text: str, index: int) -> int:
    """The index after the whitespace at `index`."""
    end = len(text)
    while index < end and text[index] in _WHITESPACE:
        index += 1
    return index


def _refuse(value: object) -> object:
    raise TypeError  # `json.dumps` then names the type it cannot write
