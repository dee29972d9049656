"""The tray's view model: icon look, title and menu for a snapshot."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from claude_tray.core.context import ContextSource
from claude_tray.core.snapshot import Snapshot
from claude_tray.core.view import TITLE_MAX, MenuEntry, TrayView, tray_view
from tests.tray_snapshots import NOW, Level, limit, line, options, session, snapshot, spend

LONG = "/home/u/" + "a-very-long-project-name-" * 8 + "tail"


def find(entries: tuple[MenuEntry, ...], text: str) -> MenuEntry:
    for entry in entries:
        if entry.text == text or entry.text.startswith(text):
            return entry
    raise AssertionError(f"no menu row {text!r} in {[e.text for e in entries]}")


def actions(entries: tuple[MenuEntry, ...]) -> list[str]:
    found = []
    for entry in entries:
        if entry.action:
            found.append(entry.action)
        found += actions(entry.children)
    return found


@pytest.mark.parametrize(
    ("percent", "look", "text"),
    [
        (12.0, "ok", "12"),
        (69.99, "ok", "69"),
        (70.0, "caution", "70"),
        (85.4, "warning", "85"),
        (90.0, "pause", "90"),
        (94.9, "pause", "94"),
        (95.0, "critical", "95"),
        (100.0, "critical", "100"),
        (250.0, "critical", "250"),
        (4321.0, "critical", "999"),
    ],
)
def test_icon_follows_the_most_urgent_session(percent: float, look: str, text: str) -> None:
    # The engine marks a session paused once it reaches the pause level.
    urgent = session(percent=percent, paused=percent >= 90)
    view = tray_view(snapshot(urgent, today=spend("today", 1.0, 10.0)), options())
    assert (view.icon.look, view.icon.text, view.icon.badge) == (look, text, None)
    assert len(view.icon.text or "") <= 3


def test_percent_can_be_switched_off() -> None:
    view = tray_view(snapshot(session(percent=72)), options(show_percent=False))
    assert view.icon.text is None
    assert view.icon.look == "caution"


def test_unknown_context_shows_no_number() -> None:
    view = tray_view(snapshot(session(percent=None)), options())
    assert (view.icon.look, view.icon.text) == ("ok", None)
    assert "context ?%" in view.menu[0].text


@pytest.mark.parametrize(
    ("today", "week", "month", "badge"),
    [
        (1.0, 1.0, 1.0, None),
        (8.0, 1.0, 1.0, "alert"),
        (10.5, 1.0, 1.0, "over"),
        (1.0, 45.0, 1.0, "alert"),
        (8.5, 51.0, 1.0, "over"),
    ],
)
def test_budget_badge(today: float, week: float, month: float, badge: str | None) -> None:
    snap = snapshot(
        session(percent=20),
        today=spend("today", today, 10.0),
        week=spend("week", week, 50.0),
        month=spend("month", month, None),
    )
    assert tray_view(snap, options()).icon.badge == badge


def test_budget_levels_colour_the_icon_when_sessions_are_calm() -> None:
    over = tray_view(snapshot(session(percent=20), today=spend("today", 11.0, 10.0)), options())
    assert (over.icon.look, over.icon.badge) == ("critical", "over")
    alert = tray_view(snapshot(session(percent=20), today=spend("today", 9.0, 10.0)), options())
    assert (alert.icon.look, alert.icon.badge) == ("warning", "alert")


def test_idle_when_no_session_is_active_but_budget_badge_stays() -> None:
    view = tray_view(snapshot(today=spend("today", 12.0, 10.0)), options())
    assert (view.icon.look, view.icon.text, view.icon.badge) == ("idle", None, "over")
    assert view.title.startswith("No active session · Today $12.00 of $10 (over)")
    assert view.menu[0].text == "No active session"
    reset = find(view.menu, "Reset session")
    assert reset.action == "reset-current" and not reset.enabled
    sessions = find(view.menu, "Sessions")
    assert [c.text for c in sessions.children] == ["No active session"]


def test_a_first_run_with_no_claude_data_is_a_welcome() -> None:
    view = tray_view(snapshot(data_found=False), options())
    assert (view.icon.look, view.icon.text) == ("idle", None)
    assert view.title.startswith("Welcome to claude-tray · ")
    assert view.menu[0] == MenuEntry(
        "Welcome to claude-tray: no Claude Code session yet", enabled=False
    )


def test_error_look_when_claude_data_cannot_be_read() -> None:
    problem = "CLAUDE_CONFIG_DIR names /nowhere, which does not exist."
    view = tray_view(snapshot(data_found=False), replace(options(), data_problem=problem))
    assert (view.icon.look, view.icon.text) == ("error", None)
    assert view.title == f"claude-tray: {problem}"
    assert view.menu[0].text.endswith(problem) and not view.menu[0].enabled


def test_menu_and_tooltip_say_how_far_the_history_is_read() -> None:
    reading = snapshot(session(percent=51))._replace(history_read=0.437)
    view = tray_view(reading, options())
    assert view.menu[2] == MenuEntry("Reading history… 43%", enabled=False)
    assert view.title.endswith(" · reading history… 43%")
    done = tray_view(snapshot(session(percent=51)), options())
    assert not any("Reading history" in e.text for e in done.menu)
    assert "reading history" not in done.title
    almost = tray_view(reading._replace(history_read=0.999), options())
    assert almost.menu[2].text == "Reading history… 99%"  # 100% only when it is all read


def test_summary_rows_act_or_are_information() -> None:
    """No row looks clickable and does nothing: the session row opens the session's submenu,
    today's cost opens the report, limits are greyed."""
    view = tray_view(snapshot(session(percent=72), limits=LIMITS), options())
    first, today = view.menu[0], view.menu[1]
    assert [c.text for c in first.children][-1] == "Reset session"
    assert first.children[-1].action == "reset:" + view_session_id(view)
    assert today.action == "open-report"
    assert not view.menu[2].enabled and not view.menu[3].enabled  # the plan limits
    idle = tray_view(snapshot(), options())
    assert idle.menu[0] == MenuEntry("No active session", enabled=False)

    def clickable_but_idle(entries: tuple[MenuEntry, ...]) -> list[str]:
        found = []
        for entry in entries:
            if entry.children:
                found += clickable_but_idle(entry.children)
            elif entry.enabled and entry.action is None and not entry.separator:
                found.append(entry.text)
        return found

    assert clickable_but_idle(view.menu[:4]) == []


