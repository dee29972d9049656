"""The hook command written on Windows reads the same in bash, cmd.exe and PowerShell.

Claude Code on Windows runs hook commands through Git Bash, and since 2.1.120 through PowerShell
when Git Bash is missing (its changelog); older versions used cmd.exe. Bash is run for real
(`bash -c`); cmd.exe and PowerShell are small models of the documented rules that matter here:

- cmd.exe (`cmd /?`, and Microsoft's "Command shell overview"): `&`, `|`, `<`, `>`, `^`, `(`,
  `)`, `%` and `!` are special outside double quotes; a double quote starts or ends a quoted
  stretch; words are split at spaces and tabs, and the command name also at `,`, `;` and `=`.
  An absolute program path with forward slashes runs as given (the slash is an option mark only
  for cmd's built-in commands).
- PowerShell (about_Parsing, about_Special_Characters): a statement whose first element is a
  quoted string is in expression mode, so a second element after it is a parse error
  ("Unexpected token"); in argument mode a bare word ends at whitespace, and `$` (variable),
  `` ` `` (escape), `'` and `"` (strings), `&`, `|`, `;`, `,`, `(`, `)`, `{`, `}`, `<`, `>` are
  special, as are `@` and `#` at a word's start.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from claude_tray.hooks import install
from claude_tray.hooks.install import our_args, plan_install
from claude_tray.hooks.settings_file import read_settings
from claude_tray.hooks.shell_command import POWERSHELL_NOTE, is_neutral, windows_program


class ParseError(Exception):
    pass


def bash_words(command: str) -> list[str]:
    """The words bash makes of `command` (run for real: a function prints its arguments)."""
    script = 'args() { printf "%s\\n" "$@"; }; args ' + command
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ParseError(result.stderr)
    return result.stdout.splitlines()


CMD_SPECIAL = set("&|<>^()%!")


def cmd_words(command: str) -> list[str]:
    words: list[str] = []
    current: list[str] = []
    quoted = started = False
    for char in command:
        if char == '"':
            quoted, started = not quoted, True
        elif quoted:
            current.append(char)
        elif char in CMD_SPECIAL:
            raise ParseError(f"cmd.exe reads {char!r} as an operator")
        elif char in " \t" or (not words and char in ",;="):
            if started:
                words.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if quoted:
        raise ParseError("unclosed quote")
    if started:
        words.append("".join(current))
    return words


PS_SPECIAL = set("$`&|;,(){}<>")


def powershell_words(command: str) -> list[str]:
    """Argument mode: words end at whitespace; a '…' stretch is verbatim ('' is one quote), a
    "…" stretch expands `$` and `` ` `` (refused here: none of ours has them); stretches next to
    each other make one argument."""
    words: list[str] = []
    current: list[str] = []
    started = False
    index = 0
    first_quoted = False
    while index < len(command):
        char = command[index]
        if char in " \t":
            if started:
                words.append("".join(current))
            current, started = [], False
        elif char == "'":
            if not words and not started:
                first_quoted = True
            end = index + 1
            while True:
                end = command.find("'", end)
                if end == -1:
                    raise ParseError("unclosed string")
                if command[end + 1 : end + 2] == "'":
                    end += 2
                    continue
                break
            current.append(command[index + 1 : end].replace("''", "'"))
            started, index = True, end
        elif char == '"':
            if not words and not started:
                first_quoted = True
            end = command.find('"', index + 1)
            if end == -1:
                raise ParseError("unclosed string")
            text = command[index + 1 : end]
            if set(text) & set("$`"):
                raise ParseError("an expanding string")
            current.append(text)
            started, index = True, end
        elif char in PS_SPECIAL or (not started and char in "@#"):
            raise ParseError(f"PowerShell reads {char!r} as more than a word")
        else:
            current.append(char)
            started = True
        index += 1
    if started:
        words.append("".join(current))
    if first_quoted and len(words) > 1:
        raise ParseError("Unexpected token in expression or statement")
    return words


SHELLS = {"bash": bash_words, "cmd": cmd_words, "powershell": powershell_words}


def test_the_models_refuse_what_each_shell_refuses() -> None:
    quoted = '"C:/Program Files/claude-tray/claude-tray.exe" hook'
    with pytest.raises(ParseError):
        powershell_words(quoted)  # the form written before this fix
    assert cmd_words(quoted) == ["C:/Program Files/claude-tray/claude-tray.exe", "hook"]
    assert bash_words(quoted) == ["C:/Program Files/claude-tray/claude-tray.exe", "hook"]
    with pytest.raises(ParseError):
        cmd_words("a & b")
    with pytest.raises(ParseError):
        powershell_words("C:/Users/$me/x.exe hook")
    assert bash_words(r"C:\Users\me\x.exe hook") == ["C:Usersmex.exe", "hook"]  # why slashes


