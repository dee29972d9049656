"""The mock Messages API answers as the real one does (over real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.mock_api import (
    AGENT_PROMPT,
    MockMessagesAPI,
    Usage,
    distinctive_usage,
)


@pytest.fixture
def api() -> Iterator[MockMessagesAPI]:
    with MockMessagesAPI() as server:
        yield server


def post(api: MockMessagesAPI, body: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    request = urllib.request.Request(
        f"{api.url}/v1/messages?beta=true",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read()


def sse(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for chunk in raw.decode().split("\n\n"):
        if not chunk.strip():
            continue
        name_line, data_line = chunk.split("\n")
        assert name_line.startswith("event: ") and data_line.startswith("data: ")
        events.append((name_line[len("event: ") :], json.loads(data_line[len("data: ") :])))
    return events


def user(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5-20250929",
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        "tools": [{"name": "Bash"}, {"name": "Agent"}],
        "max_tokens": 1000,
        **extra,
    }


def test_head_answers_200(api: MockMessagesAPI) -> None:
    request = urllib.request.Request(api.url + "/", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert api.heads == 1


def test_a_streamed_tool_call_has_the_real_event_sequence(api: MockMessagesAPI) -> None:
    headers, raw = post(api, user("please RUN_BASH", stream=True))
    assert headers["content-type"] == "text/event-stream"
    assert headers["request-id"] == "req_mock000001"
    events = sse(raw)
    assert [name for name, _ in events] == [
        "message_start",
        *["content_block_start", "content_block_delta", "content_block_stop"] * 2,
        "message_delta",
        "message_stop",
    ]
    start = events[0][1]["message"]
    assert start["id"] == "msg_mock000001" and start["model"] == "claude-sonnet-4-5-20250929"
    assert start["content"] == [] and start["usage"]["output_tokens"] == 1
    expected = distinctive_usage(1)
    assert start["usage"]["cache_read_input_tokens"] == expected.cache_read
    assert start["usage"]["cache_creation"]["ephemeral_1h_input_tokens"] == expected.cache_write_1h
    tool_start = events[4][1]["content_block"]
    assert tool_start["type"] == "tool_use" and tool_start["name"] == "Bash"
    assert events[5][1]["delta"]["type"] == "input_json_delta"
    assert json.loads(events[5][1]["delta"]["partial_json"])["command"].startswith("echo")
    delta = events[-2][1]
    assert delta["delta"]["stop_reason"] == "tool_use"
    assert delta["usage"]["output_tokens"] == expected.output_tokens
    [call] = api.snapshot()
    assert (call.kind, call.answer, call.usage, call.recorded) == ("main", "bash", expected, True)


def test_a_plain_answer_and_queued_usage(api: MockMessagesAPI) -> None:
    chosen = Usage(input_tokens=5, output_tokens=7, cache_write_5m=11, cache_read=183_000)
    api.next_usage(chosen)
    headers, raw = post(api, user("hello MULTI"))
    message = json.loads(raw)
    assert headers["request-id"] == "req_mock000001"
    assert [block["text"] for block in message["content"]] == [
        "First part.",
        "Second part.",
        "Third part.",
    ]
    assert message["usage"]["input_tokens"] == 5
    assert message["usage"]["cache_creation_input_tokens"] == 11
    assert chosen.prompt_tokens == 183_016
    _, raw = post(api, user("hello"))  # the queue is used up: distinctive figures again
    assert json.loads(raw)["usage"]["input_tokens"] == distinctive_usage(2).input_tokens


def test_kinds_of_request_are_recognised(api: MockMessagesAPI) -> None:
    post(api, user("start RUN_AGENT", stream=True))
    post(api, user(f"<system-reminder>x</system-reminder>\n{AGENT_PROMPT}", stream=True))
    follow = user("")
    follow["messages"][0]["content"] = [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]
    post(api, follow)
    post(
        api,
        {
            "model": "claude-sonnet-4-5-20250929",
            "system": "Generate a concise title for this coding session.",
            "messages": [{"role": "user", "content": "fix the login bug"}],
            "max_tokens": 100,
        },
    )
    post(
        api,
        user(
            "Your task is to create a detailed summary of the conversation so far, paying "
            "close attention to the user's explicit requests."
        ),
    )
    calls = api.snapshot()
    assert [(c.kind, c.answer) for c in calls] == [
        ("main", "agent"),
        ("subagent", "text"),
        ("tool-followup", "text"),
        ("title", "title"),
        ("compact", "summary"),
    ]
    assert [c.recorded for c in calls] == [True, True, True, False, False]
    first = calls[0]
    assert first.body["messages"][0]["content"][0]["text"] == "start RUN_AGENT"  # logged as sent


def test_a_queued_usage_waits_for_the_sessions_own_call(api: MockMessagesAPI) -> None:
    """The interactive client sends its title request when it likes (sometimes after the first
    prompt's Stop): a usage queued for the next prompt is not spent on it, nor on /compact."""
    chosen = Usage(input_tokens=4, output_tokens=9, cache_write_5m=996, cache_read=183_000)
    api.next_usage(chosen)
    post(
        api,
        {
            "model": "claude-haiku-4-5-20251001",
            "system": "Generate a concise title for this coding session.",
            "messages": [{"role": "user", "content": "hello"}],
            "max_tokens": 100,
        },
    )
    post(api, user("Your task is to create a detailed summary of the conversation so far."))
    post(api, user("fill the context"))
    assert [(c.kind, c.usage == chosen) for c in api.snapshot()] == [
        ("title", False),
        ("compact", False),
        ("main", True),
    ]