def view_session_id(view: TrayView) -> str:
    sessions = next(e for e in view.menu if e.text == "Sessions")
    reset = sessions.children[0].children[-1]
    assert reset.action is not None
    return reset.action.split(":", 1)[1]


@pytest.mark.parametrize(
    ("snap", "expected"),
    [
        (snapshot(session(percent=72.4)), "Context 72% · app · Today $3.42 of $10"),
        (
            snapshot(session(percent=72.4, source=ContextSource.TRANSCRIPT)),
            "Context ~72% · app · Today $3.42 of $10",
        ),
        (
            snapshot(session(percent=91, paused=True), today=spend("today", 3.0)),
            "Context 91% paused · app · Today $3.00",
        ),
        (
            snapshot(session(percent=50), today=spend("today", 12.5, 12.5)),
            "Context 50% · app · Today $12.50 of $12.50 (alert)",
        ),
        (
            snapshot(session(percent=50), today=spend("today", 1.0, None, unpriced_tokens=5)),
            "Context 50% · app · Today $1.00?",
        ),
        (
            snapshot(session(percent=50, project=None)),
            "Context 50% · unknown project · Today $3.42 of $10",
        ),
    ],
)
def test_title(snap: Snapshot, expected: str) -> None:
    assert tray_view(snap, options()).title == expected


def test_title_mentions_paused_notifications() -> None:
    view = tray_view(snapshot(session(percent=10)), options(paused_until=NOW + 3600))
    assert view.title.endswith(" · notifications paused")
    earlier = tray_view(snapshot(session(percent=10)), options(paused_until=NOW - 1))
    assert "paused" not in earlier.title


