"""The one sanitizer for text shown to a person: every string from a transcript, a hook or status
line payload, or the config passes `clean` before it reaches a terminal, a notification, the tray's
menu or tooltip, or a CSV on stdout (the HTML report escapes for HTML instead). JSON output keeps
the data whole: its encoder escapes the C0 controls, and `escape_json` writes the rest of what
`clean` would take out (DEL, C1, the line separators, the bidi controls) as `\\uXXXX` escapes.

- Terminal escape sequences (CSI `ESC [ … m`, OSC `ESC ] … BEL` such as a window title, DCS and
  the two-byte ones) are removed whole, so none can recolour, move the cursor or retitle.
- Other control characters (newline, tab, bell, DEL, C1) become a space: one line stays one line.
- Bidirectional overrides, embeddings, isolates and marks are removed, so a name cannot reverse
  the text after it (a notification title, a column of a table).

A command shown for pasting quotes its words with `shlex.quote` as well (see `hooks.gate`).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

_SEQUENCE = (
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: parameters, intermediates, final byte
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # CSI, 8-bit form
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC … terminator
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # their 8-bit forms
    r"|\x1b[ -/]*[0-~]?"  # any other escape: ESC, intermediates, final byte
)
_C0 = "\x00-\x1f"
_OTHER_CONTROLS = "\x7f-\x9f\u2028\u2029"
_BIDI_MARKS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = f"[{_C0}{_OTHER_CONTROLS}]"
_BIDI = f"[{_BIDI_MARKS}]"
_RAW_IN_JSON = f"[{_OTHER_CONTROLS}{_BIDI_MARKS}]"
"""What `clean` removes or blanks and a JSON encoder leaves as it is (it escapes the C0 ones)."""
_compiled: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None = None
"""Compiled on first need: most text is plain, and the hook should not pay for it (nor for
loading `re`)."""
_json_compiled: re.Pattern[str] | None = None


def clean(text: str, limit: int | None = None) -> str:
    """`text` safe to show on one line; cut to `limit` characters (ending in `…`) if given."""
    # Every character the patterns below remove or replace is unprintable (Cc, Cf, Zl, Zp): a
    # printable text, the usual case (the status line's `·` too), needs no work.
    if not text.isprintable():
        global _compiled
        if _compiled is None:
            import re

            _compiled = (re.compile(_SEQUENCE), re.compile(_CONTROL), re.compile(_BIDI))
        sequence, control, bidi = _compiled
        text = bidi.sub("", control.sub(" ", sequence.sub("", text)))
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def escape_json(text: str) -> str:
    """JSON text (an encoder's output) with each character of `_RAW_IN_JSON` written as its
    `\\uXXXX` escape: a program decodes the very same strings, while a terminal the JSON is shown
    on gets no control or bidi character to act on. Valid for any JSON text: these characters
    can only stand inside its strings (the raw newlines and spaces of indentation are C0/ASCII)."""
    if text.isascii() and "\x7f" not in text:  # the usual case needs no work
        return text
    global _json_compiled
    if _json_compiled is None:
        import re

        _json_compiled = re.compile(_RAW_IN_JSON)
    return _json_compiled.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
