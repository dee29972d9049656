"""The tray's per-OS behaviour with pystray's backends faked as they behave on macOS and Windows.

- pystray 0.19.5, darwin backend (its source, `_darwin.py`): the setup callback runs on a thread
  of its own while AppKit's loop runs on the main thread; a menu click is resolved at click time
  as `callbacks[sender.tag()]` in the icon's *current* `_menu_handle`, which `update_menu()`
  replaces: a menu swapped while open runs another row. AppKit sends the NSMenu delegate
  `menuWillOpen:` and `menuDidClose:` (Apple's NSMenuDelegate documentation), the latter before
  the clicked item's action.
- pystray 0.19.5, win32 backend (`_win32.py`): a right click's WM_NOTIFY handler runs
  TrackPopupMenuEx, a modal loop that keeps dispatching the window's messages (so a posted
  update runs while the menu is open) and returns the chosen row when the menu closes.
- AppKit rules (Apple's documentation): UI objects only on the main thread;
  `setActivationPolicy:` with NSApplicationActivationPolicyAccessory keeps an app out of the Dock;
  an NSImage's `size` is in points, so a 44 px image of size 22x22 is drawn at 2x on Retina.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from claude_tray.core.view import IconSpec, MenuEntry, TrayView
from claude_tray.ui import tray as tray_module
from claude_tray.ui.tray import (
    TrayIcon,
    show_retina_image,
    use_accessory_policy,
    watch_nsmenu,
    watch_win32_menu,
)

BEFORE = TrayView(
    IconSpec("ok", "50", None),
    "claude-tray: app 50%",
    (MenuEntry("Reset session A", "reset:A"), MenuEntry("Quit", "quit")),
)
AFTER = TrayView(
    IconSpec("pause", "92", None),
    "claude-tray: other 92%",
    (
        MenuEntry("Reset session B", "reset:B"),
        MenuEntry("Reset session A", "reset:A"),
        MenuEntry("Quit", "quit"),
    ),
)


class MainLoop:
    """The UI loop on the thread that called `run` (AppKit's main thread)."""

    def __init__(self) -> None:
        self.work: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def call(self, work: Callable[[], None]) -> None:
        self.work.put(work)

    def run_until_stopped(self) -> None:
        """Runs work until asked to stop and nothing is left to do."""
        self.thread = threading.current_thread()
        stopping = False
        while not (stopping and self.work.empty()):
            item = self.work.get(timeout=10)
            if item is None:
                stopping = True
            else:
                item()


class DarwinLikeIcon:
    """pystray's darwin Icon as it behaves (see the module docstring)."""

    HAS_NOTIFICATION = False
    loop: MainLoop

    def __init__(self, name: str, icon: Any, title: str, menu: Any) -> None:
        self.menu, self._icon, self.title = menu, icon, title
        self.visible_set_on: threading.Thread | None = None
        self.callbacks: list[Any] = []
        self.update_menu()

    @property
    def visible(self) -> bool:
        return self.visible_set_on is not None

    @visible.setter
    def visible(self, value: bool) -> None:
        self.visible_set_on = threading.current_thread()

    @property
    def icon(self) -> Any:
        return self._icon

    @icon.setter
    def icon(self, value: Any) -> None:
        self._icon = value

    def update_menu(self) -> None:
        self.callbacks = list(self.menu.items)  # a new NSMenu; tags are row indexes

    def click(self, tag: int) -> None:
        self.callbacks[tag](self)  # looked up now, in the current menu

    def run(self, setup: Callable[[Any], None]) -> None:
        threading.Thread(target=setup, args=(self,), name="pystray-setup").start()
        self.loop.run_until_stopped()

    def stop(self) -> None:
        self.loop.call(None)  # type: ignore[arg-type]


@pytest.fixture
def darwin_like(monkeypatch: pytest.MonkeyPatch) -> tuple[MainLoop, list[str]]:
    import pystray

    loop = MainLoop()
    DarwinLikeIcon.loop = loop
    monkeypatch.setattr(pystray, "Icon", DarwinLikeIcon)
    monkeypatch.setattr(TrayIcon, "_call_on_ui", lambda self, work: loop.call(work))
    return loop, []


def run_tray(actions: list[str], script: Callable[[TrayIcon], None]) -> TrayIcon:
    """Run a tray whose `on_ready` plays `script` on the UI loop, then stops it."""
    tray = TrayIcon(actions.append, BEFORE)

    def on_ready() -> None:
        tray._call_on_ui(lambda: script(tray))
        tray._call_on_ui(tray.stop)

    tray.run(on_ready)
    return tray


def test_the_fake_swaps_the_rows_under_an_open_menu(
    darwin_like: tuple[MainLoop, list[str]],
) -> None:
    """Without the hold (no menu-open signal), the same row runs another session's reset."""
    actions = darwin_like[1]

    def script(tray: TrayIcon) -> None:
        tray.apply(AFTER)  # while the user points at row 0 of the open menu
        tray._call_on_ui(lambda: tray._icon.click(0))

    run_tray(actions, script)
    assert actions == ["reset:B"]


def test_an_update_while_the_menu_is_open_waits_for_it_to_close(
    darwin_like: tuple[MainLoop, list[str]],
) -> None:
    actions = darwin_like[1]
    seen: dict[str, Any] = {}

    def script(tray: TrayIcon) -> None:
        tray.menu_opened()  # menuWillOpen:
        tray.apply(AFTER)  # the engine publishes meanwhile

        def after_apply() -> None:
            seen["title"] = tray._icon.title  # the icon and tooltip do change
            seen["rows"] = len(tray._icon.callbacks)
            tray.menu_closed()  # menuDidClose: comes before the action
            tray._icon.click(0)  # the row the user saw: "Reset session A"

            def after_release() -> None:
                seen["rows_after"] = len(tray._icon.callbacks)

            tray._call_on_ui(after_release)

        tray._call_on_ui(after_apply)

    tray = run_tray(actions, script)
    assert actions == ["reset:A"]
    assert seen == {"title": AFTER.title, "rows": 2, "rows_after": 3}
    assert tray._shown == AFTER


def test_the_icon_is_made_visible_on_the_ui_thread(
    darwin_like: tuple[MainLoop, list[str]],
) -> None:
    loop, actions = darwin_like
    tray = run_tray(actions, lambda tray: None)
    assert tray._icon.visible_set_on is loop.thread is threading.main_thread()


# --- win32: the modal menu loop ------------------------------------------------------------------


def test_win32_right_click_brackets_the_open_menu(
    darwin_like: tuple[MainLoop, list[str]],
) -> None:
    wm_notify, right_up = 0x004E, tray_module.WM_RBUTTONUP
    actions = darwin_like[1]

    def script(tray: TrayIcon) -> None:
        icon = tray._icon
        shown: list[Any] = []

        def track_popup_menu(wparam: int, lparam: int) -> None:
            """pystray's _on_notify: the menu built at the last update, a modal loop that still
            runs posted work, then the chosen row."""
            descriptors = icon.callbacks
            shown.append(len(descriptors))
            tray.apply(AFTER)  # dispatched by the modal loop: must not rebuild the open menu
            shown.append(len(icon.callbacks))
            descriptors[0](icon)

        icon._message_handlers = {wm_notify: track_popup_menu}
        watch_win32_menu(icon, tray, wm_notify)
        icon._message_handlers[wm_notify](0, right_up)
        assert shown == [2, 2]
        assert not tray.menu_is_open

    run_tray(actions, script)
    assert actions == ["reset:A"]


# --- macOS: delegate, activation policy, Retina image -------------------------------------------


class FakeNSObject:
    @classmethod
    def alloc(cls) -> Any:
        return cls()

    def init(self) -> Any:
        return self


class FakeNSMenu:
    def __init__(self) -> None:
        self.delegate: Any = None

    def setDelegate_(self, delegate: Any) -> None:
        self.delegate = delegate


def test_an_nsmenu_delegate_reports_opening_and_closing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tray_module, "_NSMENU_WATCHER_CLASS", None)
    foundation = type("Foundation", (), {"NSObject": FakeNSObject})
    events: list[str] = []
    tray = type("Tray", (), {})()
    tray.menu_opened = lambda: events.append("open")  # type: ignore[attr-defined]
    tray.menu_closed = lambda: events.append("closed")  # type: ignore[attr-defined]
    icon = type("Icon", (), {})()
    icon._menu_handle = (FakeNSMenu(), [])  # type: ignore[attr-defined]
    watcher = watch_nsmenu(icon, tray, None, foundation)  # type: ignore[arg-type]
    menu = icon._menu_handle[0]  # type: ignore[attr-defined]
    menu.delegate.menuWillOpen_(menu)
    menu.delegate.menuDidClose_(menu)
    assert events == ["open", "closed"]
    new_menu = FakeNSMenu()
    icon._menu_handle = (new_menu, [])  # type: ignore[attr-defined]
    assert watch_nsmenu(icon, tray, watcher, foundation) is watcher  # type: ignore[arg-type]
    assert new_menu.delegate is watcher  # each rebuilt menu gets it


