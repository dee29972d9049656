"""Reads of another program's output are bounded while reading: the status line's chained command
and the stdin of the hook and the status line. Real processes, real pipes, no sleeps: a command
that prints without end or never closes its output is cut at the cap or the deadline."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from claude_tray.hooks.bounded import ENDED, FULL, LATE, read_fd
from claude_tray.hooks.chain import MAX_OUTPUT, run_chained
from tests.hooks import payloads

PROGRAM = Path(sys.executable).parent / "claude-tray"
PY = sys.executable


def python(code: str) -> str:
    return f"{shlex.quote(PY)} -c {shlex.quote(code)}"


def test_an_endless_printer_is_cut_at_the_cap() -> None:
    # `yes` with a long line: without a bound this would be read until memory ran out.
    endless = python("import sys\nwhile True: sys.stdout.write('x' * 65536)")
    out = run_chained(endless, b"{}", timeout=30.0)
    assert out is not None and len(out) == MAX_OUTPUT and set(out) == {ord("x")}


def test_a_command_that_never_closes_its_output_is_cut_at_the_deadline() -> None:
    silent = python("import sys, time\nprint('partial', flush=True)\ntime.sleep(600)")
    assert run_chained(silent, b"{}", timeout=0.5) is None


def test_a_command_that_never_reads_its_input_still_answers() -> None:
    # Our input is larger than a pipe's buffer: writing it before reading would block.
    ignorer = python("print('theirs')")
    assert run_chained(ignorer, b"x" * (4 << 20), timeout=30.0) == b"theirs"


def test_the_chained_command_gets_the_input_and_its_output_is_trimmed() -> None:
    echo = python("import sys\nsys.stdout.write(sys.stdin.read().upper() + '\\n\\n')")
    assert run_chained(echo, b'{"a": 1}', timeout=30.0) == b'{"A": 1}'


def test_read_fd_stops_at_the_cap_the_deadline_and_the_end() -> None:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"abcdef")
        assert read_fd(read_end, 4, 5.0) == (b"abcd", FULL)
        assert read_fd(read_end, 100, 0.05) == (b"ef", LATE)
        os.close(write_end)
        write_end = -1
        assert read_fd(read_end, 100, 5.0) == (b"", ENDED)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


@pytest.mark.skipif(sys.platform == "win32", reason="a shell pipeline from /dev/zero")
def test_the_status_line_with_an_endless_input_and_chained_command(tmp_path: Path) -> None:
    endless = python("import sys\nwhile True: sys.stdout.write('y' * 65536)")
    # Claude Code's side is replaced by an endless writer: the program must stop at its cap.
    done = subprocess.run(
        f"cat /dev/zero | {shlex.quote(str(PROGRAM))} statusline --then {shlex.quote(endless)}",
        shell=True,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert len(done.stdout) == MAX_OUTPUT + 1 and done.stdout.endswith(b"\n")


def test_the_hook_fails_open_on_an_input_that_never_ends(tray_home: Path) -> None:
    payload = json.dumps(payloads.user_prompt_submit()).encode()
    # The writer sends the payload but never closes stdin: the hook must not wait for ever.
    proc = subprocess.Popen([str(PROGRAM), "hook"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.flush()
    try:
        code = proc.wait(timeout=120)  # stdin stays open: communicate() would close it
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the hook waited for the end of its input without limit")
    finally:
        proc.stdin.close()
    assert proc.stdout is not None
    assert code == 0 and proc.stdout.read() == b""
    proc.stdout.close()
    log = (tray_home / "logs" / "hooks.log").read_text()
    assert "not closed within" in log
