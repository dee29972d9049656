"""The user's clock: which timezone a day, a budget and the tray's midnight are counted in.

The local zone comes from where the user's other programs take it: `TZ` first, then the system's
own setting (`/etc/localtime` and friends on Linux and macOS, the registry on Windows), as `tzlocal`
maps it to an IANA zone. Zone rules come from the system's zone files, else from the `tzdata`
package, so a machine without zone files (Windows, minimal containers) gets every DST change right.

A `TZ` that names no IANA zone (a POSIX rule such as `JST-9` or `CET-1CEST,M3.5.0,M10.5.0/3`) is
still what the C library uses for every other program: then the offsets come from the C library too.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import warnings
import zoneinfo
from datetime import datetime, timedelta, tzinfo

log = logging.getLogger(__name__)

_REFRESH_SECONDS = 60.0
"""A long-running tray sees a change of the system's zone (a laptop abroad) within this."""

_lock = threading.Lock()
_cached: tuple[str | None, float, tzinfo] | None = None


def resolve_timezone(name: str) -> tzinfo:
    """An IANA zone by name, or the user's local zone (`local_zone`) for an empty name.

    Raises `zoneinfo.ZoneInfoNotFoundError` or `ValueError` for a name that is no zone."""
    if not name:
        return local_zone()
    return zoneinfo.ZoneInfo(name)


def local_zone() -> tzinfo:
    """The user's local zone: `TZ` first, then the system's; UTC when neither says anything."""
    global _cached
    tz_env = os.environ.get("TZ")
    moment = time.monotonic()
    with _lock:
        if _cached is not None and _cached[0] == tz_env and moment - _cached[1] < _REFRESH_SECONDS:
            return _cached[2]
        zone = _find_local_zone(tz_env)
        _cached = (tz_env, moment, zone)
        return zone


def forget_local_zone() -> None:
    """Look the zone up afresh at the next `local_zone()` (after the process changed `TZ`)."""
    global _cached
    with _lock:
        _cached = None


def local_zone_source() -> str:
    """Where the local zone came from, in words, for `doctor`."""
    tz_env = os.environ.get("TZ")
    zone = local_zone()
    name = zone_name(zone)
    if tz_env:
        if isinstance(zone, LibcZone):
            return f"TZ={tz_env} (not an IANA zone: offsets from the C library)"
        return f"{name} (from TZ)"
    return f"{name} (the system's zone)"


def zone_name(zone: tzinfo) -> str:
    key = getattr(zone, "key", None)
    return str(key) if key else (zone.tzname(None) or str(zone))


def _find_local_zone(tz_env: str | None) -> tzinfo:
    import tzlocal  # here, not at import: most commands never ask for the local zone

    if sys.platform != "win32":
        time.tzset()  # the C library's view of `TZ`, for `LibcZone` and `time.localtime`
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            zone: tzinfo = tzlocal.reload_localzone()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as error:
            if tz_env:
                log.info("TZ=%r is no IANA zone (%s): using the C library's offsets", tz_env, error)
                return LibcZone(tz_env)
            log.warning("the system's timezone cannot be read (%s): using UTC", error)
            return zoneinfo.ZoneInfo("UTC") if _has_zone("UTC") else _utc()
    for warning in caught:
        log.info("timezone lookup: %s", warning.message)
    return zone


def _has_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _utc() -> tzinfo:
    from datetime import UTC

    return UTC


class LibcZone(tzinfo):
    """The C library's offsets for this process's `TZ` (a POSIX rule, not an IANA name)."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def fromutc(self, dt: datetime) -> datetime:
        moment = (dt.replace(tzinfo=None) - _EPOCH).total_seconds()
        return dt + timedelta(seconds=time.localtime(moment).tm_gmtoff)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1) if self._local(dt).tm_isdst > 0 else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone or self.spec

    def _local(self, dt: datetime | None) -> time.struct_time:
        if dt is None:
            return time.localtime()
        fields = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, 0, 0, -1)
        try:
            return time.localtime(time.mktime(fields))
        except (OverflowError, ValueError, OSError):
            return time.localtime()

    def __repr__(self) -> str:
        return f"LibcZone({self.spec!r})"


_EPOCH = datetime(1970, 1, 1)
