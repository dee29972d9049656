"""The icon on StatusNotifierItem panels (pystray's `appindicator` backend: GNOME's AppIndicator
extension, KDE, XFCE 4.18, most current panels).

libayatana-appindicator hands the panel an icon *name* plus a theme folder (`IconName`,
`IconThemePath`); it has no way to send pixels. A single PNG path (what pystray does) is scaled by
the host, blurry on 32/48/64 px panels and on HiDPI. So `IndicatorIcons` writes the icon drawn for
each common size as a small icon theme — `<folder>/hicolor/<n>x<n>/apps/<name>.png` — and the
host takes the size it needs, drawn for that size. Each look gets its own name (a digest of the
`IconSpec`), so the host never shows a cached picture of another look.

`watch_status_notifier_watcher` re-registers the item when the panel's StatusNotifierWatcher comes
back (a panel or shell restart): libayatana falls back to an XEmbed icon when the watcher goes
away and only registers again on its next change, which on a quiet day never comes.

Everything here runs on the UI (GLib) thread; gi is imported lazily (it needs a display).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_tray.core.view import IconSpec
from claude_tray.ui.icon import render_icon

try:  # BLAKE2 itself: `hashlib` would load OpenSSL's libcrypto (~3 MB resident) into the tray
    from _blake2 import blake2b
except ImportError:  # a Python built without its own BLAKE2
    from hashlib import blake2b

log = logging.getLogger(__name__)

SIZES = (16, 22, 24, 32, 48, 64, 96, 128)
"""Panel sizes (and 2× of the usual ones, for HiDPI) each icon is drawn for."""
WATCHER_NAME = "org.kde.StatusNotifierWatcher"
CHECK_DELAYS = (0.3, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 30.0)
"""Seconds after a watcher's return at which we check that it lists our item (until it does: a
busy machine may take seconds to start the new watcher)."""
WATCHER_TIMEOUT_MS = 500
KEEP = 2
"""Icon names kept on disk: the one shown and the one before (a host may still be loading it)."""


def icon_name(spec: IconSpec) -> str:
    digest = blake2b(repr((spec.look, spec.text, spec.badge)).encode(), digest_size=5)
    return f"claude-tray-{spec.look}-{digest.hexdigest()}"


class IndicatorIcons:
    """A private icon theme folder holding the current icon at every size in `SIZES`."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            base = os.environ.get("XDG_RUNTIME_DIR") or None
            if base is not None and not os.path.isdir(base):
                base = None
            folder = Path(tempfile.mkdtemp(prefix="claude-tray-icons-", dir=base))
        self.folder = folder
        self._names: list[str] = []

    def write(self, spec: IconSpec) -> str:
        """Draw `spec` at every size (once per look) and return its icon name."""
        name = icon_name(spec)
        if name not in self._names:
            for size in SIZES:
                target = self._path(name, size)
                target.parent.mkdir(parents=True, exist_ok=True)
                render_icon(spec, size).save(target, "PNG")
            self._names.append(name)
            for old in self._names[:-KEEP]:
                for size in SIZES:
                    self._path(old, size).unlink(missing_ok=True)
            del self._names[:-KEEP]
        return name

    def show(self, indicator: Any, spec: IconSpec, description: str) -> None:
        """Point the AppIndicator at `spec`'s icon (UI thread)."""
        name = self.write(spec)
        indicator.set_icon_theme_path(str(self.folder))
        indicator.set_icon_full(name, description)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _path(self, name: str, size: int) -> Path:
        return self.folder / "hicolor" / f"{size}x{size}" / "apps" / f"{name}.png"


def watch_status_notifier_watcher(on_return: Callable[[], None]) -> int:
    """Keep the item registered with the panel's StatusNotifierWatcher (on the GLib loop).

    Each time a watcher appears after having been absent, check (at `CHECK_DELAYS` s) that the
    watcher lists this process, and call `on_return()` to register again while it does not.
    libayatana tries once by itself, and that try fails when the new watcher owns its bus name
    before it serves its object (seen with Debian's watcher: "UnknownObject"); it then stays on
    the XEmbed fallback until its next change. Returns the watch id (`Gio.bus_unwatch_name`)."""
    from gi.repository import Gio, GLib

    state = {"absent": False, "generation": 0}

    def check(generation: int, attempt: int) -> bool:
        if generation != state["generation"] or state["absent"]:
            return False  # the watcher went away again: its next return starts anew
        if _registered():
            return False
        log.info("the StatusNotifierWatcher is back: registering the icon again")
        on_return()
        if attempt + 1 < len(CHECK_DELAYS):
            delay = CHECK_DELAYS[attempt + 1] - CHECK_DELAYS[attempt]
            GLib.timeout_add(int(delay * 1000), check, generation, attempt + 1)
        return False

    def appeared(_connection: Any, _name: str, _owner: str) -> None:
        if state["absent"]:
            state["absent"] = False
            state["generation"] += 1
            GLib.timeout_add(int(CHECK_DELAYS[0] * 1000), check, state["generation"], 0)

    def vanished(_connection: Any, _name: str) -> None:
        if not state["absent"]:
            log.info("no StatusNotifierWatcher on the session bus")
        state["absent"] = True

    return int(
        Gio.bus_watch_name(
            Gio.BusType.SESSION, WATCHER_NAME, Gio.BusNameWatcherFlags.NONE, appeared, vanished
        )
    )


def _registered() -> bool:
    """Whether the watcher lists an item of this process (its unique bus name, or the
    `…StatusNotifierItem-<pid>-…` name some libraries register under)."""
    from gi.repository import Gio, GLib

    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            WATCHER_NAME,
            "/StatusNotifierWatcher",
            "org.freedesktop.DBus.Properties",
            "Get",
            GLib.Variant("(ss)", (WATCHER_NAME, "RegisteredStatusNotifierItems")),
            GLib.VariantType.new("(v)"),
            Gio.DBusCallFlags.NONE,
            WATCHER_TIMEOUT_MS,
            None,
        )
    except Exception as error:  # GLib.Error: the watcher is not serving yet
        log.debug("cannot read the watcher's items: %s", error)
        return False
    items = [str(item) for item in reply.unpack()[0]]
    mine = (str(bus.get_unique_name()), f"StatusNotifierItem-{os.getpid()}-")
    return any(item.split("/", 1)[0] == mine[0] or mine[1] in item for item in items)


def register_again(indicator: Any) -> None:
    """Make libayatana register the item with the (new) watcher: setting its menu again is
    what makes it call RegisterStatusNotifierItem (nothing on screen changes)."""
    menu = indicator.get_menu()
    if menu is not None:
        indicator.set_menu(menu)
