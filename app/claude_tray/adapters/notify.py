"""Desktop notifications: one factory, ordered fallbacks, each failing way logged once and dropped.

Order (`make_notifier`):
- Linux: plyer (only where it has dbus-python; its notify-send path fails silently) → D-Bus
  through jeepney (pure Python) → `notify-send` → pystray's own → the log.
- macOS: plyer → pystray's own → `osascript` → the log.
- Windows: pystray's own (a balloon on our icon) → plyer (its balloon adds a second tray icon, so
  it comes second) → the log.

Bodies travel as plain text; ways that reach a freedesktop daemon escape `&`, `<` and `>` in the
body (the spec lets daemons read it as markup, and project names come from transcripts). The
summary is plain text by the spec and is left alone.

Thread rules: `send` may be called from any thread; calls are serialised.
"""

from __future__ import annotations

import html
import importlib.util
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from claude_tray import APP_NAME
from claude_tray.adapters.platform import OsName, current_os

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
"""How long one way may take before it counts as failed."""
SHOW_S = 10
"""How long a daemon should show a notification (where it honours the hint)."""


class Notifier(Protocol):
    def send(self, title: str, body: str) -> bool:
        """Show a notification; True when some way delivered it, False when it only got logged."""
        ...


@dataclass(frozen=True, slots=True)
class Backend:
    """One way to show a notification. `deliver` returns False or raises when it failed."""

    name: str
    deliver: Callable[[str, str], bool]
    markup: bool = False
    """The receiver reads the body as markup: escape it."""


def escape_markup(text: str) -> str:
    """`&`, `<`, `>` as entities, for daemons that read the body as (Pango/HTML-ish) markup."""
    return html.escape(text, quote=False)


class FallbackNotifier:
    """Tries its backends in order; a backend that fails once is logged and skipped from then on."""

    def __init__(self, backends: Sequence[Backend]) -> None:
        self.backends = tuple(backends)
        self.failed: set[str] = set()
        self._lock = threading.Lock()

    def send(self, title: str, body: str) -> bool:
        with self._lock:
            for backend in self.backends:
                if backend.name in self.failed:
                    continue
                text = escape_markup(body) if backend.markup else body
                try:
                    if backend.deliver(title, text):
                        return True
                    reason = "it reported a failure"
                except Exception as error:  # any failure of an OS edge falls through
                    reason = f"{type(error).__name__}: {error}"
                self.failed.add(backend.name)
                log.warning(
                    "notifications through %s failed (%s); not using it again", backend.name, reason
                )
            log.warning("notification (no way to show it): %s: %s", title, body)
            return False

    @property
    def working(self) -> tuple[str, ...]:
        """Names of the backends not (yet) failed, in order."""
        return tuple(b.name for b in self.backends if b.name not in self.failed)


def make_notifier(
    tray_notify: Callable[[str, str], bool] | None = None, os_name: OsName | None = None
) -> FallbackNotifier:
    """The notifier for this OS (see the module docstring for the order)."""
    os_name = os_name or current_os()
    tray = [Backend("pystray", tray_notify, markup=os_name == "linux")] if tray_notify else []
    if os_name == "windows":
        return FallbackNotifier([*tray, plyer_backend(markup=False)])
    if os_name == "macos":
        return FallbackNotifier([plyer_backend(markup=False), *tray, osascript_backend()])
    backends = []
    if _plyer_reaches_dbus():
        backends.append(plyer_backend(markup=True))
    if importlib.util.find_spec("jeepney") is not None:
        backends.append(dbus_backend())
    if shutil.which("notify-send"):
        backends.append(notify_send_backend())
    return FallbackNotifier([*backends, *tray])


# --- the ways -----------------------------------------------------------------------------------


def plyer_backend(markup: bool) -> Backend:
    def deliver(title: str, body: str) -> bool:
        from plyer import notification

        notification.notify(title=title, message=body, app_name=APP_NAME, timeout=SHOW_S)
        return True

    return Backend("plyer", deliver, markup)


def _plyer_reaches_dbus() -> bool:
    """plyer's Linux notifier works only through dbus-python (and outside Flatpak, where it
    builds a `gdbus` command line from the text)."""
    return importlib.util.find_spec("dbus") is not None and not os.path.isdir("/app")


def notify_send_backend() -> Backend:
    def deliver(title: str, body: str) -> bool:
        command = ["notify-send", f"--app-name={APP_NAME}", "--", title, body]
        result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        if result.returncode != 0:
            raise OSError(result.stderr.decode(errors="replace").strip() or "notify-send failed")
        return True

    return Backend("notify-send", deliver, markup=True)


def osascript_backend() -> Backend:
    script = (
        "on run argv\ndisplay notification (item 2 of argv) with title (item 1 of argv)\nend run"
    )

    def deliver(title: str, body: str) -> bool:
        command = ["osascript", "-e", script, title, body]
        result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        if result.returncode != 0:
            raise OSError(result.stderr.decode(errors="replace").strip() or "osascript failed")
        return True

    return Backend("osascript", deliver)


def dbus_backend() -> Backend:
    """org.freedesktop.Notifications over the session bus, through jeepney (pure Python).

    Escapes the body only when the daemon says it reads markup (`body-markup`).
    """
    state: dict[str, bool] = {}

    def deliver(title: str, body: str) -> bool:
        with _session_bus() as bus:
            if "markup" not in state:
                state["markup"] = "body-markup" in _dbus_call(bus, "GetCapabilities", "", ())[0]
            text = escape_markup(body) if state["markup"] else body
            hints: dict[str, Any] = {"desktop-entry": ("s", APP_NAME)}
            args: tuple[Any, ...] = (APP_NAME, 0, "", title, text, [], hints, SHOW_S * 1000)
            (notification_id,) = _dbus_call(bus, "Notify", "susssasa{sv}i", args)
        return bool(notification_id)

    return Backend("dbus", deliver, markup=False)


_NOTIFICATIONS = {
    "object_path": "/org/freedesktop/Notifications",
    "bus_name": "org.freedesktop.Notifications",
    "interface": "org.freedesktop.Notifications",
}


def _session_bus() -> Any:
    from jeepney.io.blocking import open_dbus_connection

    return open_dbus_connection(bus="SESSION")


def _dbus_call(bus: Any, method: str, signature: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    import jeepney

    address = jeepney.DBusAddress(**_NOTIFICATIONS)
    message = jeepney.new_method_call(address, method, signature or None, args)
    reply = bus.send_and_get_reply(message, timeout=TIMEOUT_S)
    return tuple(jeepney.wrappers.unwrap_msg(reply))
