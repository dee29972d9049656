"""A session's category from its cwd and the configured patterns (`[categories]` in the config).

Patterns are globs over paths: `*` and `?` stay within one folder name, `**` spans any number of
folders (`~/work/infra/**` matches `~/work/infra` itself and everything below it), `~` is the home
folder. The first pattern that matches wins, in the order of the config file.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable


def category_for(cwd: str, patterns: Iterable[tuple[str, str]]) -> str | None:
    path = _normal(cwd)
    for pattern, name in patterns:
        if _compile(pattern).fullmatch(path):
            return name
    return None


def _normal(path: str) -> str:
    path = os.path.expanduser(path)
    if sys.platform == "win32":
        path = os.path.normcase(path).replace("\\", "/")
    return path.rstrip("/") or "/"


def _compile(pattern: str) -> re.Pattern[str]:
    import re  # here: a hook call with no categories configured never needs it

    text = _normal(pattern)
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("/**", i) and (i + 3 == len(text) or text[i + 3] == "/"):
            out.append("(?:/.*)?")  # "/**" also matches nothing: `infra/**` matches `infra`
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)