@pytest.mark.parametrize("project", [LONG, "/x/" + "é" * 300, "/x/" + "&" * 200])
def test_title_never_longer_than_127(project: str) -> None:
    many = tuple(line(f"model-{i}", 1.0) for i in range(50))
    snap = snapshot(
        session(percent=99.5, project=project, paused=True),
        today=spend("today", 123456789.12, 987654321.5, by_model=many, unpriced_tokens=1),
    )
    view = tray_view(snap, options(paused_until=NOW + 60))
    assert len(view.title) <= TITLE_MAX
    assert view.title.startswith("Context 99% paused · ")
    assert "Today $123,456,789.12?" in view.title  # the project is shortened, not the money


def test_long_project_is_shortened_in_the_middle() -> None:
    view = tray_view(snapshot(session(percent=10, project=LONG)), options())
    project = view.title.split(" · ")[1]
    assert "…" in project and project.startswith("a-very") and project.endswith("tail")
    assert len(project) <= 32
    assert len(view.menu[0].text) < 80


def test_header_rows() -> None:
    view = tray_view(snapshot(session(percent=72.4, source=ContextSource.TRANSCRIPT)), options())
    assert view.menu[0].text == "app · Opus 4.5 · context ~72%" and view.menu[0].children
    assert view.menu[1] == MenuEntry("Today $3.42 of $10", "open-report")


def test_menu_structure() -> None:
    view = tray_view(snapshot(session(percent=50)), options(autostart=True))
    top = [e.text for e in view.menu if not e.separator]
    assert top == [
        "app · Opus 4.5 · context 50%",
        "Today $3.42 of $10",
        "Today's cost",
        "Sessions",
        "Reset session",
        "Pause notifications",
        "Open usage report",
        "Open config",
        "Start at login",
        "Refresh now",
        "About claude-tray",
        "Quit",
    ]
    assert find(view.menu, "Start at login").checked is True
    assert find(view.menu, "Start at login").action == "toggle-autostart"
    assert find(view.menu, "Open usage report").enabled is True  # the report always ships
    assert all(e.checked is None for e in view.menu if e.text != "Start at login")
    assert set(actions(view.menu)) == {
        "reset-current",
        "reset:11111111-aaaa-bbbb-cccc-000000000001",
        "pause-notifications:3600",
        "pause-notifications:tomorrow",
        "open-report",
        "open-config",
        "toggle-autostart",
        "refresh",
        "about",
        "quit",
    }


def test_report_and_autostart_options() -> None:
    view = tray_view(snapshot(), options(autostart=False))
    assert find(view.menu, "Open usage report").enabled is True
    assert find(view.menu, "Start at login").checked is False


def test_cost_submenu() -> None:
    today = spend(
        "today",
        3.42,
        10.0,
        by_model=(line("Opus 4.5", 3.0), line("Haiku 4.5", 0.42), line("mystery-1", None)),
        by_project=(line("app", 3.0), line("lib", 0.42)),
    )
    view = tray_view(snapshot(session(), today=today), options())
    rows = [e.text for e in find(view.menu, "Today's cost").children if not e.separator]
    assert rows == [
        "Today $3.42 of $10",
        "By model",
        "Opus 4.5  $3.00",
        "Haiku 4.5  $0.42",
        "mystery-1  ? (no price)",
        "By project",
        "app  $3.00",
        "lib  $0.42",
        "This week $20.00 of $50",
        "This month $80.00",
    ]


def test_cost_breakdown_sums_the_tail() -> None:
    projects = tuple(line(f"p{i}", float(20 - i)) for i in range(12))
    view = tray_view(snapshot(today=spend("today", 1, by_project=projects)), options())
    rows = [e.text for e in find(view.menu, "Today's cost").children]
    assert "p7  $13.00" in rows and "p8  $12.00" not in rows
    assert "4 more  $42.00" in rows  # 12 + 11 + 10 + 9


