"""A local stand-in for Anthropic's Messages API, for running the real Claude Code offline.

Only the model is faked: the real client sends its real requests to `ANTHROPIC_BASE_URL` and writes
its real transcripts from what this server answers. Every call gets distinctive usage figures (or
the ones a test queued with `next_usage`) and is logged with them, so a test knows the exact totals
that claude-tray must report.

What it answers:
- `HEAD /` (the client's connectivity check): 200.
- `POST /v1/messages` (with or without `?beta=true`): Server-Sent Events when the body says
  `"stream": true` (`message_start`, per block `content_block_start` / `content_block_delta` /
  `content_block_stop`, `message_delta`, `message_stop`), else one JSON message. Each answer has a
  `request-id` header, which Claude Code stores as the transcript line's `requestId`.

What it says depends on the latest user turn:
- a tool result -> a short text (the tool ran; the turn ends);
- the marker `RUN_BASH` -> a text block and a Bash tool call (`echo`), so the turn makes two calls;
- the marker `RUN_AGENT` -> an Agent (or Task, on older clients) tool call that starts a subagent;
- the marker `MULTI` -> three text blocks in one answer;
- anything else -> one text block.
The session-title request (no tools, asks for a title) and the `/compact` summarising request are
recognised and logged with their own `kind`; the summary answer is a text block.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASH_MARKER = "RUN_BASH"
AGENT_MARKER = "RUN_AGENT"
MULTI_MARKER = "MULTI"
AGENT_PROMPT = "Report the word subagent-done."
"""The subagent's task: carries no marker, so the subagent answers with text and ends."""


@dataclass(frozen=True)
class Usage:
    """The usage of one call, as the API reports it."""

    input_tokens: int
    output_tokens: int
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0

    @property
    def prompt_tokens(self) -> int:
        """What the call's context is: input + cache writes + cache reads (no output)."""
        return self.input_tokens + self.cache_write_5m + self.cache_write_1h + self.cache_read

    def api_json(self, output_tokens: int | None = None) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_write_5m + self.cache_write_1h,
            "cache_read_input_tokens": self.cache_read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.cache_write_5m,
                "ephemeral_1h_input_tokens": self.cache_write_1h,
            },
            "output_tokens": self.output_tokens if output_tokens is None else output_tokens,
            "service_tier": "standard",
        }


def distinctive_usage(n: int) -> Usage:
    """Usage figures for the n-th call (from 1): different per call and per field, so a call
    counted twice or dropped changes every total."""
    return Usage(
        input_tokens=3 + 7 * n,
        output_tokens=101 + 13 * n,
        cache_write_5m=1_009 + 211 * n,
        cache_write_1h=(37 * n) if n % 2 else 0,
        cache_read=4_001 + 977 * n,
    )


@dataclass
class Call:
    """One logged request and what was answered."""

    index: int
    kind: str  # "main" | "subagent" | "title" | "compact" | "tool-followup"
    model: str
    stream: bool
    request_id: str
    message_id: str
    usage: Usage
    prompt: str  # the latest user text (or tool result marker)
    answer: str  # what kind of answer: text / bash / agent / multi / summary / title
    body: dict[str, Any] = field(repr=False)

    @property
    def recorded(self) -> bool:
        """Whether Claude Code is expected to write this call into a transcript."""
        return self.kind not in ("title", "compact")


class MockMessagesAPI:
    """The server. Use as a context manager; `url` is its `ANTHROPIC_BASE_URL`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.heads = 0
        self._queued: deque[Usage] = deque()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MockMessagesAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_usage(self, usage: Usage) -> None:
        """The usage of the next call answered (queued: several calls take them in order).
        Session-title and `/compact` calls never take a queued usage: the interactive client
        sends its title request at a moment of its own (after the first prompt, sometimes after
        its Stop), and a usage meant for the session's context must not be spent on it."""
        with self._lock:
            self._queued.append(usage)

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    # -- answering ----------------------------------------------------------------------------

    def answer(self, body: dict[str, Any]) -> tuple[Call, list[dict[str, Any]], str]:
        """Log the request; the content blocks and stop reason to answer with."""
        kind, prompt = classify(body)
        blocks, stop, answer = _content_for(kind, prompt, body)
        with self._lock:
            n = next(self._counter)
            queued = self._queued and kind not in ("title", "compact")
            usage = self._queued.popleft() if queued else distinctive_usage(n)
            call = Call(
                index=n,
                kind=kind,
                model=str(body.get("model", "")),
                stream=bool(body.get("stream")),
                request_id=f"req_mock{n:06d}",
                message_id=f"msg_mock{n:06d}",
                usage=usage,
                prompt=prompt,
                answer=answer,
                body=body,
            )
            self.calls.append(call)
        return call, blocks, stop


