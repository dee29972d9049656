"""Writing Claude Code transcripts for tests: real files, in the shapes Claude Code writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def project_folder(cwd: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in cwd)


def usage(
    input: int = 0,
    output: int = 0,
    cache_write: int = 0,
    cache_read: int = 0,
    write_1h: int | None = None,
    speed: str | None = None,
) -> dict[str, Any]:
    """A `message.usage` object; `write_1h` adds the 5m/1h split of newer builds."""
    data: dict[str, Any] = {
        "input_tokens": input,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "output_tokens": output,
    }
    if write_1h is not None:
        data["cache_creation"] = {
            "ephemeral_5m_input_tokens": cache_write - write_1h,
            "ephemeral_1h_input_tokens": write_1h,
        }
    if speed:
        data["speed"] = speed
    return data


def assistant(
    session: str,
    ts: str,
    message_id: str | None,
    model: str = "claude-opus-4-5",
    request_id: str | None = "auto",
    cwd: str = "/home/u/app",
    sidechain: bool = False,
    content: str = "text",
    **usage_args: Any,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "assistant",
        "sessionId": session,
        "cwd": cwd,
        "isSidechain": sidechain,
        "timestamp": ts,
        "uuid": f"u-{message_id}-{ts}",
        "version": "2.1.90",
        "message": {
            "id": message_id,
            "model": model,
            "role": "assistant",
            "content": [{"type": content}],
            "usage": usage(**usage_args),
        },
    }
    if message_id is None:
        del line["message"]["id"]
    if request_id == "auto":
        request_id = f"req-{message_id}"
    if request_id is not None:
        line["requestId"] = request_id
    return line


def user(session: str, ts: str, text: str = "hello", cwd: str = "/home/u/app") -> dict[str, Any]:
    return {
        "type": "user",
        "sessionId": session,
        "cwd": cwd,
        "timestamp": ts,
        "message": {"role": "user", "content": text},
    }


def compact(
    session: str, ts: str, post: int | None, pre: int = 180_000, cwd: str = "/home/u/app"
) -> dict[str, Any]:
    meta: dict[str, Any] = {"trigger": "auto", "preTokens": pre}
    if post is not None:
        meta["postTokens"] = post
    return {
        "type": "system",
        "subtype": "compact_boundary",
        "sessionId": session,
        "cwd": cwd,
        "timestamp": ts,
        "compactMetadata": meta,
    }


@dataclass
class ClaudeData:
    root: Path

    def transcript(self, session: str, cwd: str = "/home/u/app") -> Path:
        return self.root / "projects" / project_folder(cwd) / f"{session}.jsonl"

    def subagent(self, session: str, agent: str, cwd: str = "/home/u/app") -> Path:
        return (
            self.root
            / "projects"
            / project_folder(cwd)
            / session
            / "subagents"
            / f"agent-{agent}.jsonl"
        )

    def append(self, path: Path, *lines: dict[str, Any] | str | bytes) -> Path:
        """Append lines (objects are JSON-encoded; str/bytes are written as given, plus newline)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as handle:
            for line in lines:
                if isinstance(line, dict):
                    data = json.dumps(line, separators=(",", ":")).encode()  # as Claude Code writes
                elif isinstance(line, str):
                    data = line.encode()
                else:
                    data = line
                handle.write(data + b"\n")
        return path

    def write(
        self, session: str, *lines: dict[str, Any] | str | bytes, cwd: str = "/home/u/app"
    ) -> Path:
        return self.append(self.transcript(session, cwd), *lines)