def test_accessory_activation_policy() -> None:
    calls: list[Any] = []

    class App:
        def setActivationPolicy_(self, policy: Any) -> None:
            calls.append(policy)

    appkit = type(
        "AppKit",
        (),
        {
            "NSApplication": type("NSApplication", (), {"sharedApplication": staticmethod(App)}),
            "NSApplicationActivationPolicyAccessory": 1,
        },
    )
    use_accessory_policy(appkit)
    assert calls == [1]


def test_the_menu_bar_image_is_drawn_at_2x_with_its_size_in_points() -> None:
    made: dict[str, Any] = {}

    class NSImage:
        @classmethod
        def alloc(cls) -> NSImage:
            return cls()

        def initWithData_(self, data: bytes) -> NSImage:
            made["pixels"] = Image.open(io.BytesIO(data)).size
            return self

        def setSize_(self, size: tuple[int, int]) -> None:
            made["points"] = size

        def setTemplate_(self, template: bool) -> None:
            made["template"] = template

    class Button:
        def setImage_(self, image: Any) -> None:
            made["shown"] = image

    icon = type("Icon", (), {})()
    icon._status_bar = type("Bar", (), {"thickness": lambda self: 22.0})()  # type: ignore[attr-defined]
    icon._status_item = type("Item", (), {"button": lambda self: Button()})()  # type: ignore[attr-defined]
    appkit = type("AppKit", (), {"NSImage": NSImage})
    foundation = type("Foundation", (), {"NSData": bytes})
    show_retina_image(icon, AFTER, appkit, foundation)
    assert made["pixels"] == (44, 44) and made["points"] == (22, 22)
    assert made["template"] is False
    assert icon._icon_image is made["shown"]  # type: ignore[attr-defined]


