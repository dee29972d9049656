"""The tray icon itself: a pystray `Icon` kept in step with the latest `TrayView`.

Thread rules:
- `TrayIcon(...)` and `run()` on the main thread (macOS requires it; `run()` blocks until stop).
- `apply()`, `notify()` and `stop()` from any thread. `apply()` only records the view and asks the
  UI loop to show it (GLib idle on gtk/appindicator, a window message on win32, the main queue on
  macOS); several views applied before the loop gets to it are shown once, as the latest. Parts
  that did not change (image, title, menu) are not touched: applying the same view twice is free.
- `on_action(action_id)` is called on the UI thread; it must return quickly (hand work off).
- `on_ready()` is called once, on pystray's setup thread, when the loop runs (the icon is made
  visible on the UI thread); it must return promptly (pystray joins that thread at stop).
- While the menu is open, a new menu is held back and shown when it closes: a click is always
  resolved against the rows the user sees (pystray's darwin backend looks the clicked row up by
  index in the current menu at click time; its win32 backend would destroy the menu it is tracking).
  The menu's opening and closing come from the backend (a Gtk.Menu's show/hide, an NSMenu
  delegate's menuWillOpen:/menuDidClose:, the right click that runs win32's modal menu loop).
- Platform bits, all on the UI thread: the icon is made visible there (not on pystray's setup
  thread: AppKit must be touched from the main thread only); on macOS the app takes the accessory
  activation policy (no Dock icon, not in ⌘-Tab, as LSUIElement does for the .app) and the
  menu-bar image is drawn at 2x with its size set in points (sharp on Retina; never a template
  image, which would lose the colours).

pystray is imported inside `run()`: importing it connects to the display.
"""

from __future__ import annotations

import dataclasses
import io
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
        self._menu_open = False
        self._menu_held = False
        self._menu_watcher: Any = None

    @property
    def backend(self) -> str:
        """The pystray backend in use ("" before `run()`)."""
        return self._backend

    def run(self, on_ready: Callable[[], None]) -> None:
        """Show the icon and run the UI loop until `stop()` (main thread only; blocks)."""
        import pystray

        self._backend = backend_name(pystray.Icon)
        if self._backend == "darwin":
            use_accessory_policy()
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

    @property
    def menu_is_open(self) -> bool:
        """Whether the user has the menu open (UI thread; tests read it)."""
        return self._menu_open

    def menu_opened(self) -> None:
        """The backend's menu is open (UI thread): hold menu changes until it closes."""
        self._menu_open = True

    def menu_closed(self) -> None:
        """The menu closed (UI thread): show a menu held back meanwhile, on the UI loop's next
        turn (AppKit tells the delegate before it sends the clicked item's action)."""
        self._menu_open = False
        if self._menu_held:
            self._call_on_ui(self._release_menu)

    def _release_menu(self) -> None:
        if self._menu_held and not self._menu_open:
            self._menu_held = False
            self._flush()

    def _first_on_ui(self) -> None:
        self._icon.visible = True
        if self._backend == "darwin" and self._shown is not None:
            show_retina_image(self._icon, self._shown)  # pystray showed its 1x image
        self._watch_menu_open()
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
                self._show_image(view)
            if force_title or shown is None or view.title != shown.title:
                self._icon.title = view.title
                self._set_tooltip(view.title)
            if shown is not None and view.menu != shown.menu and self._menu_open:
                self._menu_held = True  # shown when the menu closes
                view = dataclasses.replace(view, menu=shown.menu)
            elif shown is None or view.menu != shown.menu:
                self._entries = view.menu
                self._icon.update_menu()
                self._watch_menu_open()
            self._shown = view
        except Exception:  # a failed redraw must never take the loop down
            log.exception("could not update the tray icon")

    def _show_image(self, view: TrayView) -> None:
        self._icon.icon = render_icon(view.icon, self._size)
        if self._backend == "darwin":
            show_retina_image(self._icon, view)

    def _watch_menu_open(self) -> None:
        """Follow the menu's opening and closing (after each menu the backend builds)."""
        if self._backend == "darwin":
            self._menu_watcher = watch_nsmenu(self._icon, self, self._menu_watcher)
        elif self._backend == "gtk":
            menu = getattr(self._icon, "_menu_handle", None)
            if menu is not None and not getattr(menu, "_claude_tray_watched", False):
                menu.connect("show", lambda _menu: self.menu_opened())
                menu.connect("hide", lambda _menu: self.menu_closed())
                menu._claude_tray_watched = True
        elif self._backend == "win32" and self._menu_watcher is None:
            self._menu_watcher = watch_win32_menu(self._icon, self)
            load_icons_at(self._icon, self._size)

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
                    self._show_image(self._shown)
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


# --- per-OS pieces (each takes the pystray icon; called on the UI thread) ------------------------


