"""The user's clock: which timezone a day, a budget and the tray's midnight are counted in.

The local zone comes from where the user's other programs take it: `TZ` first, then the system's
own setting (`/etc/localtime` and friends on Linux and macOS, the registry on Windows), as `tzlocal`
maps it to an IANA zone. Zone rules come from the system's zone files, else from the `tzdata`
package, so a machine without zone files (Windows, minimal containers) gets every DST change right.

Where the zone is named plainly, we read the name ourselves and tzlocal is not loaded (it loads
`logging`, a few ms of a warm `today`): a `TZ` that names an IANA zone (not on Windows), and, on
Linux without `TZ`, an `/etc/localtime` that links to a zone file of zoneinfo's search path when
no other setting that tzlocal reads exists (or `/etc/timezone` names the very same zone). tzlocal
gives the same zone there (`_plain_zone`); everything else (a `TZ` that names a file or a POSIX
rule, macOS without `TZ`, Windows, a copied `/etc/localtime`, settings that disagree) is
tzlocal's to decide, as before.

A `TZ` that names no IANA zone (a POSIX rule such as `JST-9` or `CET-1CEST,M3.5.0,M10.5.0/3`) is
still what the C library uses for every other program: then the offsets come from the C library too.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
import zoneinfo
from _thread import allocate_lock
from datetime import datetime, timedelta, tzinfo

from claude_tray.storage.lazy_log import LazyLogger

log = LazyLogger(__name__)  # `logging` only when used (see `storage.lazy_log`)

_REFRESH_SECONDS = 60.0
"""A long-running tray sees a change of the system's zone (a laptop abroad) within this."""

_lock = allocate_lock()  # `threading.Lock`, without loading `threading` on every CLI run
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
    if sys.platform != "win32":
        time.tzset()  # the C library's view of `TZ`, for `LibcZone` and `time.localtime`
    plain = _plain_zone(tz_env)
    if plain is not None:
        return plain
    import tzlocal  # here, not at import: most commands never ask for the local zone

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


def _plain_zone(tz_env: str | None, root: str = "/") -> tzinfo | None:
    """The local zone where it is named plainly (see the module's docstring), else None: then
    tzlocal decides. `root`: where the system's files are (tests)."""
    if sys.platform == "win32":  # there tzlocal takes `TZ` only if it knows the name
        return None
    elif tz_env:
        name = tz_env[1:] if tz_env.startswith(":") else tz_env
        return None if not name or os.path.isabs(name) else _zone_or_none(name)
    elif sys.platform == "linux":
        return _linked_zone(root)
    else:
        return None


def _linked_zone(root: str) -> tzinfo | None:
    """`/etc/localtime`'s zone, when it links to a zone file on zoneinfo's search path and
    nothing else tzlocal reads says otherwise."""
    if any(os.path.lexists(os.path.join(root, other)) for other in _TZLOCAL_ALSO_READS):
        return None
    link = os.path.join(root, "etc", "localtime")
    if not os.path.islink(link) or not os.path.exists(link):
        return None  # a dangling link (its zone file gone): tzlocal and the C library say UTC
    name = _name_on_zone_path(os.path.realpath(link))
    if name is None:
        return None
    try:
        with open(os.path.join(root, "etc", "timezone"), encoding="ascii") as named:
            if named.read().strip() != name:
                return None
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        return None
    return _zone_or_none(name)


_TZLOCAL_ALSO_READS = (
    "var/db/zoneinfo",
    "etc/sysconfig/clock",
    "etc/conf.d/clock",
    "system/bin/getprop",  # Termux
)
"""Besides `etc/localtime` and `etc/timezone`, what tzlocal reads on Linux to find the zone."""


def _name_on_zone_path(path: str) -> str | None:
    """The zone name of a zone file under one of zoneinfo's search folders (`zoneinfo.TZPATH`)."""
    for folder in zoneinfo.TZPATH:
        top = os.path.join(os.path.realpath(folder), "")
        if path.startswith(top) and len(path) > len(top):
            return path[len(top) :]
    return None


def _zone_or_none(name: str) -> tzinfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


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
