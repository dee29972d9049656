"""The user's clock: `TZ` first, then the system's zone (through tzlocal), on real files.

"No zone files at all" is a machine like Windows or a minimal container: tzlocal looks at an empty
tree (its own lookup, given another root) and zoneinfo finds no system zone files, so the rules come
from the `tzdata` package.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tzlocal.unix

from claude_tray.cli.main import main
from claude_tray.storage.budget_state import read_budget_state
from claude_tray.storage.config import Config
from claude_tray.storage.paths import app_paths
from claude_tray.storage.zone import (
    LibcZone,
    _plain_zone,
    forget_local_zone,
    local_zone,
    local_zone_source,
)
from tests.transcripts import ClaudeData, assistant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def fresh_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CLAUDE_TRAY_NOW", str(NOW))
    forget_local_zone()
    yield
    forget_local_zone()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def daily(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, int]:
    """`daily --json` run in this process: input tokens per date."""
    assert main(["daily", "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    return {day["date"]: day["inputTokens"] for day in data["daily"]}


@pytest.fixture
def no_zone_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine without zone files: tzlocal's lookup runs over an empty tree, zoneinfo has no
    search path (its rules then come from the tzdata package). Returns the tree's root."""
    root = tmp_path / "empty-root"
    (root / "etc").mkdir(parents=True)
    for name in ("_get_localzone_name", "_get_localzone"):
        lookup = getattr(tzlocal.unix, name)
        monkeypatch.setattr(tzlocal.unix, name, functools.partial(_rooted, lookup, str(root)))
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    yield root  # type: ignore[misc]
    zoneinfo.reset_tzpath()
    zoneinfo.ZoneInfo.clear_cache()


def _rooted(lookup: Any, root: str, _root: str = "/") -> Any:
    return lookup(root)


def test_tz_decides_the_day_in_a_real_process(claude: ClaudeData, tmp_path: Path) -> None:
    # 19 Nov 16:30 UTC is 20 Nov 01:30 in Tokyo and 19 Nov 08:30 in Los Angeles.
    claude.write("s", assistant("s", "2026-11-19T16:30:00Z", "m1", input=7, output=1))
    env = {k: v for k, v in os.environ.items() if k != "TZ"}
    days = {}
    for zone in ("Asia/Tokyo", "America/Los_Angeles", ":Asia/Tokyo"):
        done = subprocess.run(
            [sys.executable, "-m", "claude_tray", "daily", "--json"],
            env={**env, "TZ": zone},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        days[zone] = [d["date"] for d in json.loads(done.stdout)["daily"]]
    assert days == {
        "Asia/Tokyo": ["2026-11-20"],
        "America/Los_Angeles": ["2026-11-19"],
        ":Asia/Tokyo": ["2026-11-20"],
    }


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("UTC", "2026-11-19"),
        ("Asia/Tokyo", "2026-11-20"),
        ("Asia/Kolkata", "2026-11-19"),  # 22:00, a half-hour zone
        ("Pacific/Kiritimati", "2026-11-20"),  # UTC+14
        ("Pacific/Pago_Pago", "2026-11-19"),  # UTC-11
        ("JST-9", "2026-11-20"),  # a POSIX rule, not an IANA name: the C library's offset
    ],
)
def test_tz_values_in_process(
    capsys: pytest.CaptureFixture[str],
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
    zone: str,
    day: str,
) -> None:
    claude.write("s", assistant("s", "2026-11-19T16:30:00Z", "m1", input=7, output=1))
    monkeypatch.setenv("TZ", zone)
    assert daily(capsys) == {day: 7}
    # --timezone still wins over TZ
    assert daily(capsys, "--timezone", "America/Los_Angeles") == {"2026-11-19": 7}


