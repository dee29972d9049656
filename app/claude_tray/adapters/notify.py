"""Desktop notifications: one factory, ordered fallbacks, each failing way logged once and dropped.

Order (`make_notifier`):
- Linux: D-Bus through jeepney (pure Python; urgency, icon, app name) → plyer (only where it has
  dbus-python; its notify-send path fails silently) → `notify-send` → pystray's own → the log.
- macOS: the Notification Center through desktop-notifier (UNUserNotificationCenter: posts as the
  app; only from an app bundle, i.e. the claude-tray .app) → `osascript` (posts as Script Editor,
  so macOS drops it until Script Editor may notify) → the log.
- Windows: a toast through desktop-notifier (the Action Center; it registers our AppUserModelID
  under HKCU, so no Start-menu shortcut is needed) → a balloon on our own tray icon (pystray),
  its text cut to the balloon's limits → the log. plyer is not used there: its balloon adds a
  second tray icon per message.

Urgency: `critical` stays until dismissed where the receiver honours it (freedesktop's urgency
hint and no expiry; a high-priority toast on Windows); `normal` is shown for `SHOW_S` seconds.

Bodies travel as plain text; ways that reach a freedesktop daemon escape `&`, `<` and `>` in the
body (the spec lets daemons read it as markup, and project names come from transcripts). The
summary is plain text by the spec and is left alone.

`route()` says which way a notification would take and what to allow when none appear, without
sending anything (for `doctor` and "About"); `FallbackNotifier.describe()` says the same for a
running notifier, after what it has learnt.

Thread rules: `send` may be called from any thread; calls are serialised.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from claude_tray import APP_NAME
from claude_tray.adapters.platform import OsName, current_os
from claude_tray.core.notices import Urgency

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
"""How long one way may take before it counts as failed."""
SHOW_S = 10
"""How long a daemon should show a normal notification (where it honours the hint)."""
BALLOON_TITLE_UNITS = 63
BALLOON_BODY_UNITS = 255
"""A Windows tray balloon's title and text, in UTF-16 code units: `NOTIFYICONDATAW` holds them in
`WCHAR szInfoTitle[64]` and `WCHAR szInfo[256]`, each with its terminating NUL (Microsoft's
documentation of NOTIFYICONDATAW). pystray copies them into those arrays with ctypes, which raises
`ValueError` for a longer string."""
ELLIPSIS = "…"
BALLOON = "a balloon on the tray icon"
_DBUS_URGENCY = {"low": 0, "normal": 1, "critical": 2}


class Notifier(Protocol):
    def send(self, title: str, body: str, urgency: Urgency = "normal") -> bool:
        """Show a notification; True when some way delivered it, False when it only got logged."""
        ...


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    urgency: Urgency = "normal"


@dataclass(frozen=True, slots=True)
class Backend:
    """One way to show a notification. `deliver` returns False or raises when it failed."""

    name: str
    deliver: Callable[[Message], bool]
    markup: bool = False
    """The receiver reads the body as markup: escape it."""
    shows_as: str = APP_NAME
    """What the user sees as the sender, for `describe`."""
    advice: str = ""
    """What to allow when its notifications do not appear."""
    label: str = ""
    """The way in words, for `describe` (the name when empty)."""


def escape_markup(text: str) -> str:
    """`&`, `<`, `>` as entities, for daemons that read the body as (Pango/HTML-ish) markup
    (what `html.escape(text, quote=False)` does, without loading `html`'s entity tables into
    the tray)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit_utf16(text: str, units: int) -> str:
    """`text` cut to at most `units` UTF-16 code units, ending in "…" when cut; never splits a
    surrogate pair (a character outside the BMP, such as an emoji, takes two units)."""
    if _utf16_units(text) <= units:
        return text
    room = units - 1  # for the ellipsis
    out: list[str] = []
    used = 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > room:
            break
        out.append(char)
        used += size
    return "".join(out).rstrip() + ELLIPSIS


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FallbackNotifier:
    """Tries its backends in order; a backend that fails once is logged and skipped from then on."""

    def __init__(self, backends: Sequence[Backend]) -> None:
        self.backends = tuple(backends)
        self.failed: dict[str, str] = {}
        """Backend name → why it failed."""
        self._lock = threading.Lock()

    def send(self, title: str, body: str, urgency: Urgency = "normal") -> bool:
        with self._lock:
            for backend in self.backends:
                if backend.name in self.failed:
                    continue
                text = escape_markup(body) if backend.markup else body
                try:
                    if backend.deliver(Message(title, text, urgency)):
                        return True
                    reason = "it reported a failure"
                except Exception as error:  # any failure of an OS edge falls through
                    reason = f"{type(error).__name__}: {error}"
                self.failed[backend.name] = reason
                log.warning(
                    "notifications through %s failed (%s); not using it again", backend.name, reason
                )
            log.warning("notification (no way to show it): %s: %s", title, body)
            return False

    @property
    def working(self) -> tuple[str, ...]:
        """Names of the backends not (yet) failed, in order."""
        return tuple(b.name for b in self.backends if b.name not in self.failed)

    def describe(self) -> str:
        """Which way notifications take now, and what to allow if they do not appear."""
        for backend in self.backends:
            if backend.name not in self.failed:
                label = backend.label or backend.name
                return _sentence(label, backend.shows_as, backend.advice)
        return "Notifications: no way to show them here; they go to the log."