def test_sessions_submenu() -> None:
    first = session("aaaaaaaa-1", "/w/app", percent=91, paused=True, cost=5.0, since_reset=0.25)
    second = session(
        "bbbbbbbb-2",
        "/w/lib",
        "claude-sonnet-4-5",
        percent=30,
        source=ContextSource.TRANSCRIPT,
        since_reset=1.5,
    )
    view = tray_view(snapshot(first, second), options())
    children = find(view.menu, "Sessions").children
    assert [c.text for c in children] == [
        "app · Opus 4.5 · context 91% · paused · $0.25 since reset",
        "lib · Sonnet 4.5 · context ~30% · $1.50 since reset",
    ]
    details = children[1].children
    assert details[-1] == MenuEntry("Reset session", "reset:bbbbbbbb-2")
    texts = [d.text for d in details]
    assert "Context 60k of 200k tokens (~30%)" in texts
    assert "(estimated from the transcript)" in texts
    assert "Last activity 11:59" in texts
    assert "Session bbbbbbbb" in texts
    assert all(not d.enabled for d in details if d.action is None and not d.separator)
    assert "(estimated from the transcript)" not in [d.text for d in children[0].children]


def test_pause_notifications_submenu() -> None:
    running = find(tray_view(snapshot(), options()).menu, "Pause notifications")
    assert [(c.text, c.action) for c in running.children] == [
        ("For 1 hour", "pause-notifications:3600"),
        ("Until tomorrow", "pause-notifications:tomorrow"),
    ]
    paused = tray_view(snapshot(), options(paused_until=NOW + 3600)).menu
    entry = find(paused, "Notifications paused until 13:00")
    assert entry.children[0] == MenuEntry("Resume notifications", "resume-notifications")
    later = tray_view(snapshot(), options(paused_until=NOW + 86400)).menu
    assert find(later, "Notifications paused until Fri 12:00")


def test_view_is_pure_and_comparable() -> None:
    snap = snapshot(session(percent=72))
    first, second = tray_view(snap, options()), tray_view(snap, options())
    assert first == second and isinstance(first, TrayView)
    assert hash(first) == hash(second)
    assert tray_view(snapshot(session(percent=73)), options()) != first


def test_menu_texts_are_plain() -> None:
    snap = snapshot(session(project="/w/R&D <x>"))
    view = tray_view(snap, options())
    assert view.menu[0].text.startswith("R&D <x> · ")
    assert "R&D <x>" in view.title


def test_levels_round_down() -> None:
    snap = snapshot(session(percent=89.99, level=Level.WARNING))
    view = tray_view(snap, options())
    assert (view.icon.look, view.icon.text) == ("warning", "89")


def test_times_are_shown_in_the_options_timezone() -> None:
    tokyo = replace(options(paused_until=NOW + 3600), tz=ZoneInfo("Asia/Tokyo"))
    entry = find(tray_view(snapshot(), tokyo).menu, "Notifications paused until")
    assert entry.text == "Notifications paused until 22:00"


def test_pause_look_only_while_a_session_is_really_paused() -> None:
    paused = tray_view(snapshot(session(percent=92, paused=True)), options())
    assert (paused.icon.look, paused.icon.text) == ("pause", "92")
    # After "Reset session" at 92% the session is not paused: no pause mark, still high.
    reset = tray_view(snapshot(session(percent=92, paused=False)), options())
    assert (reset.icon.look, reset.icon.text) == ("warning", "92")
    # Climbing on to critical shows critical whether paused or not.
    critical = tray_view(snapshot(session(percent=96, paused=False)), options())
    assert critical.icon.look == "critical"


# --- Claude Code's plan limits (reported by its status line) -------------------------------

HOUR = 3600.0
LIMITS = (limit("five_hour", 40.6, 2.5 * HOUR), limit("seven_day", 12.0, 3 * 24 * HOUR))
"""NOW is Thursday 2026-01-01 12:00 UTC: the five-hour window resets at 14:30, the seven-day
one on Sunday 4 January."""


def test_plan_limits_are_rows_under_the_header() -> None:
    view = tray_view(snapshot(session(percent=72), limits=LIMITS), options())
    assert [e.text for e in view.menu[:5]] == [
        "app · Opus 4.5 · context 72%",
        "Today $3.42 of $10",
        "5h 40% · resets 14:30",
        "7d 12% · resets Sun 4 Jan",
        "",
    ]
    assert view.menu[4].separator
    assert view.menu[2].action is None and view.menu[3].action is None
    assert not view.menu[2].enabled and not view.menu[3].enabled


