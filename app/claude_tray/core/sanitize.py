"""The one sanitizer for text shown to a person: every string from a transcript, a hook or status
line payload, or the config passes `clean` before it reaches a terminal, a notification, the tray's
menu or tooltip, or a CSV on stdout (the HTML report escapes for HTML instead, and JSON output is
escaped by its encoder).

- Terminal escape sequences (CSI `ESC [ … m`, OSC `ESC ] … BEL` such as a window title, DCS and
  the two-byte ones) are removed whole, so none can recolour, move the cursor or retitle.
- Other control characters (newline, tab, bell, DEL, C1) become a space: one line stays one line.
- Bidirectional overrides, embeddings, isolates and marks are removed, so a name cannot reverse
  the text after it (a notification title, a column of a table).

A command shown for pasting quotes its words with `shlex.quote` as well (see `hooks.gate`).
"""

from __future__ import annotations

import re

_SEQUENCE = (
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: parameters, intermediates, final byte
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # CSI, 8-bit form
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC … terminator
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # their 8-bit forms
    r"|\x1b[ -/]*[0-~]?"  # any other escape: ESC, intermediates, final byte
)
_CONTROL = "[\x00-\x1f\x7f-\x9f\u2028\u2029]"
_BIDI = "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_compiled: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None = None
"""Compiled on first need: most text is plain, and the hook should not pay for it."""


def clean(text: str, limit: int | None = None) -> str:
    """`text` safe to show on one line; cut to `limit` characters (ending in `…`) if given."""
    if not (text.isascii() and text.isprintable()):  # the usual case needs no work
        global _compiled
        if _compiled is None:
            _compiled = (re.compile(_SEQUENCE), re.compile(_CONTROL), re.compile(_BIDI))
        sequence, control, bidi = _compiled
        text = bidi.sub("", control.sub(" ", sequence.sub("", text)))
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text