def _sentence(name: str, shows_as: str, advice: str) -> str:
    text = f"Notifications: through {name}, shown as {shows_as}."
    return f"{text} {advice}" if advice else text


def make_notifier(
    tray_notify: Callable[[str, str], bool] | None = None,
    os_name: OsName | None = None,
    icon: Path | None = None,
) -> FallbackNotifier:
    """The notifier for this OS (see the module docstring for the order). `icon`: a PNG of the
    app's icon, shown with each notification where the way allows it."""
    os_name = os_name or current_os()
    if os_name == "windows":
        backends = [toast_backend(icon, os_name)] if _has_desktop_notifier() else []
        if tray_notify:
            backends.append(balloon_backend(tray_notify))
        return FallbackNotifier(backends)
    if os_name == "macos":
        backends = [toast_backend(icon, os_name)] if _has_desktop_notifier() else []
        return FallbackNotifier([*backends, osascript_backend()])
    linux = []
    if importlib.util.find_spec("jeepney") is not None:
        linux.append(dbus_backend(icon))
    if _plyer_reaches_dbus():
        linux.append(plyer_backend(markup=True, icon=icon))
    if shutil.which("notify-send"):
        linux.append(notify_send_backend(icon))
    if tray_notify:
        linux.append(Backend("pystray", _plain(tray_notify), markup=True))
    return FallbackNotifier(linux)


def route(os_name: OsName | None = None) -> str:
    """The sentence `describe` would give for a fresh notifier here (nothing is sent)."""
    os_name = os_name or current_os()
    if os_name == "macos":
        if _has_desktop_notifier() and in_app_bundle():
            return _sentence("the macOS Notification Center", APP_NAME, MACOS_ADVICE)
        return _sentence("osascript", "Script Editor", OSASCRIPT_ADVICE)
    if os_name == "windows":
        if _has_desktop_notifier():
            return _sentence("Windows toast notifications", APP_NAME, WINDOWS_ADVICE)
        return _sentence(BALLOON, APP_NAME, WINDOWS_ADVICE)
    notifier = make_notifier(None, "linux")
    return notifier.describe()


MACOS_ADVICE = (
    "If none appear: System Settings → Notifications → claude-tray → Allow notifications."
)
OSASCRIPT_ADVICE = (
    "macOS drops them until Script Editor may notify: System Settings → Notifications → "
    "Script Editor → Allow notifications (open Script Editor once if it is not listed). "
    "The claude-tray .app posts as itself instead."
)
WINDOWS_ADVICE = (
    "If none appear: Settings → System → Notifications: on, and on for claude-tray; "
    "Do not disturb (Focus assist) off."
)


def in_app_bundle(executable: str | None = None) -> bool:
    """True when running from a macOS .app (the frozen build): only then may the Notification
    Center be used (desktop-notifier's documentation: UNUserNotificationCenter is available only
    from an app bundle)."""
    return ".app/Contents/MacOS/" in (executable or sys.executable)


def _has_desktop_notifier() -> bool:
    return importlib.util.find_spec("desktop_notifier") is not None


