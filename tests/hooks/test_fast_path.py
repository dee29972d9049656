"""The hook path stays lean: after the first call (which caches the config), a call imports none
of the heavy modules. This guards the latency budget without timing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import claude_tray
from tests.hooks import payloads

PROBE = """
import sys
sys.path.append(sys.argv.pop(1))  # what the entry file does for itself (claude_tray/__main__.py)
from claude_tray.cli.main import main
code = main(sys.argv[1:])
modules = sorted(sys.modules)
import json
json.dump({"code": code, "modules": modules}, sys.stderr)
"""
"""Runs as `hooks install` has Claude Code run us: Python with `-I -S`, the package's folder last on
the module path."""
FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(claude_tray.__file__)))
NEVER = {
    "sqlite3",
    "orjson",
    "tomllib",
    "tomli_w",
    "platformdirs",
    "tempfile",
    "zoneinfo",
    "claude_tray.engine",
    "claude_tray.storage.config",
    "claude_tray.storage.ledger",
    "claude_tray.core.snapshot",
    "claude_tray.core.pricing",
    "claude_tray.hooks.install",
    "claude_tray.hooks.json_edit",
    "claude_tray.cli.usage_commands",
    # each costs every call a few ms: the CLI's parser, logging (until something is logged) and
    # dataclasses (with inspect, ast...)
    "argparse",
    "logging",
    "dataclasses",
    # `json` loads `re` and `enum` for its pure-Python parts: the C parts are used directly
    # (`storage.json_c`), and the line's placeholders and state file names need no regex
    "json",
    "re",
}
NOT_IN_THE_HOOK = {
    "pathlib",
    "dataclasses",
    "typing",
    "claude_tray.core.levels",
    "enum",
    "contextlib",
}


def probe(*args: str, stdin: dict) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, FOLDER, *args],
        input=json.dumps(stdin).encode(),
        capture_output=True,
        env=dict(os.environ),
        timeout=60,
    )
    report = json.loads(done.stderr.decode())
    assert report["code"] == 0
    return done.stdout.decode(), set(report["modules"])


@pytest.mark.parametrize("payload", [payloads.user_prompt_submit(), payloads.session_start()])
def test_the_hook_imports_only_what_it_needs(payload: dict) -> None:
    probe("hook", stdin=payload)  # the first call loads and caches the config
    out, modules = probe("hook", stdin=payload)
    assert out == ""
    assert not modules & (NEVER | NOT_IN_THE_HOOK)


def test_the_status_line_imports_only_what_it_needs() -> None:
    probe("statusline", stdin=payloads.status_new())
    out, modules = probe("statusline", stdin=payloads.status_new(percent=92))
    assert "92%" in out
    assert not modules & NEVER
    assert "claude_tray.core.pause" in modules  # the auto-pause rule is core's, not a copy


@pytest.mark.parametrize("percent", [40, 72, 89])
def test_below_the_pause_level_the_status_line_needs_no_rules(percent: int) -> None:
    """Below the pause level, with no mark and no acknowledgement, the rule cannot change
    anything: neither it nor `enum` (with `functools` and `collections`) is loaded, and the
    context's level (its colour) comes from `core.scale`."""
    probe("statusline", stdin=payloads.status_new(percent=percent))
    out, modules = probe("statusline", stdin=payloads.status_new(percent=percent))
    assert f"{percent}%" in out
    assert not modules & (NEVER | NOT_IN_THE_HOOK | {"functools", "collections"})


def test_a_changed_config_is_loaded_again(tmp_path: object) -> None:
    probe("hook", stdin=payloads.user_prompt_submit())
    path = os.path.join(os.environ["CLAUDE_TRAY_HOME"], "config.toml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[auto_pause]\nenforce = false\n")
    _, modules = probe("hook", stdin=payloads.user_prompt_submit())
    assert "claude_tray.storage.config" in modules
    _, modules = probe("hook", stdin=payloads.user_prompt_submit())
    assert "claude_tray.storage.config" not in modules


def test_what_the_hook_path_logs_goes_to_the_hooks_log_not_stderr(tmp_path: object) -> None:
    """`logging` is loaded only when something is logged; the routing to the hooks' log is
    set up at that moment."""
    code = (
        "import sys, json\n"
        "from claude_tray.hooks.fast import _route_logging\n"
        "from claude_tray.storage.budget_state import log\n"
        "_route_logging()\n"
        "assert 'logging' not in sys.modules\n"
        "log.warning('budget file unreadable: %s', 'test')\n"
        "assert 'logging' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=dict(os.environ), timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    texts = [
        (Path(root) / name).read_text(encoding="utf-8")
        for root, _, names in os.walk(os.environ["CLAUDE_TRAY_HOME"])
        for name in names
        if name.startswith("hooks.log")
    ]
    assert any("budget file unreadable: test" in text for text in texts)


@pytest.mark.parametrize(
    ("command", "payload"),
    [("hook", payloads.user_prompt_submit()), ("statusline", payloads.status_new(percent=92))],
)
def test_as_installed_the_fast_path_needs_nothing_but_the_standard_library(
    command: str, payload: dict
) -> None:
    """`hooks install` runs Python with `-I -S` (no site-packages on the path): the hook and the
    status line must import nothing but the standard library and claude_tray."""
    probe(command, stdin=payload)  # the first call caches the config
    _, modules = probe(command, stdin=payload)
    others = {
        name
        for name in modules
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in ("claude_tray", "__main__")
    }
    assert others == set()
    assert "site" not in modules