def test_a_config_timezone_wins_over_tz(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    claude.write("s", assistant("s", "2026-11-19T16:30:00Z", "m1", input=7, output=1))
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    app_paths().config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths().config_file.write_text('timezone = "America/Los_Angeles"\n')
    assert daily(capsys) == {"2026-11-19": 7}


def test_without_tz_the_systems_zone_is_used(
    monkeypatch: pytest.MonkeyPatch, no_zone_files: Path
) -> None:
    monkeypatch.delenv("TZ")
    (no_zone_files / "etc" / "timezone").write_text("Australia/Adelaide\n")
    zone = local_zone()
    assert getattr(zone, "key", None) == "Australia/Adelaide"
    assert local_zone_source() == "Australia/Adelaide (the system's zone)"
    # nothing configured anywhere: UTC, as the C library does
    (no_zone_files / "etc" / "timezone").unlink()
    forget_local_zone()
    assert datetime(2026, 7, 1, tzinfo=local_zone()).utcoffset() == timedelta(0)


def test_tz_with_no_zone_files_at_all(
    capsys: pytest.CaptureFixture[str],
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
    no_zone_files: Path,
) -> None:
    assert not zoneinfo.TZPATH  # nothing on disk: the rules come from the tzdata package
    claude.write("s", assistant("s", "2026-11-19T16:30:00Z", "m1", input=7, output=1))
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert daily(capsys) == {"2026-11-20": 7}


def _new_york_offset(moment: datetime) -> int:
    """US Eastern in 2026, written out: EDT from 8 Mar 07:00 UTC to 1 Nov 06:00 UTC."""
    summer = datetime(2026, 3, 8, 7, tzinfo=UTC) <= moment < datetime(2026, 11, 1, 6, tzinfo=UTC)
    return -4 if summer else -5


def _local_to_utc(day: date, hour: int, minute: int) -> datetime:
    naive = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    guess = naive - timedelta(hours=-5)
    return naive - timedelta(hours=_new_york_offset(guess - timedelta(hours=1)))


DST_DAYS = [date(2026, 3, 5) + timedelta(days=n) for n in range(7)] + [
    date(2026, 10, 29) + timedelta(days=n) for n in range(7)
]


def _dst_history(claude: ClaudeData) -> None:
    """Four lines on each day around both 2026 changes: 00:05, 00:55, 23:05 and 23:55 local."""
    lines: list[dict[str, Any]] = []
    for day in DST_DAYS:
        for n, (hour, minute) in enumerate(((0, 5), (0, 55), (23, 5), (23, 55))):
            moment = _local_to_utc(day, hour, minute)
            # a check of the helper itself: the written-out offsets give back the local time
            back = moment + timedelta(hours=_new_york_offset(moment))
            assert (back.date(), back.hour, back.minute) == (day, hour, minute)
            lines.append(assistant("s", iso(moment), f"m-{day}-{n}", input=day.day, output=1))
    claude.write("s", *lines)


@pytest.mark.parametrize("source", ["TZ", "system"])
def test_a_history_across_both_dst_changes_without_zone_files(
    capsys: pytest.CaptureFixture[str],
    claude: ClaudeData,
    monkeypatch: pytest.MonkeyPatch,
    no_zone_files: Path,
    source: str,
) -> None:
    _dst_history(claude)
    if source == "TZ":
        monkeypatch.setenv("TZ", "America/New_York")
    else:  # the system names its zone (like Windows' registry, through tzlocal), no rules on disk
        monkeypatch.delenv("TZ")
        (no_zone_files / "etc" / "timezone").write_text("America/New_York\n")
    days = daily(capsys, "--since", "2026-03-01", "--until", "2026-11-30")
    assert days == {day.isoformat(): 4 * day.day for day in DST_DAYS}


def test_a_posix_tz_rule_follows_dst(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "EST+5EDT,M3.2.0/2,M11.1.0/2")
    zone = local_zone()
    assert isinstance(zone, LibcZone)
    for day in DST_DAYS:
        for hour, minute in ((0, 5), (23, 55)):
            moment = _local_to_utc(day, hour, minute)
            local = moment.astimezone(zone)
            assert (local.date(), local.hour, local.minute) == (day, hour, minute)
    assert datetime(2026, 7, 1, 12, tzinfo=zone).utcoffset() == timedelta(hours=-4)
    assert datetime(2026, 1, 1, 12, tzinfo=zone).utcoffset() == timedelta(hours=-5)


def test_today_and_the_budget_follow_tz(
    capsys: pytest.CaptureFixture[str], claude: ClaudeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NOW is 20 Nov 21:00 in Tokyo; the line at 19 Nov 16:30 UTC is 20 Nov 01:30 there.
    claude.write("s", assistant("s", "2026-11-19T16:30:00Z", "m1", input=7, output=1))
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert Config().tz() == zoneinfo.ZoneInfo("Asia/Tokyo")
    assert main(["today", "--json"]) == 0
    today = json.loads(capsys.readouterr().out)
    assert today["inputTokens"] == 7
    budget = read_budget_state(app_paths())
    assert budget is not None
    tokyo_midnight = datetime(2026, 11, 20, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")).timestamp()
    assert budget.start == tokyo_midnight


def test_doctor_names_the_zone_and_where_it_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert main(["doctor"]) == 0
    assert "Timezone: Asia/Tokyo (from TZ)" in capsys.readouterr().out
    app_paths().config_file.parent.mkdir(parents=True, exist_ok=True)
    app_paths().config_file.write_text('timezone = "Europe/Paris"\n')
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["timezone"] == "Europe/Paris (from the config)"


# -- the zone named plainly, read without tzlocal (which loads `logging`) ---------------------


def _zone_folder() -> Path:
    for folder in zoneinfo.TZPATH:
        if (Path(folder) / "Europe" / "Berlin").is_file():
            return Path(folder)
    pytest.fail("no zone files on zoneinfo's search path")


def _system(tmp_path: Path, link: bool = True, timezone: str | None = None) -> Path:
    """A root with /etc/localtime (a link to Europe/Berlin's zone file, or a copy of it)."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    berlin = _zone_folder() / "Europe" / "Berlin"
    if link:
        (root / "etc" / "localtime").symlink_to(berlin)
    else:
        (root / "etc" / "localtime").write_bytes(berlin.read_bytes())
    if timezone is not None:
        (root / "etc" / "timezone").write_text(timezone)
    return root


@pytest.mark.skipif(sys.platform != "linux", reason="the system's files read here are Linux's")
@pytest.mark.parametrize(
    ("link", "timezone", "other", "plain"),
    [
        (True, None, None, True),  # systemd: the link alone
        (True, "Europe/Berlin\n", None, True),  # Debian, Ubuntu: both, the same zone
        (True, "Europe/Paris\n", None, False),  # they disagree: tzlocal's rules decide
        (True, "Europe/Berlin # here\n", None, False),  # not plain
        (True, None, "etc/conf.d/clock", False),  # another setting tzlocal reads
        (True, None, "var/db/zoneinfo", False),
        (False, None, None, False),  # a copy of a zone file names no zone
    ],
)
def test_a_plainly_named_system_zone_is_tzlocal_s_answer_without_tzlocal(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    link: bool,
    timezone: str | None,
    other: str | None,
    plain: bool,
) -> None:
    monkeypatch.delenv("TZ")
    root = _system(tmp_path, link, timezone)
    if other is not None:
        (root / other).parent.mkdir(parents=True, exist_ok=True)
        (root / other).write_text("")
    ours = _plain_zone(None, str(root))
    if not plain:
        assert ours is None
        return
    assert ours is tzlocal.unix._get_localzone(str(root))
    assert getattr(ours, "key", None) == "Europe/Berlin"
    assert _plain_zone("", str(root)) is ours  # an empty TZ is no TZ


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows tzlocal decides (its own rules)")
@pytest.mark.parametrize(
    ("tz", "plain"),
    [
        ("Asia/Tokyo", True),
        (":Asia/Tokyo", True),
        ("UTC", True),
        ("JST-9", False),  # a POSIX rule: the C library's offsets (`LibcZone`)
        ("Nowhere/Atlantis", False),
        ("../etc/passwd", False),
        ("<zone file>", False),  # a file: tzlocal names it
        (":", False),
    ],
)
def test_tz_naming_a_zone_is_tzlocal_s_answer_without_tzlocal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tz: str, plain: bool
) -> None:
    if tz == "<zone file>":
        tz = str(_zone_folder() / "Asia" / "Tokyo")
    monkeypatch.setenv("TZ", tz)
    root = _system(tmp_path)  # the system says Europe/Berlin: TZ wins
    ours = _plain_zone(tz, str(root))
    if not plain:
        assert ours is None
        return
    assert ours is tzlocal.unix._get_localzone(str(root))
    forget_local_zone()
    assert local_zone() is ours


@pytest.mark.skipif(sys.platform != "linux", reason="the system's files read here are Linux's")
def test_a_dangling_etc_localtime_is_not_read_as_its_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/etc/localtime left linking to a zone file that is gone (the system's tzdata removed):
    tzlocal (and the C library) use UTC; the zone is still known to zoneinfo through the tzdata
    package, so the plain read named the link's zone."""
    monkeypatch.delenv("TZ", raising=False)
    zones = tmp_path / "zoneinfo"
    (zones / "Europe").mkdir(parents=True)  # the system's zone folder, without Europe/Berlin
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "localtime").symlink_to(zones / "Europe" / "Berlin")  # dangling
    zoneinfo.reset_tzpath(to=[str(zones)])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        with pytest.warns(UserWarning):  # "Can not find any timezone configuration"
            theirs = tzlocal.unix._get_localzone(str(root))
        assert _plain_zone(None, str(root)) in (None, theirs)
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