def test_win32_icons_are_loaded_at_the_small_icon_size() -> None:
    """LoadImage(cx, cy) with LR_LOADFROMFILE picks the ICO entry of that size; pystray's
    LR_DEFAULTSIZE would ask for SM_CXICON (the large size) instead."""
    from contextlib import contextmanager

    loads: list[tuple[Any, ...]] = []

    class Win32:
        @staticmethod
        def LoadImage(*args: Any) -> int:
            loads.append(args)
            return 7

    @contextmanager
    def serialized(image: Any, fmt: str) -> Any:
        yield f"icon.{fmt.lower()}"

    icon = type("Icon", (), {"_icon_handle": None, "icon": None})()
    tray_module.load_icons_at(icon, 24, Win32, serialized)
    icon._assert_icon_handle()  # type: ignore[attr-defined]
    icon._assert_icon_handle()  # type: ignore[attr-defined]  # cached: loaded once
    assert loads == [(None, "icon.ico", 1, 24, 24, 0x10)]
    assert icon._icon_handle == 7  # type: ignore[attr-defined]


def test_dpi_awareness_is_declared_with_the_newest_call_windows_has() -> None:
    from claude_tray.adapters.platform import declare_dpi_awareness

    calls: list[tuple[str, tuple[Any, ...]]] = []

    def library(**answers: Any) -> Any:
        def call(name: str) -> Any:
            def run(*args: Any) -> Any:
                calls.append((name, args))
                return answers[name]

            return run

        return type("Lib", (), {name: staticmethod(call(name)) for name in answers})()

    new = type(
        "Windll",
        (),
        {
            "user32": library(SetProcessDpiAwarenessContext=1),
            "shcore": library(SetProcessDpiAwareness=0),
        },
    )()
    assert declare_dpi_awareness(new) == "SetProcessDpiAwarenessContext"
    assert calls == [("SetProcessDpiAwarenessContext", (-4,))]
    calls.clear()
    windows_81 = type(
        "Windll",
        (),
        {"user32": library(SetProcessDPIAware=1), "shcore": library(SetProcessDpiAwareness=0)},
    )()
    assert declare_dpi_awareness(windows_81) == "SetProcessDpiAwareness"
    assert calls == [("SetProcessDpiAwareness", (2,))]
    assert declare_dpi_awareness() == ""  # not Windows: nothing to do


def test_the_pinned_pystray_is_the_one_these_fakes_follow() -> None:
    """pystray's unreleased master makes menu-bar images template images (monochrome) and these
    fakes follow 0.19.5's private attributes: the pin in pyproject.toml must stay exact."""
    import importlib.metadata
    import importlib.util
    from pathlib import Path

    assert importlib.metadata.version("pystray") == "0.19.5"
    spec = importlib.util.find_spec("pystray")
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent
    darwin = (folder / "_darwin.py").read_text()
    win32 = (folder / "_win32.py").read_text()
    assert "setTemplate" not in darwin
    for name in ("_status_item", "_status_bar", "_icon_image", "_menu_handle"):
        assert name in darwin
    for name in ("_message_handlers", "_assert_icon_handle", "LR_DEFAULTSIZE", "TrackPopupMenuEx"):
        assert name in win32
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"pystray==0.19.5"' in pyproject


def test_the_first_menu_bar_image_is_the_2x_one_too(
    darwin_like: tuple[MainLoop, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pystray draws its own 1x image when the icon is made visible: it is replaced at once."""
    shown: list[TrayView] = []
    monkeypatch.setattr(tray_module, "show_retina_image", lambda icon, view: shown.append(view))
    monkeypatch.setattr(tray_module, "backend_name", lambda icon_class: "darwin")
    monkeypatch.setattr(tray_module, "use_accessory_policy", lambda: None)
    monkeypatch.setattr(tray_module, "watch_nsmenu", lambda icon, tray, watcher: watcher)
    run_tray(darwin_like[1], lambda tray: None)
    assert shown[:1] == [BEFORE]