def use_accessory_policy(appkit: Any = None) -> None:
    """macOS: no Dock icon and no ⌘-Tab entry for a tray app started from Python (the .app says
    LSUIElement in its Info.plist; a pip install has no Info.plist). NSApplication's
    `setActivationPolicy:` with NSApplicationActivationPolicyAccessory (Apple's documentation:
    "The application doesn't appear in the Dock and doesn't have a menu bar")."""
    if appkit is None:
        import AppKit as appkit  # type: ignore[import-not-found, no-redef]

    app = appkit.NSApplication.sharedApplication()
    app.setActivationPolicy_(appkit.NSApplicationActivationPolicyAccessory)


RETINA_SCALE = 2


def show_retina_image(
    icon: Any, view: TrayView, appkit: Any = None, foundation: Any = None
) -> None:
    """macOS: replace the menu-bar image pystray 0.19.5 made (as many pixels as the bar has points,
    so blurry on Retina) by one drawn at 2x with its size in points; explicitly not a template
    image (a template is shown monochrome: the level colours, "!" and "$" would vanish)."""
    if appkit is None or foundation is None:
        import AppKit as appkit  # type: ignore[no-redef]
        import Foundation as foundation  # type: ignore[import-not-found, no-redef]

    points = int(icon._status_bar.thickness())
    buffer = io.BytesIO()
    render_icon(view.icon, points * RETINA_SCALE).save(buffer, "PNG")
    image = appkit.NSImage.alloc().initWithData_(foundation.NSData(buffer.getvalue()))
    image.setSize_((points, points))
    image.setTemplate_(False)
    icon._icon_image = image  # pystray keeps it: same size in points, so it is not redrawn
    icon._status_item.button().setImage_(image)


_NSMENU_WATCHER_CLASS: Any = None


def watch_nsmenu(icon: Any, tray: TrayIcon, watcher: Any, foundation: Any = None) -> Any:
    """macOS: an NSMenuDelegate on pystray's current NSMenu telling `tray` when it opens and
    closes. Returns the delegate (kept by the caller: NSMenu holds its delegate weakly)."""
    global _NSMENU_WATCHER_CLASS
    handle = getattr(icon, "_menu_handle", None)
    if handle is None:
        return watcher
    if watcher is None:
        if _NSMENU_WATCHER_CLASS is None:  # an Objective-C class is defined once per process
            if foundation is None:
                import Foundation as foundation  # type: ignore[no-redef]

            class ClaudeTrayMenuWatcher(foundation.NSObject):  # type: ignore[misc]
                def menuWillOpen_(self, _menu: Any) -> None:
                    self.tray.menu_opened()

                def menuDidClose_(self, _menu: Any) -> None:
                    self.tray.menu_closed()

            _NSMENU_WATCHER_CLASS = ClaudeTrayMenuWatcher
        watcher = _NSMENU_WATCHER_CLASS.alloc().init()
        watcher.tray = tray
    handle[0].setDelegate_(watcher)
    return watcher


def watch_win32_menu(icon: Any, tray: TrayIcon, wm_notify: int | None = None) -> bool:
    """Windows: pystray shows the menu inside its WM_NOTIFY handler for a right click
    (TrackPopupMenuEx runs a modal loop and returns when the menu closes), so wrapping that
    handler brackets the time the menu is open."""
    if wm_notify is None:
        from pystray._util import win32

        wm_notify, right_up = win32.WM_NOTIFY, win32.WM_RBUTTONUP
    else:
        right_up = WM_RBUTTONUP
    original = icon._message_handlers[wm_notify]

    def on_notify(wparam: Any, lparam: Any) -> Any:
        if lparam != right_up:
            return original(wparam, lparam)
        tray.menu_opened()
        try:
            return original(wparam, lparam)
        finally:
            tray.menu_closed()

    icon._message_handlers[wm_notify] = on_notify
    return True


WM_RBUTTONUP = 0x0205
IMAGE_ICON = 1
LR_LOADFROMFILE = 0x10


def load_icons_at(icon: Any, size: int, win32: Any = None, serialized_image: Any = None) -> None:
    """Windows: have pystray load each icon at `size` (the small-icon size the notification area
    shows, SM_CXSMICON, which follows the display scaling once the process is DPI-aware).
    pystray 0.19.5 loads its ICO with LR_DEFAULTSIZE, i.e. at SM_CXICON, the *large* icon size
    (Microsoft's documentation of LoadImage), so the taskbar would scale a stretched copy."""
    if win32 is None or serialized_image is None:
        from pystray._util import serialized_image, win32  # type: ignore[no-redef]

    def assert_icon_handle() -> None:
        if icon._icon_handle:
            return
        with serialized_image(icon.icon, "ICO") as path:
            icon._icon_handle = win32.LoadImage(None, path, IMAGE_ICON, size, size, LR_LOADFROMFILE)

    icon._assert_icon_handle = assert_icon_handle
