"""Notification decisions: hysteresis per session and per budget period, the notification pause,
the texts, and the memory that survives a restart (stored for real in the tray's state file)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from claude_tray.core.alerts import (
    FORGET_AFTER,
    AlertMemory,
    AlertRules,
    acknowledge_reset,
    decide,
    fire_once,
    pause_notifications,
    rearm,
)
from claude_tray.core.context import ContextSource
from claude_tray.core.levels import BudgetLevel, Level, Thresholds, budget_level, level_for
from claude_tray.core.periods import Period
from claude_tray.core.snapshot import PlanLimit, SessionState, Snapshot, Spend
from claude_tray.core.tokens import Tokens
from claude_tray.storage.paths import app_paths
from claude_tray.storage.tray_state import load_tray_state, save_tray_state

THRESHOLDS = Thresholds()  # 70 / 85 / 90 / 95
RULES = AlertRules(THRESHOLDS, rearm_margin=5.0)
T0 = 1_775_000_000.0
DAY = date(2026, 4, 1)


def session(
    pct: float | None,
    sid: str = "s1",
    project: str = "/home/u/app",
    model: str | None = "Opus 4.5",
    paused: bool = False,
    gated: bool = True,
) -> SessionState:
    tokens = None if pct is None else int(pct * 2000)
    return SessionState(
        session_id=sid,
        project=project,
        model="claude-opus-4-5",
        model_name=model,
        context_tokens=tokens,
        context_window=200_000,
        context_percent=pct,
        context_source=ContextSource.TRANSCRIPT,
        level=level_for(pct, THRESHOLDS),
        last_activity=T0,
        cost=1.0,
        unpriced_tokens=0,
        cost_since_reset=1.0,
        pause_mark=paused,
        active=True,
        gated=gated,
    )


def spend(name: str, cost: float, budget: float | None, first: date = DAY) -> Spend:
    period = Period(first, first, 0.0, 86400.0)
    return Spend(
        name=name,
        period=period,
        tokens=Tokens(),
        cost=cost,
        unpriced_tokens=0,
        budget=budget,
        level=budget_level(cost, budget, 0.8),
    )


def snap(
    *sessions: SessionState,
    today: Spend | None = None,
    week: Spend | None = None,
    month: Spend | None = None,
    limits: tuple[PlanLimit, ...] = (),
) -> Snapshot:
    return Snapshot(
        taken_at=T0,
        today=today or spend("today", 0.0, None),
        week=week or spend("week", 0.0, None),
        month=month or spend("month", 0.0, None),
        sessions=tuple(sessions),
        data_found=True,
        limits=limits,
    )


def run(
    steps: list[float | None], rules: AlertRules = RULES, memory: AlertMemory | None = None
) -> tuple[list[list[str]], AlertMemory]:
    """Feed the percentages one snapshot at a time; the levels notified at each step."""
    memory = memory or AlertMemory()
    fired: list[list[str]] = []
    for i, pct in enumerate(steps):
        decision = decide(memory, snap(session(pct)), rules, T0 + i)
        memory = decision.memory
        fired.append([n.key.rsplit(":", 1)[1] for n in decision.send])
    return fired, memory


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # a climb seen step by step: each level once
        ([50, 72, 87, 92, 96], [[], ["caution"], ["warning"], ["pause"], ["critical"]]),
        # a jump seen in one snapshot: only the highest level reached
        ([50, 92], [[], ["pause"]]),
        ([50, 99], [[], ["critical"]]),
        # staying at a level, or wobbling inside the margin: nothing more
        ([72, 73, 71, 69, 66, 70], [["caution"], [], [], [], [], []]),
        # falling below start - margin (70 - 5) re-arms; climbing back fires again
        ([72, 64, 71], [["caution"], [], ["caution"]]),
        # a /compact from 92 to 30 re-arms everything; the next climb notifies again
        ([92, 30, 88], [["pause"], [], ["warning"]]),
        # 84 is below warning's start (85) but not by the margin: warning stays notified
        ([87, 84, 86], [["warning"], [], []]),
        ([87, 79.9, 86], [["warning"], [], ["warning"]]),
        # unknown context neither fires nor re-arms
        ([72, None, 72], [["caution"], [], []]),
    ],
)
def test_session_hysteresis(steps: list[float | None], expected: list[list[str]]) -> None:
    fired, _ = run(steps)
    assert fired == expected


def test_a_jump_counts_the_levels_it_passed_as_notified() -> None:
    _, memory = run([50, 92])
    assert memory.sessions["s1"].fired == ["caution", "warning", "pause"]
    fired, _ = run([93, 96], memory=memory)
    assert fired == [[], ["critical"]]


def test_each_session_has_its_own_memory() -> None:
    memory = AlertMemory()
    first = decide(memory, snap(session(72, "a"), session(50, "b")), RULES, T0)
    second = decide(first.memory, snap(session(72, "a"), session(72, "b")), RULES, T0 + 1)
    assert [n.key for n in first.send] == ["session:a:caution"]
    assert [n.key for n in second.send] == ["session:b:caution"]


def test_reset_rearms_only_the_levels_above_the_one_reset_at() -> None:
    _, memory = run([72, 87, 92, 96])  # caution, warning, pause, critical all notified
    memory.sessions["s1"].fired = ["caution", "warning", "pause"]  # say it had stopped at 92
    memory = acknowledge_reset(memory, "s1", Level.WARNING, T0 + 10)
    assert memory.sessions["s1"].fired == ["caution", "warning"]
    fired, memory = run([92, 92], memory=memory)
    assert fired == [["pause"], []]
    # the same reset seen again (a restart, another pass) does not re-arm twice
    again = acknowledge_reset(memory, "s1", Level.WARNING, T0 + 10)
    assert again.sessions["s1"].fired == memory.sessions["s1"].fired


def test_old_sessions_are_forgotten_and_recent_ones_kept() -> None:
    _, memory = run([72])
    later = decide(memory, snap(), RULES, T0 + FORGET_AFTER - 10).memory
    assert "s1" in later.sessions
    much_later = decide(memory, snap(), RULES, T0 + FORGET_AFTER + 10).memory
    assert "s1" not in much_later.sessions


def test_decide_does_not_change_the_memory_it_is_given() -> None:
    memory = AlertMemory()
    decide(memory, snap(session(92)), RULES, T0)
    assert memory == AlertMemory()


# --- budgets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        ([1.0, 8.5, 9.0, 10.5, 12.0], [[], ["alert"], [], ["over"], []]),
        ([1.0, 10.5], [[], ["over"]]),  # past the budget in one step: only "over"
        ([8.0, 8.0, 8.0], [["alert"], [], []]),  # exactly the alert fraction alerts, once
        ([10.0], [["alert"]]),  # at the budget is not over it
    ],
)
def test_daily_budget_once_per_period(costs: list[float], expected: list[list[str]]) -> None:
    memory = AlertMemory()
    fired = []
    for i, cost in enumerate(costs):
        decision = decide(memory, snap(today=spend("today", cost, 10.0)), RULES, T0 + i)
        memory = decision.memory
        fired.append([n.key.rsplit(":", 1)[1] for n in decision.send])
    assert fired == expected


def test_a_new_period_starts_afresh_and_each_budget_is_its_own() -> None:
    memory = AlertMemory()
    day1 = decide(
        memory, snap(today=spend("today", 11.0, 10.0), week=spend("week", 11.0, 50.0)), RULES, T0
    )
    assert [n.key for n in day1.send] == ["budget:today:over"]
    same_day = decide(
        day1.memory,
        snap(today=spend("today", 12.0, 10.0), week=spend("week", 41.0, 50.0)),
        RULES,
        T0 + 1,
    )
    assert [n.key for n in same_day.send] == ["budget:week:alert"]
    next_day = spend("today", 9.0, 10.0, first=DAY + timedelta(days=1))
    day2 = decide(
        same_day.memory, snap(today=next_day, week=spend("week", 42.0, 50.0)), RULES, T0 + 86400
    )
    assert [n.key for n in day2.send] == ["budget:today:alert"]


def test_a_changed_budget_amount_starts_afresh() -> None:
    memory = decide(AlertMemory(), snap(today=spend("today", 11.0, 10.0)), RULES, T0).memory
    raised = decide(memory, snap(today=spend("today", 11.0, 20.0)), RULES, T0 + 1)
    assert raised.send == ()
    climbed = decide(raised.memory, snap(today=spend("today", 16.5, 20.0)), RULES, T0 + 2)
    assert [n.key for n in climbed.send] == ["budget:today:alert"]


def test_no_budget_no_notification() -> None:
    decision = decide(AlertMemory(), snap(today=spend("today", 1e6, None)), RULES, T0)
    assert decision.send == () and "today" not in decision.memory.budgets


# --- Claude Code's plan limits ---------------------------------------------------------------

FIVE_HOURS = 5 * 3600.0
WINDOW_END = T0 + 4 * 3600.0


def plan(used: float, resets_at: float | None = WINDOW_END, name: str = "five_hour") -> PlanLimit:
    return PlanLimit(used, resets_at, T0, name)


def run_limits(
    steps: list[tuple[PlanLimit, ...]], rules: AlertRules = RULES, memory: AlertMemory | None = None
) -> tuple[list[list[str]], AlertMemory]:
    """Feed the limits one snapshot at a time; the `<name>:<threshold>` notified at each step."""
    memory = memory or AlertMemory()
    fired: list[list[str]] = []
    for i, limits in enumerate(steps):
        decision = decide(memory, snap(limits=limits), rules, T0 + i)
        memory = decision.memory
        fired.append([n.key.split(":", 1)[1] for n in decision.send])
    return fired, memory


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        # a climb: each threshold once in the window
        ([50, 80, 85, 95, 99], [[], ["five_hour:80"], [], ["five_hour:95"], []]),
        # a jump past both: one notification, for the highest
        ([50, 97, 99], [[], ["five_hour:95"], []]),
        # just below a threshold is not at it
        ([79.99, 94.99], [[], ["five_hour:80"]]),
        # a lower report within the same window does not re-arm
        ([82, 60, 83], [["five_hour:80"], [], []]),
    ],
)
def test_plan_limit_thresholds_once_per_window(
    used: list[float], expected: list[list[str]]
) -> None:
    fired, _ = run_limits([(plan(u),) for u in used])
    assert fired == expected


def test_a_jump_counts_the_thresholds_it_passed_as_notified() -> None:
    _, memory = run_limits([(plan(97),)])
    assert memory.limits["five_hour"].fired == [80.0, 95.0]
    assert memory.limits["five_hour"].resets_at == WINDOW_END


def test_the_next_window_rearms_the_thresholds() -> None:
    nxt = WINDOW_END + FIVE_HOURS
    fired, memory = run_limits(
        [
            (plan(96),),
            (plan(97, WINDOW_END + 30),),  # the same reset, reported a little differently
            (plan(81, nxt),),  # a new window
            (plan(90, nxt),),
            (plan(96, nxt),),
        ]
    )
    assert fired == [["five_hour:95"], [], ["five_hour:80"], [], ["five_hour:95"]]
    assert memory.limits["five_hour"].resets_at == nxt


def test_each_limit_has_its_own_thresholds() -> None:
    week_end = T0 + 5 * 86400
    fired, memory = run_limits(
        [
            (plan(85), plan(40, week_end, "seven_day")),
            (plan(86), plan(81, week_end, "seven_day")),
        ]
    )
    assert fired == [["five_hour:80"], ["seven_day:80"]]
    assert set(memory.limits) == {"five_hour", "seven_day"}


def test_configured_thresholds() -> None:
    rules = replace(RULES, limit_thresholds=(50.0, 75.0, 90.0))
    fired, _ = run_limits([(plan(49),), (plan(55),), (plan(80),), (plan(85),)], rules)
    assert fired == [[], ["five_hour:50"], ["five_hour:75"], []]
    off = replace(RULES, limit_thresholds=())
    assert run_limits([(plan(99),)], off)[0] == [[]]


def test_no_plan_limits_no_notification_and_nothing_remembered() -> None:
    decision = decide(AlertMemory(), snap(session(10)), RULES, T0)
    assert decision.send == () and decision.memory.limits == {}


def test_a_window_that_has_reset_is_forgotten() -> None:
    _, memory = run_limits([(plan(85),)])
    assert "five_hour" in memory.limits
    later = decide(memory, snap(), RULES, WINDOW_END + 3600).memory
    assert later.limits == {}


def test_paused_notifications_drop_plan_limit_alerts_too() -> None:
    memory = pause_notifications(AlertMemory(), T0 + 600)
    during = decide(memory, snap(limits=(plan(85),)), RULES, T0 + 10)
    assert during.send == ()
    assert [n.key for n in during.suppressed] == ["limit:five_hour:80"]
    after = decide(during.memory, snap(limits=(plan(86),)), RULES, T0 + 700)
    assert after.send == () and after.suppressed == ()
    climbed = decide(after.memory, snap(limits=(plan(95),)), RULES, T0 + 701)
    assert [n.key for n in climbed.send] == ["limit:five_hour:95"]


def test_plan_limit_texts() -> None:
    berlin = replace(RULES, tz=ZoneInfo("Europe/Berlin"))  # T0 is Wed 1 Apr 01:33 there
    at_0530 = T0 + 14_200  # 05:30 in Berlin, Wed 03:30 in UTC
    notice = decide(AlertMemory(), snap(limits=(plan(82.7, at_0530),)), berlin, T0).send[0]
    assert notice.title == "Claude plan: 5-hour limit at 82% — resets 05:30"
    assert "82%" in notice.body and "05:30" in notice.body
    utc = decide(AlertMemory(), snap(limits=(plan(82.7, at_0530),)), RULES, T0).send[0]
    assert utc.title == "Claude plan: 5-hour limit at 82% — resets Wed 03:30"
    week = plan(96, T0 + 5 * 86400, "seven_day")
    weekly = decide(AlertMemory(), snap(limits=(week,)), berlin, T0).send[0]
    assert weekly.title == "Claude plan: 7-day limit at 96% — resets Mon 6 Apr"
    unknown = decide(AlertMemory(), snap(limits=(plan(90, None),)), RULES, T0).send[0]
    assert unknown.title == "Claude plan: 5-hour limit at 90%"


def test_plan_limit_memory_survives_a_restart() -> None:
    paths = app_paths()
    first = decide(AlertMemory(), snap(limits=(plan(85),)), RULES, T0)
    assert len(first.send) == 1
    save_tray_state(paths, first.memory)
    stored = json.loads(paths.tray_state.read_text())
    assert stored["limits"] == {"five_hour": {"resets_at": WINDOW_END, "fired": [80.0]}}
    restarted = load_tray_state(paths)
    assert restarted == first.memory
    again = decide(restarted, snap(limits=(plan(88),)), RULES, T0 + 100)
    assert again.send == () and again.suppressed == ()


def test_a_memory_without_plan_limits_still_loads() -> None:
    """A file written before plan limits were remembered."""
    paths = app_paths()
    paths.tray_state.parent.mkdir(parents=True)
    paths.tray_state.write_text('{"version": 1, "sessions": {}, "quiet_until": 5.0}')
    assert load_tray_state(paths) == AlertMemory(quiet_until=5.0)


# --- unreadable data ------------------------------------------------------------------------


def test_unreadable_data_notifies_once_and_rearms_when_readable_again() -> None:
    keys = []
    memory = AlertMemory()
    for problem, full in [
        ("gone", True),
        ("gone", True),
        (None, False),
        ("gone", True),
        (None, True),
        ("gone", True),
    ]:
        decision = decide(memory, snap(), RULES, T0, data_problem=problem, full_pass=full)
        memory = decision.memory
        keys.append([n.key for n in decision.send])
    # a partial pass (None, False) judges nothing; a readable full pass re-arms
    assert keys == [["data"], [], [], [], [], ["data"]]


# --- pausing notifications ------------------------------------------------------------------


def test_paused_notifications_are_recorded_not_sent_and_not_sent_later() -> None:
    memory = pause_notifications(AlertMemory(), T0 + 3600)
    during = decide(memory, snap(session(92)), RULES, T0 + 10)
    assert during.send == ()
    assert [n.key for n in during.suppressed] == ["session:s1:pause"]
    after = decide(during.memory, snap(session(93)), RULES, T0 + 3601)
    assert after.send == () and after.suppressed == ()
    assert after.memory.quiet_until is None  # the pause ended and is forgotten
    climbed = decide(after.memory, snap(session(96)), RULES, T0 + 3602)
    assert [n.key for n in climbed.send] == ["session:s1:critical"]


def test_notifications_off_in_the_config_send_nothing() -> None:
    rules = AlertRules(THRESHOLDS, 5.0, enabled=False)
    decision = decide(AlertMemory(), snap(session(92), today=spend("today", 11, 10)), rules, T0)
    assert decision.send == ()
    assert len(decision.suppressed) == 2


# --- texts ----------------------------------------------------------------------------------


def test_texts_name_the_project_the_model_and_the_numbers() -> None:
    fired = decide(AlertMemory(), snap(session(91.7)), RULES, T0).send
    assert fired[0].title == "app · Opus 4.5: context 91% — auto-paused"
    assert "/compact or /clear" in fired[0].body and "Reset session" in fired[0].body
    caution = decide(AlertMemory(), snap(session(72)), RULES, T0).send[0]
    assert caution.title == "app · Opus 4.5: context 72% — caution"
    assert "144k of 200k tokens" in caution.body and "90%" in caution.body
    unknown_model = decide(AlertMemory(), snap(session(87, model=None)), RULES, T0).send[0]
    assert unknown_model.title == "app: context 87% — warning"
    budget = decide(AlertMemory(), snap(today=spend("today", 8.12, 10)), RULES, T0).send[0]
    assert budget.title == "Today's cost $8.12 — 81% of the $10 budget"
    assert budget.body == "$1.88 left for today."
    over = decide(AlertMemory(), snap(week=spend("week", 52.5, 50)), RULES, T0).send[0]
    assert over.title == "This week's cost $52.50 — over the $50 budget"


def test_paused_is_said_only_when_the_gate_enforces_it() -> None:
    paused = decide(AlertMemory(), snap(session(92)), RULES, T0).send[0]
    assert paused.title.endswith("— auto-paused") and paused.urgency == "critical"
    assert paused.body.startswith("Context 184k of 200k tokens (~92%). Paused: /compact")

    off = AlertRules(THRESHOLDS, 5.0, pause_enforced=False)
    notice = decide(AlertMemory(), snap(session(92)), off, T0).send[0]
    assert notice.title.endswith("— auto-pause level") and "paused" not in notice.title
    assert "184k of 200k tokens" in notice.body and "Auto-pause is off" in notice.body

    no_hooks = decide(AlertMemory(), snap(session(92, gated=False)), RULES, T0).send[0]
    assert no_hooks.title == "app · Opus 4.5: context 92% — auto-pause level"
    assert no_hooks.urgency == "critical"
    assert no_hooks.body == (
        "Context 184k of 200k tokens (~92%). Nothing is paused: the gate hook is not installed"
        " for this session (`claude-tray hooks install` turns it on). /compact or /clear soon."
    )


# --- memory across a restart ----------------------------------------------------------------


def test_memory_survives_a_restart_and_nothing_repeats() -> None:
    paths = app_paths()
    first = decide(AlertMemory(), snap(session(92), today=spend("today", 11, 10)), RULES, T0)
    assert len(first.send) == 2
    save_tray_state(paths, pause_notifications(first.memory, T0 + 50))
    restarted = load_tray_state(paths)
    assert restarted.quiet_until == T0 + 50
    assert restarted == pause_notifications(first.memory, T0 + 50)
    again = decide(restarted, snap(session(92), today=spend("today", 12, 10)), RULES, T0 + 100)
    assert again.send == () and again.suppressed == ()


def test_a_corrupt_memory_is_moved_aside_and_rebuilt() -> None:
    paths = app_paths()
    paths.tray_state.parent.mkdir(parents=True)
    paths.tray_state.write_text('{"version": 1, "sessions": {"s1": {"fired": 3}}}')
    assert load_tray_state(paths) == AlertMemory()
    aside = list(paths.tray_state.parent.glob("tray.json.corrupt-*"))
    assert len(aside) == 1 and "fired" in aside[0].read_text()
    assert not paths.tray_state.exists()
    save_tray_state(paths, AlertMemory(quiet_until=T0))
    assert load_tray_state(paths).quiet_until == T0


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"version": 99}',
        b'{"version": 1, "quiet_until": "soon"}',
        b'{"version": 1, "limits": {"five_hour": {"resets_at": 1, "fired": ["eighty"]}}}',
        b'{"version": 1, "limits": []}',
        b"\xff\xfe",
    ],
)
def test_every_kind_of_bad_memory_file_is_survived(content: bytes, tmp_path: Path) -> None:
    paths = app_paths()
    paths.tray_state.parent.mkdir(parents=True)
    paths.tray_state.write_bytes(content)
    assert load_tray_state(paths) == AlertMemory()


def test_the_stored_file_is_plain_json() -> None:
    paths = app_paths()
    _, memory = run([72, 92])
    save_tray_state(paths, memory)
    data = json.loads(paths.tray_state.read_text())
    assert data["sessions"]["s1"]["fired"] == ["caution", "warning", "pause"]
    assert data["version"] == 1


def test_budget_level_names_match_the_memory() -> None:
    assert {lv.label for lv in BudgetLevel if lv is not BudgetLevel.OK} == {"alert", "over"}


@pytest.mark.parametrize(
    ("pct", "urgency"), [(72, "normal"), (87, "normal"), (92, "critical"), (97, "critical")]
)
def test_session_urgency_by_level(pct: float, urgency: str) -> None:
    """Caution and warning are normal; auto-pause and critical stay until dismissed."""
    (notice,) = decide(AlertMemory(), snap(session(pct)), RULES, T0).send
    assert notice.urgency == urgency


def test_budget_urgency_critical_only_when_over() -> None:
    near = decide(AlertMemory(), snap(today=spend("today", 8.12, 10)), RULES, T0).send[0]
    over = decide(AlertMemory(), snap(today=spend("today", 12.0, 10)), RULES, T0).send[0]
    assert (near.urgency, over.urgency) == ("normal", "critical")


@pytest.mark.parametrize(
    ("fired", "reached", "after", "notify"),
    [
        ([], ["caution"], ["caution"], "caution"),
        (["caution"], ["caution"], ["caution"], None),  # fires once
        ([], ["caution", "warning", "pause"], ["caution", "warning", "pause"], "pause"),  # a jump
        (["caution"], ["caution", "warning"], ["caution", "warning"], "warning"),
        (["pause"], ["caution", "warning", "pause"], ["caution", "warning", "pause"], "warning"),
    ],
)
def test_the_one_latch(
    fired: list[str], reached: list[str], after: list[str], notify: str | None
) -> None:
    order = ("caution", "warning", "pause", "critical")
    assert fire_once(fired, reached, order) == (after, notify)


def test_rearm_keeps_only_what_stays_fired() -> None:
    assert rearm([80.0, 95.0], lambda t: t <= 80) == [80.0]
