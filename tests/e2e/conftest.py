"""Fixtures of the end-to-end tests: the mock Messages API, each pinned real client, a sandbox.

The client's version is part of every test's id (`[claude-2.1.197]`) and is listed once at the
end of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.client import PINNED, Client, Sandbox, require_client
from tests.e2e.mock_api import MockMessagesAPI

_SEEN: dict[str, str] = {}


@pytest.fixture
def api() -> Iterator[MockMessagesAPI]:
    with MockMessagesAPI() as server:
        yield server


@pytest.fixture(params=PINNED, ids=lambda version: f"claude-{version}")
def client(request: pytest.FixtureRequest) -> Client:
    found = require_client(request.param)
    _SEEN[found.version] = str(found.program)
    return found


@pytest.fixture
def sandbox(tmp_path: Path, api: MockMessagesAPI, client: Client) -> Sandbox:
    """The test's own user (same folders as tests/conftest.py's isolation) and its project."""
    box = Sandbox(tmp_path, api.url, client)
    box.prepare()
    return box


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for version, program in sorted(_SEEN.items()):
        terminalreporter.write_line(f"e2e: ran the real Claude Code {version} ({program})")
