"""The rule for tests whose tools `.ci/setup` installs: in CI a missing tool fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools import require_executable, require_tools


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no-such-tool-x missing .*in CI"):
        require_tools("no-such-tool-x", install="apt-get install x")


def test_a_missing_tool_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-x missing"):
        require_tools("no-such-tool-x", install="apt-get install x")


def test_a_present_tool_gives_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    program = tmp_path / "tool"
    program.write_text("#!/bin/sh\n")
    assert require_tools("sh", install="-")["sh"].endswith("/sh")
    with pytest.raises(pytest.fail.Exception, match="the tool missing"):
        require_executable([program], "the tool", "-")  # not executable yet
    program.chmod(0o755)
    assert require_executable(["", program], "the tool", "-") == str(program)