def _plain(tray_notify: Callable[[str, str], bool]) -> Callable[[Message], bool]:
    return lambda message: tray_notify(message.title, message.body)


# --- the ways -----------------------------------------------------------------------------------


def balloon_backend(tray_notify: Callable[[str, str], bool]) -> Backend:
    """A balloon on our own tray icon (pystray's win32 backend), text cut to the balloon's size."""

    def deliver(message: Message) -> bool:
        title = fit_utf16(message.title, BALLOON_TITLE_UNITS)
        return tray_notify(title, fit_utf16(message.body, BALLOON_BODY_UNITS))

    return Backend("pystray", deliver, advice=WINDOWS_ADVICE, label=BALLOON)


class NotAllowed(OSError):
    """The OS says this app may not show notifications."""


def toast_backend(icon: Path | None, os_name: OsName) -> Backend:
    """desktop-notifier: UNUserNotificationCenter on macOS (from the .app only), a WinRT toast on
    Windows. Created on first use; it reports failure when the OS refuses us."""
    state: dict[str, Any] = {}
    advice = MACOS_ADVICE if os_name == "macos" else WINDOWS_ADVICE

    def notifier() -> Any:
        if "notifier" not in state:
            from desktop_notifier import DesktopNotifierSync, Icon
            from desktop_notifier.main import get_backend_class

            if get_backend_class().__name__.startswith("Dummy"):
                raise OSError("no notification center here (macOS: only the .app may use it)")
            app_icon = Icon(path=icon) if icon is not None else None
            state["notifier"] = DesktopNotifierSync(app_name=APP_NAME, app_icon=app_icon)
        return state["notifier"]

    def deliver(message: Message) -> bool:
        from desktop_notifier import Urgency as Level

        center = notifier()
        level = {"low": Level.Low, "normal": Level.Normal, "critical": Level.Critical}
        timeout = -1 if message.urgency == "critical" else SHOW_S
        center.send(
            title=message.title,
            message=message.body,
            urgency=level[message.urgency],
            timeout=timeout,
        )
        if not center.has_authorisation():
            raise NotAllowed(f"notifications for {APP_NAME} are off. {advice}")
        return True

    name = "the macOS Notification Center" if os_name == "macos" else "Windows toast notifications"
    return Backend(name, deliver, advice=advice)


def plyer_backend(markup: bool, icon: Path | None = None) -> Backend:
    def deliver(message: Message) -> bool:
        from plyer import notification

        notification.notify(
            title=message.title,
            message=message.body,
            app_name=APP_NAME,
            app_icon=str(icon) if icon is not None else "",
            timeout=SHOW_S,
        )
        return True

    return Backend("plyer", deliver, markup)


def _plyer_reaches_dbus() -> bool:
    """plyer's Linux notifier works only through dbus-python (and outside Flatpak, where it
    builds a `gdbus` command line from the text)."""
    return importlib.util.find_spec("dbus") is not None and not os.path.isdir("/app")


def notify_send_backend(icon: Path | None = None) -> Backend:
    def deliver(message: Message) -> bool:
        command = ["notify-send", f"--app-name={APP_NAME}", f"--urgency={message.urgency}"]
        if message.urgency != "critical":
            command.append(f"--expire-time={SHOW_S * 1000}")
        if icon is not None:
            command.append(f"--icon={icon}")
        command += ["--", message.title, message.body]
        result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        if result.returncode != 0:
            raise OSError(result.stderr.decode(errors="replace").strip() or "notify-send failed")
        return True

    return Backend("notify-send", deliver, markup=True)


def osascript_backend() -> Backend:
    script = (
        "on run argv\ndisplay notification (item 2 of argv) with title (item 1 of argv)\nend run"
    )

    def deliver(message: Message) -> bool:
        command = ["osascript", "-e", script, message.title, message.body]
        result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        if result.returncode != 0:
            raise OSError(result.stderr.decode(errors="replace").strip() or "osascript failed")
        return True

    return Backend("osascript", deliver, shows_as="Script Editor", advice=OSASCRIPT_ADVICE)


DBusCall = Callable[[str, str, tuple[Any, ...]], tuple[Any, ...]]
"""A method call on the notification service: (method, signature, arguments) → reply values.
Variants (in the hints) are given as (signature, value) pairs."""
DBusSession = Callable[[], AbstractContextManager[DBusCall]]