def classify(body: dict[str, Any]) -> tuple[str, str]:
    """What kind of request this is, and the latest user text it carries."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    text = _text_of(last.get("content"))
    system = _text_of(body.get("system"))
    if _has_tool_result(last.get("content")):
        return "tool-followup", text
    if not body.get("tools") and "title" in (system + text).lower():
        return "title", text
    if "summary" in text.lower() and "conversation" in text.lower() and _is_compact(text):
        return "compact", text
    if AGENT_PROMPT in text:
        return "subagent", text
    return "main", text


def _is_compact(text: str) -> bool:
    lowered = text.lower()
    return "detailed summary" in lowered or "summarize" in lowered or "summarise" in lowered


def _text_of(content: Any) -> str:
    """The text of a message's content or of a system prompt (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])
        return "\n".join(parts)
    return ""


def _has_tool_result(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(block, dict) and block.get("type") == "tool_result" for block in content
    )


def _tool_names(body: dict[str, Any]) -> set[str]:
    return {str(tool.get("name")) for tool in body.get("tools") or [] if isinstance(tool, dict)}


def _content_for(
    kind: str, prompt: str, body: dict[str, Any]
) -> tuple[list[dict[str, Any]], str, str]:
    def text(value: str) -> dict[str, Any]:
        return {"type": "text", "text": value}

    if kind == "title":
        return [text('{"title": "Mock session"}')], "end_turn", "title"
    if kind == "compact":
        return [text("<summary>The user ran mock turns.</summary>")], "end_turn", "summary"
    if kind in ("tool-followup", "subagent"):
        return (
            [text("subagent-done" if kind == "subagent" else "The tool ran.")],
            "end_turn",
            "text",
        )
    if AGENT_MARKER in prompt:
        tool = "Agent" if "Agent" in _tool_names(body) else "Task"
        call = {
            "type": "tool_use",
            "id": "toolu_agent01",
            "name": tool,
            "input": {
                "description": "Mock subagent",
                "prompt": AGENT_PROMPT,
                "subagent_type": "general-purpose",
            },
        }
        return [text("Starting a subagent."), call], "tool_use", "agent"
    if BASH_MARKER in prompt:
        call = {
            "type": "tool_use",
            "id": "toolu_bash01",
            "name": "Bash",
            "input": {"command": "echo mock-bash-ran", "description": "Print a word"},
        }
        return [text("Running a command."), call], "tool_use", "bash"
    if MULTI_MARKER in prompt:
        blocks = [text("First part."), text("Second part."), text("Third part.")]
        return blocks, "end_turn", "multi"
    return [text("Hello from the mock.")], "end_turn", "text"


def _handler_for(api: MockMessagesAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            api.heads += 1
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._json(404, {"type": "error", "error": {"type": "not_found_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            if not self.path.split("?")[0].endswith("/v1/messages"):
                self._json(404, {"type": "error", "error": {"type": "not_found_error"}})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._json(400, {"type": "error", "error": {"type": "invalid_request_error"}})
                return
            call, blocks, stop = api.answer(body)
            if call.stream:
                self._stream(call, blocks, stop)
            else:
                message = _message(call, blocks, stop)
                self._json(200, message, request_id=call.request_id)

        def _json(self, status: int, data: Any, request_id: str = "req_mock_error") -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("request-id", request_id)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, call: Call, blocks: list[dict[str, Any]], stop: str) -> None:
            events = list(sse_events(call, blocks, stop))
            payload = "".join(
                f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.send_header("request-id", call.request_id)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _message(call: Call, blocks: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "id": call.message_id,
        "type": "message",
        "role": "assistant",
        "model": call.model,
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": call.usage.api_json(),
    }


def sse_events(
    call: Call, blocks: list[dict[str, Any]], stop: str
) -> list[tuple[str, dict[str, Any]]]:
    """The event sequence of a streamed answer, as the real API sends it. `message_start` carries
    the prompt figures and a placeholder output count; `message_delta` the final output count."""
    start = _message(call, [], stop)
    start["stop_reason"] = None
    start["usage"] = call.usage.api_json(output_tokens=1)
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for i, block in enumerate(blocks):
        if block["type"] == "tool_use":
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            opening = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": i, "content_block": opening},
            )
        )
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta})
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": call.usage.output_tokens},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events
