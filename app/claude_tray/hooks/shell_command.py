"""The program word of our hook and status-line commands on Windows, read the same by every shell
Claude Code may run them with.

Claude Code on Windows runs a hook's command string through Git Bash (`bash -c`), and since 2.1.120
through PowerShell when Git Bash is missing; older versions used cmd.exe. No quoting means the
same to all three: a double-quoted program followed by arguments is a command in bash and cmd but
an expression followed by an unexpected token in PowerShell (a parse error), and PowerShell's `&`
is a separator in the others. So the program is written as one bare word made only of characters
that none of the three treats specially: letters, digits and `_ - . / : + ~` (`~` not first, where
bash would expand it). Backslashes become forward slashes (bash reads `\\` as an escape; Windows and
cmd.exe run an absolute `C:/...` program path as given).

A path with other characters (a space in "Program Files" or in the user's name) is written as its
8.3 short name (`C:/PROGRA~1/...`, from GetShortPathNameW) when the volume has one; failing that,
double-quoted (bash and cmd read it; PowerShell cannot), and `install` says so.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Callable

NEUTRAL = frozenset(string.ascii_letters + string.digits + "_-./:+~")
"""Characters that bash, cmd.exe and PowerShell all leave alone inside a bare word."""
POWERSHELL_NOTE = (
    "the program's path has characters no shell-neutral form allows and the volume gives no "
    "short (8.3) name: the hooks run under Git Bash, but not under PowerShell (Claude Code "
    "without Git Bash); install claude-tray in a folder whose path has no spaces"
)


def is_neutral(word: str) -> bool:
    """True when `word` reads as itself, one word, in bash, cmd.exe and PowerShell."""
    return bool(word) and set(word) <= NEUTRAL and word[0] not in "~-"


def windows_program(path: str, short_name: Callable[[str], str | None] | None = None) -> str:
    """The program word for a Windows command line (see the module docstring)."""
    forward = path.replace("\\", "/")
    if is_neutral(forward):
        return forward
    short = (short_name or short_path_name)(path)
    if short is not None and is_neutral(short.replace("\\", "/")):
        return short.replace("\\", "/")
    return f'"{forward}"'


if sys.platform == "win32":  # chosen once, at import

    def short_path_name(path: str) -> str | None:
        """The 8.3 short form of an existing `path`; None where the volume keeps none."""
        import ctypes

        size = ctypes.windll.kernel32.GetShortPathNameW(path, None, 0)
        if size == 0:
            return None
        buffer = ctypes.create_unicode_buffer(size)
        if ctypes.windll.kernel32.GetShortPathNameW(path, buffer, size) == 0:
            return None
        return str(buffer.value)

else:

    def short_path_name(path: str) -> str | None:
        """No 8.3 names outside Windows."""
        return None
