"""With no display on Linux the tray says so in one line and exits 2, without importing any of
the tray's libraries (and the CLI never imports them at all)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from claude_tray.app.tray_app import has_display

PROBE = """
import sys
from claude_tray.cli.main import main
code = main(sys.argv[1:])
loaded = sorted(m for m in ("pystray", "PIL", "plyer", "gi") if m in sys.modules)
print("loaded:", ",".join(loaded), file=sys.stderr)
sys.exit(code)
"""


def probe(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux rule")
@pytest.mark.parametrize("args", [[], ["run"]])
def test_no_display_one_line_and_exit_2(args: list[str]) -> None:
    result = probe(*args)
    assert result.returncode == 2
    message, loaded = result.stderr.splitlines()
    assert message.startswith("claude-tray: no display")
    assert "claude-tray status" in message
    assert loaded == "loaded: "  # checked before importing pystray
    assert result.stdout == ""


def test_the_cli_does_not_import_the_tray_libraries() -> None:
    for args in (["status", "--json"], ["reset"]):
        result = probe(*args, DISPLAY=":9999")
        assert result.stderr.splitlines()[-1] == "loaded: ", args


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"DISPLAY": ""}, "linux", False),
        ({}, "darwin", True),
        ({}, "win32", True),
    ],
)
def test_has_display(env: dict[str, str], platform: str, expected: bool) -> None:
    assert has_display(env, platform) is expected