def no_short_name(path: str) -> None:
    return None


@pytest.mark.parametrize(
    ("path", "short", "expected"),
    [
        (r"C:\Users\jo\.local\bin\claude-tray.exe", None, "C:/Users/jo/.local/bin/claude-tray.exe"),
        (
            r"C:\Users\Jo Doe\AppData\Roaming\Python\Python312\Scripts\claude-tray.exe",
            r"C:\Users\JODOE~1\AppData\Roaming\Python\Python312\Scripts\claude-tray.exe",
            "C:/Users/JODOE~1/AppData/Roaming/Python/Python312/Scripts/claude-tray.exe",
        ),
        (
            r"C:\Program Files (x86)\claude-tray\claude-tray.exe",
            r"C:\PROGRA~2\CLAUDE~1\CLAUDE~1.EXE",
            "C:/PROGRA~2/CLAUDE~1/CLAUDE~1.EXE",
        ),
    ],
)
@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_every_shell_reads_the_written_hook_command_alike(
    path: str, short: str | None, expected: str, shell: str
) -> None:
    program = windows_program(path, lambda _: short)
    assert program == expected
    command = f"{program} hook"
    assert SHELLS[shell](command) == [expected, "hook"]


def test_python_running_the_module_is_neutral_too() -> None:
    program = windows_program(r"C:\Python312\python.exe", no_short_name)
    command = " ".join([program, "-m", "claude_tray", "statusline"])
    for read in SHELLS.values():
        assert read(command) == ["C:/Python312/python.exe", "-m", "claude_tray", "statusline"]


def test_python_running_the_entry_file_is_neutral_too() -> None:
    """The command `hooks install` writes for a pip install: the venv's Python, its options
    and the package's `__main__.py`, every path in the form every shell reads alike."""
    from claude_tray.hooks.install import command_line, our_args

    python = r"C:\Users\jo\app\.venv\Scripts\python.exe"
    entry = r"C:\Users\jo\app\.venv\Lib\site-packages\claude_tray\__main__.py"
    command = command_line([python, "-I", "-S", entry], "statusline", windows=True)
    expected = [
        "C:/Users/jo/app/.venv/Scripts/python.exe",
        "-I",
        "-S",
        "C:/Users/jo/app/.venv/Lib/site-packages/claude_tray/__main__.py",
        "statusline",
    ]
    for read in SHELLS.values():
        assert read(command) == expected
    assert our_args(command) == ["statusline"]


def test_short_names_that_are_not_neutral_are_not_used() -> None:
    path = r"C:\Users\Jo Doe (work)\claude-tray.exe"
    assert windows_program(path, lambda _: r"C:\Users\Jo Doe (work)\claude-tray.exe") == (
        '"C:/Users/Jo Doe (work)/claude-tray.exe"'
    )


def test_without_a_short_name_install_says_powershell_cannot_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Linux the real short-name lookup finds none, as on a volume without 8.3 names."""
    settings_path = tmp_path / "settings.json"
    settings_path.write_text("{}\n")
    monkeypatch.setattr(install.sys, "platform", "win32")
    spaced = plan_install(read_settings(settings_path), [r"C:\Users\Jo Doe\ct.exe"], chain=False)
    plain = plan_install(read_settings(settings_path), [r"C:\Users\jo\ct.exe"], chain=False)
    monkeypatch.undo()
    assert POWERSHELL_NOTE in spaced.notes
    assert '\\"C:/Users/Jo Doe/ct.exe\\" hook' in spaced.new_text
    assert POWERSHELL_NOTE not in plain.notes
    assert '"command": "C:/Users/jo/ct.exe hook"' in plain.new_text


def test_the_written_command_is_still_recognised_as_ours() -> None:
    program = windows_program(r"C:\PROGRA~1\CLAUDE~1\claude-tray.exe", no_short_name)
    assert our_args(f"{program} hook") == ["hook"]
    assert is_neutral(program)


@pytest.mark.parametrize(
    "theirs",
    ["bash ~/.claude/statusline.sh", "npx -y ccstatusline@latest", "echo it's $HOME | cat"],
)
def test_a_chained_status_line_reads_the_same_in_bash_and_powershell(theirs: str) -> None:
    """The user's own status line rides along POSIX-quoted: a '…' string is verbatim in both
    shells, and `'"'"'` (for a quote inside) is three adjacent strings in both. cmd.exe has no
    single quotes: Claude Code versions that ran hooks through cmd cannot chain a status line."""
    from claude_tray.hooks.install import command_line

    program = r"C:\Users\jo\.local\bin\claude-tray.exe"
    command = command_line([program], "statusline", "--then", theirs, windows=True)
    expected = ["C:/Users/jo/.local/bin/claude-tray.exe", "statusline", "--then", theirs]
    assert bash_words(command) == expected
    assert powershell_words(command) == expected