def dbus_backend(icon: Path | None = None, session: DBusSession | None = None) -> Backend:
    """org.freedesktop.Notifications over the session bus: through GLib's own D-Bus client when
    the process has it loaded already (a tray on the gtk or appindicator backend), else through
    jeepney (pure Python); `session` chooses one (`gio_session`, `jeepney_session`).

    Escapes the body only when the daemon says it reads markup (`body-markup`). The urgency goes
    as the `urgency` hint (a byte: 0 low, 1 normal, 2 critical) and a critical one never expires
    (`expire_timeout` 0), as the Desktop Notifications Specification defines them; the icon as
    `app_icon` (a file path) and the `image-path` hint.
    """
    state: dict[str, bool] = {}

    def deliver(message: Message) -> bool:
        with (session or _loaded_session)() as call:
            if "markup" not in state:
                state["markup"] = "body-markup" in call("GetCapabilities", "", ())[0]
            text = escape_markup(message.body) if state["markup"] else message.body
            hints: dict[str, Any] = {
                "desktop-entry": ("s", APP_NAME),
                "urgency": ("y", _DBUS_URGENCY[message.urgency]),
            }
            app_icon = ""
            if icon is not None:
                app_icon = str(icon)
                hints["image-path"] = ("s", str(icon))
            expire = 0 if message.urgency == "critical" else SHOW_S * 1000
            args: tuple[Any, ...] = (APP_NAME, 0, app_icon, message.title, text, [], hints, expire)
            (notification_id,) = call("Notify", "susssasa{sv}i", args)
        return bool(notification_id)

    return Backend("dbus", deliver, label="the desktop's notification service (D-Bus)")


_NOTIFICATIONS = {
    "object_path": "/org/freedesktop/Notifications",
    "bus_name": "org.freedesktop.Notifications",
    "interface": "org.freedesktop.Notifications",
}
GIO = "gi.repository.Gio"


def _loaded_session() -> AbstractContextManager[DBusCall]:
    """GLib's client where GTK loaded it (jeepney's modules would add ~0.3 MB to the tray for
    what GLib does already), else jeepney."""
    return gio_session() if sys.modules.get(GIO) is not None else jeepney_session()


@contextlib.contextmanager
def jeepney_session() -> Iterator[DBusCall]:
    """A connection to the session bus through jeepney, for the calls made inside the block."""
    import jeepney
    from jeepney.io.blocking import open_dbus_connection

    address = jeepney.DBusAddress(**_NOTIFICATIONS)
    with open_dbus_connection(bus="SESSION") as bus:

        def call(method: str, signature: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
            message = jeepney.new_method_call(address, method, signature or None, args)
            reply = bus.send_and_get_reply(message, timeout=TIMEOUT_S)
            return tuple(jeepney.wrappers.unwrap_msg(reply))

        yield call


@contextlib.contextmanager
def gio_session() -> Iterator[DBusCall]:
    """A connection to the session bus through GLib's GDBus (PyGObject), for the calls made
    inside the block: its own, to the bus the environment names now, closed after. GLib drops
    a closed connection's last references from the default main context: the process must run
    that loop (the tray's gtk and appindicator backends do); without it each connection keeps
    ~8 KB (measured: 100 notifications, +0.8 MB; with the loop, none)."""
    from gi.repository import Gio, GLib

    address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
    flags = (
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
    )
    connection = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)

    def variant(value: Any) -> Any:
        if isinstance(value, dict):  # a{sv}: each value a (signature, value) pair
            return {key: GLib.Variant(*pair) for key, pair in value.items()}
        return value

    def call(method: str, signature: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        parameters = GLib.Variant(f"({signature})", tuple(map(variant, args))) if args else None
        reply = connection.call_sync(
            _NOTIFICATIONS["bus_name"],
            _NOTIFICATIONS["object_path"],
            _NOTIFICATIONS["interface"],
            method,
            parameters,
            None,
            Gio.DBusCallFlags.NONE,
            int(TIMEOUT_S * 1000),
            None,
        )
        return tuple(reply.unpack())

    try:
        yield call
    finally:
        connection.close_sync(None)