def test_no_plan_limit_rows_when_claude_code_reports_none() -> None:
    view = tray_view(snapshot(session(percent=72)), options())
    assert not any(e.text.startswith(("5h", "7d")) for e in view.menu)
    assert "5h" not in view.title and "7d" not in view.title


@pytest.mark.parametrize(
    ("resets_in", "shown"),
    [
        (0.5 * HOUR, "5h 40% · resets 12:30"),
        (20 * HOUR, "5h 40% · resets Fri 08:00"),  # tomorrow, within a day: weekday and time
        (24 * HOUR + 60, "5h 40% · resets Fri 2 Jan"),  # more than a day away: the date
        (None, "5h 40%"),  # no reset time reported: none shown, none guessed
    ],
)
def test_plan_limit_reset_times(resets_in: float | None, shown: str) -> None:
    snap = snapshot(limits=(limit("five_hour", 40.0, resets_in),))
    assert find(tray_view(snap, options()).menu, "5h").text == shown


def test_plan_limit_times_are_in_the_options_timezone() -> None:
    tokyo = replace(options(), tz=ZoneInfo("Asia/Tokyo"))  # NOW is 21:00 there
    snap = snapshot(limits=(limit("five_hour", 99.9, 3.5 * HOUR),))
    assert find(tray_view(snap, options()).menu, "5h").text == "5h 99% · resets 15:30"
    assert find(tray_view(snap, tokyo).menu, "5h").text == "5h 99% · resets Fri 00:30"


def test_plan_limits_in_the_title_when_there_is_room() -> None:
    view = tray_view(snapshot(session(percent=72), limits=LIMITS), options())
    assert view.title == (
        "Context 72% · app · Today $3.42 of $10 · 5h 40% · resets 14:30 · 7d 12% · resets Sun 4 Jan"
    )
    idle = tray_view(snapshot(limits=LIMITS[:1]), options())
    assert idle.title == "No active session · Today $3.42 of $10 · 5h 40% · resets 14:30"


def test_plan_limits_in_a_full_title_lose_their_reset_times_then_go() -> None:
    project = "/w/" + "p" * 32  # as long as a project is shown unshortened
    paused = options(paused_until=NOW + 60)
    view = tray_view(snapshot(session(percent=72, project=project), limits=LIMITS), paused)
    assert view.title == (
        f"Context 72% · {'p' * 32} · Today $3.42 of $10 · 5h 40% · 7d 12% · notifications paused"
    )
    big = spend("today", 123456789.12, 987654321.5, unpriced_tokens=1)
    without = tray_view(snapshot(session(percent=72, project=project), today=big), paused)
    full = tray_view(
        snapshot(session(percent=72, project=project), today=big, limits=LIMITS), paused
    )
    assert full.title == without.title  # no room even without the reset times: left out
    assert "5h" not in full.title and len(full.title) <= TITLE_MAX


@pytest.mark.parametrize("project", [LONG, "/x/" + "é" * 300])
def test_title_with_plan_limits_never_longer_than_127(project: str) -> None:
    snap = snapshot(session(percent=99.5, project=project, paused=True), limits=LIMITS)
    view = tray_view(snap, options(paused_until=NOW + 60))
    assert len(view.title) <= TITLE_MAX
    assert view.title.startswith("Context 99% paused · ")
    assert "Today $3.42 of $10" in view.title  # the budget is kept before the limits


def test_the_view_can_be_written_as_json() -> None:
    """The debug view file (`dataclasses.asdict`, which deep-copies every action id)."""
    import copy
    import dataclasses
    import json

    view = tray_view(snapshot(session(percent=72)), options())
    data = json.loads(json.dumps(dataclasses.asdict(view)))
    assert data["menu"][1]["action"] == "open-report"
    action = view.menu[0].children[-1].action
    assert action is not None and copy.deepcopy(action) == action
