"""The real Claude Code, interactive (in tmux), with `claude-tray hooks install`: our status line
shows, its context reaches `sessions --json`, the pause refuses prompts (typed, and from print
mode), `/compact` lifts it, `claude-tray reset` lifts it, SessionEnd closes the session, and the
real client ran our hook on every event we listen to."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from claude_tray.core.tokens import Tokens
from claude_tray.core.unrecorded import compaction_call, title_call
from claude_tray.hooks.install import HOOK_EVENTS
from tests.e2e.client import Sandbox
from tests.e2e.expect import cost_of
from tests.e2e.mock_api import Call, MockMessagesAPI, Usage
from tests.e2e.terminal import Terminal, state_file

PAUSED = "Paused by claude-tray"
FULL = Usage(input_tokens=4, output_tokens=9, cache_write_5m=996, cache_read=183_000)
"""184,000 prompt tokens: 92% of a 200k window, past the pause level (90%)."""


@pytest.fixture
def terminal(sandbox: Sandbox) -> Any:
    sandbox.tray("hooks", "install")
    running = Terminal(sandbox)
    yield running
    running.close()


def state(sandbox: Sandbox, session_id: str) -> dict[str, Any]:
    try:
        return json.loads(state_file(sandbox, session_id).read_text())  # type: ignore[no-any-return]
    except (FileNotFoundError, ValueError):
        return {}


def only_session(sandbox: Sandbox) -> str | None:
    folder = sandbox.tray_home / "state" / "sessions"
    found = sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []
    return found[0] if len(found) == 1 else None


def our_line(terminal: Terminal) -> tuple[int, bool] | None:
    """The context % and paused mark of our status line (`Sonnet 4.5 · ctx 92% · paused`)."""
    screen = terminal.screen(history=False)
    found = re.findall(r"Sonnet 4\.5 · ctx (\d+)%( · paused)?", screen)
    if not found:
        return None
    percent, paused = found[-1]
    return int(percent), bool(paused)


def events(sandbox: Sandbox, sid: str, name: str) -> int:
    return int(state(sandbox, sid).get("events", {}).get(name, 0))


def turn(terminal: Terminal, sandbox: Sandbox, sid: str, prompt: str, ends_with: str) -> None:
    """Type a prompt and wait until Claude Code ran our hook on the event that ends it."""
    before = events(sandbox, sid, ends_with)
    terminal.type(prompt)
    terminal.wait(lambda: events(sandbox, sid, ends_with) > before, f"{ends_with} after {prompt!r}")


def priced(tokens: Tokens | None, family: str) -> float:
    assert tokens is not None
    usage = Usage(
        tokens.input, tokens.output, tokens.cache_write_5m, tokens.cache_write_1h, tokens.cache_read
    )
    return cost_of(usage, family)


def new_calls(api: MockMessagesAPI, since: int) -> list[Call]:
    return api.snapshot()[since:]


def test_status_line_pause_compact_reset_and_end(
    sandbox: Sandbox, api: MockMessagesAPI, terminal: Terminal
) -> None:
    sid = terminal.wait(lambda: only_session(sandbox), "SessionStart ran our hook")

    turn(terminal, sandbox, sid, "hello MULTI", "Stop")
    terminal.wait_text("Third part.")
    first = next(c for c in api.snapshot() if c.kind == "main")
    expected_pct = round(first.usage.prompt_tokens / 2000)
    shown = terminal.wait(lambda: our_line(terminal), "our status line")
    assert abs(shown[0] - expected_pct) <= 1 and not shown[1]

    def session_json() -> dict[str, Any] | None:
        for s in sandbox.tray_json("sessions")["sessions"]:
            if s["sessionId"] == sid and s["contextSource"] == "statusline":
                return s  # type: ignore[no-any-return]
        return None

    shown_session = terminal.wait(session_json, "status line data in sessions --json")
    assert shown_session["contextTokens"] == first.usage.prompt_tokens
    assert shown_session["contextWindow"] == 200_000
    # Claude Code's own cost reaches sessions --json; it also counts the session-title call,
    # which no transcript records (a Haiku call; 2.1.90 prices 1-hour cache writes at the 5-minute
    # rate, so only 2.1.197's figure is compared to the cent).
    everything = sum(cost_of(c.usage, c.model) for c in api.snapshot())
    assert [c.kind for c in api.snapshot()] in (["title", "main"], ["main", "title"])

    def claude_code_cost() -> float | None:
        session = session_json()
        cost = session and session["claudeCodeCostUSD"]
        if cost and (sandbox.client.version == "2.1.90" or abs(cost - everything) < 1e-9):
            return cost  # type: ignore[no-any-return]
        return None

    reported = terminal.wait(claude_code_cost, "Claude Code's cost in sessions --json")
    assert reported > shown_session["cost"] == pytest.approx(cost_of(first.usage), abs=1e-9)

    # Driven to 92%: our line says paused, and a typed prompt is refused with our message.
    api.next_usage(FULL)
    turn(terminal, sandbox, sid, "fill the context", "Stop")
    terminal.wait(lambda: (our_line(terminal) or (0, False))[1], "paused on our line")
    assert our_line(terminal) == (92, True)
    before = len(api.snapshot())
    turn(terminal, sandbox, sid, "refuse me", "UserPromptSubmit")
    terminal.wait_text(PAUSED)
    assert new_calls(api, before) == []

    # /compact lifts the pause; the next prompt reaches the mock.
    turn(terminal, sandbox, sid, "/compact", "PostCompact")
    terminal.wait(
        lambda: state(sandbox, sid).get("pause", {}).get("lifted") == "compacted", "pause lifted"
    )
    compact = [c for c in api.snapshot() if c.kind == "compact"]
    assert len(compact) == 1
    turn(terminal, sandbox, sid, "after compact", "Stop")
    terminal.wait(
        lambda: any(c.kind == "main" and "after compact" in c.prompt for c in api.snapshot()),
        "the prompt after /compact reached the mock",
    )

    # At 92% again; the session ends (SessionEnd), and print mode is refused too.
    api.next_usage(FULL)
    turn(terminal, sandbox, sid, "fill it again", "Stop")
    # (the state file, not the screen: 2.1.90 can draw its own text over the end of our line)
    terminal.wait(
        lambda: state(sandbox, sid).get("pause", {}).get("paused") is True, "paused again"
    )
    terminal.type("/exit")
    ended = terminal.wait(lambda: state(sandbox, sid).get("ended_at"), "SessionEnd ran our hook")
    assert ended
    [closed] = [s for s in sandbox.tray_json("sessions")["sessions"] if s["sessionId"] == sid]
    assert closed["paused"] is True

    before = len(api.snapshot())
    refused = sandbox.claude_print("from print mode", "--resume", sid)
    assert refused.code == 0  # print mode exits 0 even when our hook refused the prompt
    if sandbox.client.version == "2.1.90":  # its JSON has an empty result; the reason is
        assert PAUSED not in refused.stdout  # only in the transcript (a system line)
        assert any(PAUSED in str(line.get("content")) for line in sandbox.transcript_lines())
    else:
        assert PAUSED in refused.result["result"]
    assert new_calls(api, before) == []

    sandbox.tray("reset", sid)
    passed = sandbox.claude_print("after reset", "--resume", sid)
    assert passed.code == 0 and PAUSED not in passed.stdout
    after = new_calls(api, before)
    # At 92% an older client auto-compacts first (a summarising call before the prompt's), and
    # 2.1.90 then sends the summary's continuation without the new prompt (seen; not ours).
    assert [c.kind for c in after if c.kind != "compact"] == ["main"]
    if sandbox.client.version != "2.1.90":
        assert after[-1].prompt.endswith("after reset")

    # The calls no transcript records: shown as their own estimate, from the transcript's signs.
    lines = sandbox.transcript_lines()
    written = {line.get("requestId") for line in lines}
    compactions = [c for c in api.snapshot() if c.kind == "compact"]
    boundaries = list(  # a resumed session's file repeats earlier lines
        {
            (line["timestamp"], line["compactMetadata"]["preTokens"]): line["compactMetadata"]
            for line in lines
            if line.get("subtype") == "compact_boundary"
        }.values()
    )
    assert len(compactions) == len(boundaries) >= 1
    shown = {s["sessionId"]: s for s in sandbox.tray_json("sessions")["sessions"]}[sid]
    if sandbox.client.version == "2.1.90":  # it records the summarising call in a sidechain
        assert {c.request_id for c in compactions} <= written
        assert "postTokens" not in boundaries[0]
        assert shown["unrecordedEstimateUSD"] == 0.0
    else:
        assert (
            not {
                c.request_id for c in compactions + [c for c in api.snapshot() if c.kind == "title"]
            }
            & written
        )
        estimate = priced(title_call(), "claude-haiku-4-5") + sum(
            priced(compaction_call(b["preTokens"], b["postTokens"]), "claude-sonnet-4-5")
            for b in boundaries
        )
        assert shown["unrecordedEstimateUSD"] == pytest.approx(estimate, abs=1e-9)
    recorded = sum(cost_of(c.usage, c.model) for c in api.snapshot() if c.request_id in written)
    assert shown["cost"] == pytest.approx(recorded, abs=1e-9)

    events = state(sandbox, sid)["events"]
    assert {name: events.get(name, 0) >= 1 for name in HOOK_EVENTS} == dict.fromkeys(
        HOOK_EVENTS, True
    )
