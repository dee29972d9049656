"""The tray icon itself: a pystray `Icon` kept in step with the latest `TrayView`.

Thread rules:
- `TrayIcon(...)` and `run()` on the main thread (macOS requires it; `run()` blocks until stop).
- `apply()`, `notify()` and `stop()` from any thread. `apply()` only records the view and asks the
  UI loop to show it (GLib idle on gtk/appindicator, a window message on win32, the main queue on
  macOS); several views applied before the loop gets to it are shown once, as the latest. Parts
  that did not change (image, title, menu) are not touched: applying the same view twice is free.
- `on_action(action_id)` is called on the UI thread; it must return quickly (hand work off).
- `on_ready()` is called once, on pystray's setup thread, when the icon is visible; it must return
  promptly (pystray joins that thread at stop).

pystray is imported inside `run()`: importing it connects to the display.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from claude_tray.core.view import MenuEntry, TrayView
from claude_tray.ui.icon import render_icon
from claude_tray.ui.indicator import (
    IndicatorIcons,
    register_again,
    watch_status_notifier_watcher,
)
from claude_tray.ui.menu import build_menu, plain, win32_label

log = logging.getLogger(__name__)

ICON_NAME = "claude-tray"
DEFAULT_SIZE = 22
WM_APPLY_OFFSET = 40
"""Our window message is `WM_USER` + this (pystray uses + 10 and + 11)."""


def backend_name(icon_class: Any) -> str:
    """`gtk`, `appindicator`, `win32`, `darwin`, `xorg` or `dummy`, from pystray's Icon class."""
    module = str(getattr(icon_class, "__module__", ""))
    name = module.rsplit(".", 1)[-1].lstrip("_")
    return "dummy" if name in ("", "base", "dummy") else name


