"""The context the Stop hook reads from a transcript's tail (print mode has no status line)."""

from __future__ import annotations

from pathlib import Path

from claude_tray.hooks.transcript_tail import TAIL_BYTES, tail_context
from tests.transcripts import ClaudeData, assistant, compact

NOW = 1795168800.0  # 2026-11-20T10:00:00Z


def test_the_latest_main_chain_response_or_a_newer_boundary(claude: ClaudeData) -> None:
    path = claude.write(
        "s",
        assistant("s", "2026-11-20T09:00:00Z", "m-1", input=10, cache_read=100_000),
        assistant("s", "2026-11-20T09:01:00Z", "m-2", input=5, cache_read=150_000, cache_write=7),
        assistant("s", "2026-11-20T09:02:00Z", "m-3", input=1, cache_read=9, sidechain=True),
        '{"type":"user","message":{"content":"not usage"}}',
        "{broken",
    )
    assert tail_context(str(path), NOW) == 150_012
    claude.append(path, compact("s", "2026-11-20T09:03:00Z", post=3_000))
    assert tail_context(str(path), NOW) == 3_000


def test_a_long_file_is_read_from_its_tail_only(claude: ClaudeData) -> None:
    filler = '{"type":"user","message":{"content":"' + "x" * 1000 + '"}}'
    path = claude.write(
        "s",
        assistant("s", "2026-11-20T09:00:00Z", "m-1", input=42),
        *[filler] * (2 * TAIL_BYTES // 1000),
    )
    assert tail_context(str(path), NOW) is None  # the response is beyond the tail
    claude.append(path, assistant("s", "2026-11-20T09:05:00Z", "m-2", input=43))
    assert tail_context(str(path), NOW) == 43


def test_nothing_to_read(tmp_path: Path) -> None:
    assert tail_context(str(tmp_path / "missing.jsonl"), NOW) is None
    assert tail_context(str(tmp_path), NOW) is None  # a folder, not a file


def test_a_line_nested_too_deeply_is_skipped_not_the_whole_tail(claude: ClaudeData) -> None:
    """A newer usage line nested past the JSON reader's recursion limit (a tool result of
    thousands of nested arrays) is skipped: the response before it still gives the context."""
    good = assistant("s", "2026-11-20T09:00:00Z", "m-1", input=7, cache_read=70)
    deep = (
        '{"type":"assistant","timestamp":"2026-11-20T09:01:00Z","message":{"usage":'
        '{"input_tokens":1},"content":' + "[" * 100_000 + "]" * 100_000 + "}}"
    )
    path = claude.write("s", good, deep)
    assert tail_context(str(path), NOW) == 77
