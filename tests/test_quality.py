"""The codebase's own checks, run with the tests: lint, format, types (for every OS), layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import require_tools

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        return require_tools(name, install="pip install -e '.[test]'")[name]
    return str(path)


def check(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"


def test_ruff_lint() -> None:
    check(tool("ruff"), "check", "app", "tests", "benchmarks", "icons", "packaging")


def test_ruff_format() -> None:
    check(tool("ruff"), "format", "--check", "app", "tests", "benchmarks", "icons", "packaging")


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_mypy_strict_for_each_os(platform: str) -> None:
    check(tool("mypy"), "--platform", platform, "app/claude_tray")


def test_layers_are_respected() -> None:
    check(tool("lint-imports"))