class TrayIcon:
    def __init__(self, on_action: Callable[[str], None], initial: TrayView) -> None:
        self._on_action = on_action
        self._lock = threading.Lock()
        self._pending = initial
        self._scheduled = False
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._icon: Any = None
        self._backend = ""
        self._size = DEFAULT_SIZE
        # Touched on the UI thread only:
        self._shown: TrayView | None = None
        self._entries: tuple[MenuEntry, ...] = initial.menu
        self._sigint: Any = None
        self._win32_queue: list[Callable[[], None]] | None = None
        self._indicator_icons: IndicatorIcons | None = None

    @property
    def backend(self) -> str:
        """The pystray backend in use ("" before `run()`)."""
        return self._backend

    def run(self, on_ready: Callable[[], None]) -> None:
        """Show the icon and run the UI loop until `stop()` (main thread only; blocks)."""
        import pystray

        self._backend = backend_name(pystray.Icon)
        self._size = self._initial_size()
        self._sigint = signal.getsignal(signal.SIGINT)
        label = win32_label if self._backend == "win32" else plain
        with self._lock:
            view = self._pending
        self._entries = view.menu
        self._icon = pystray.Icon(
            ICON_NAME,
            icon=render_icon(view.icon, self._size),
            title=view.title,
            menu=build_menu(lambda: self._entries, self._on_action, label),
        )
        self._shown = view

        def setup(icon: Any) -> None:
            icon.visible = True
            self._ready.set()
            self._call_on_ui(self._first_on_ui)
            on_ready()

        try:
            self._icon.run(setup)
        except Exception:
            if not self._stopping.is_set():
                raise
            # pystray's gtk clean-up hides its notification over D-Bus and raises when no
            # notification daemon is there; the loop has ended anyway.
            log.debug("pystray failed while shutting down", exc_info=True)
        finally:
            self._ready.clear()
            if self._indicator_icons is not None:
                self._indicator_icons.close()

    def apply(self, view: TrayView) -> None:
        """Show `view` (any thread; returns at once)."""
        with self._lock:
            self._pending = view
            if self._scheduled or not self._ready.is_set():
                return  # the scheduled flush, or the loop's first one, will show it
            self._scheduled = True
        self._call_on_ui(self._flush)

    def notify(self, title: str, body: str) -> bool:
        """Send a notification through pystray where its backend has one; False if it cannot."""
        icon = self._icon
        if icon is None or not self._ready.is_set() or not getattr(icon, "HAS_NOTIFICATION", 0):
            return False
        try:
            icon.notify(body, title)
        except Exception as error:  # pystray's backends raise anything, dummy raises NotImplemented
            log.debug("pystray notification failed: %s", error)
            return False
        return True

    def stop(self) -> None:
        """End `run()` (any thread). Does nothing when the icon is not running."""
        icon = self._icon
        if icon is None:
            return
        self._stopping.set()
        if self._backend == "darwin":
            self._call_on_ui(icon.stop)  # AppKit must be stopped from the main thread
        else:
            icon.stop()

    # --- on the UI thread ---------------------------------------------------------------------

    def _first_on_ui(self) -> None:
        # pystray's gtk loop resets SIGINT to "kill at once"; give the app's handler back.
        gtk = self._backend in ("gtk", "appindicator")
        if gtk and self._sigint is not None and self._sigint is not signal.SIG_DFL:
            signal.signal(signal.SIGINT, self._sigint)
        if self._backend == "gtk":
            self._follow_gtk_size()
        if self._backend == "appindicator":
            self._use_indicator_icons()
        with self._lock:
            self._scheduled = True
        self._flush(force_title=True)

    def _flush(self, force_title: bool = False) -> None:
        with self._lock:
            view = self._pending
            self._scheduled = False
        shown = self._shown
        try:
            if self._indicator_icons is not None:
                if shown is None or view.icon != shown.icon or force_title:
                    indicator = self._icon._appindicator
                    self._indicator_icons.show(indicator, view.icon, view.title)
            elif shown is None or view.icon != shown.icon:
                self._icon.icon = render_icon(view.icon, self._size)
            if force_title or shown is None or view.title != shown.title:
                self._icon.title = view.title
                self._set_tooltip(view.title)
            if shown is None or view.menu != shown.menu:
                self._entries = view.menu
                self._icon.update_menu()
            self._shown = view
        except Exception:  # a failed redraw must never take the loop down
            log.exception("could not update the tray icon")

    def _set_tooltip(self, text: str) -> None:
        status_icon = getattr(self._icon, "_status_icon", None)  # pystray's gtk sets only a title
        if status_icon is not None:
            status_icon.set_tooltip_text(text)

    def _use_indicator_icons(self) -> None:
        """StatusNotifierItem panels: the icon drawn per size, and registered again whenever
        the panel's watcher comes back."""
        indicator = getattr(self._icon, "_appindicator", None)
        if indicator is None:
            return
        try:
            self._indicator_icons = IndicatorIcons()
            watch_status_notifier_watcher(lambda: register_again(indicator))
        except Exception:  # keep pystray's single PNG then
            log.exception("cannot set up the per-size tray icons")

    def _follow_gtk_size(self) -> None:
        status_icon = getattr(self._icon, "_status_icon", None)
        if status_icon is None:
            return

        def resized(_icon: Any, size: int) -> bool:
            if size > 0 and size != self._size:
                self._size = size
                if self._shown is not None:
                    self._icon.icon = render_icon(self._shown.icon, size)
            return True

        status_icon.connect("size-changed", resized)
        resized(status_icon, int(status_icon.get_size()))

    def _initial_size(self) -> int:
        if self._backend == "win32":
            import ctypes

            windll = getattr(ctypes, "windll", None)
            if windll is not None:
                size = int(windll.user32.GetSystemMetrics(49))  # SM_CXSMICON
                return size if size >= 16 else 16
        return DEFAULT_SIZE

    # --- handing work to the UI loop ----------------------------------------------------------

    def _call_on_ui(self, work: Callable[[], None]) -> None:
        if self._backend in ("gtk", "appindicator"):
            from gi.repository import GLib

            def once() -> bool:
                work()
                return False

            GLib.idle_add(once)
        elif self._backend == "darwin":
            from PyObjCTools import AppHelper  # type: ignore[import-not-found]

            AppHelper.callAfter(work)
        elif self._backend == "win32":
            self._post_win32(work)
        else:
            work()

    def _post_win32(self, work: Callable[[], None]) -> None:
        from pystray._util import win32

        icon = self._icon
        message = win32.WM_USER + WM_APPLY_OFFSET
        with self._lock:
            queue = self._win32_queue
            if queue is None:
                queue = self._win32_queue = []

                def drain(_wparam: Any, _lparam: Any) -> int:
                    with self._lock:
                        todo = list(queue)
                        queue.clear()
                    for item in todo:
                        item()
                    return 0

                icon._message_handlers[message] = drain
            queue.append(work)
        win32.PostMessage(icon._hwnd, message, 0, 0)
