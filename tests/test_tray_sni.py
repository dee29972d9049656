"""The tray on a StatusNotifierItem panel (pystray's `appindicator` backend, what GNOME with the
AppIndicator extension, KDE and XFCE 4.18 users get), on a real host: Debian's
`status-notifier-watcher` and `gtk-sni-tray-standalone` on Xvfb with a private D-Bus bus.

The item is read over D-Bus as a panel reads it (`IconName`, `IconThemePath`, `Status`, the menu
through `com.canonical.dbusmenu.GetLayout`); the screenshot must hold our icon drawn for the
size the panel shows it at, pixel for pixel (not a 22 px picture scaled up). Then the panel
restarts (watcher and host killed and started again) and the icon must be back by itself,
without any change of level to provoke it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from claude_tray.core.view import IconSpec
from claude_tray.ui.icon import render_icon
from claude_tray.ui.indicator import SIZES
from tests.desktop import SNI_PANEL_COLOR, WAIT, WATCHER, Desktop, running_desktop, wait_for
from tests.test_tray_e2e import SID, App, line
from tests.transcripts import ClaudeData

pytestmark = pytest.mark.desktop

PANEL = 48
SHOTS_VARIABLE = "CLAUDE_TRAY_TEST_SHOTS"
"""A folder: the test's screenshots are also copied there (to look at them after a run)."""


def keep(image: Image.Image, folder: Path, name: str) -> None:
    image.save(folder / name)
    if os.environ.get(SHOTS_VARIABLE):
        shots = Path(os.environ[SHOTS_VARIABLE])
        shots.mkdir(parents=True, exist_ok=True)
        image.save(shots / name)


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Desktop]:
    with running_desktop(tmp_path / "desktop", tray=False) as running:
        running.env["PYSTRAY_BACKEND"] = "appindicator"
        running.start_sni_panel(PANEL)
        yield running


@pytest.fixture
def app(screen: Desktop, tmp_path: Path) -> Iterator[App]:
    running = App(screen, tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)


class Bus:
    """A jeepney connection to the desktop's bus, for reading the item as a panel does."""

    def __init__(self, address: str) -> None:
        from jeepney.io.blocking import open_dbus_connection

        self.connection = open_dbus_connection(bus=address)

    def call(
        self, destination: str, path: str, interface: str, method: str, signature: str, *args: Any
    ) -> Any:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(path, bus_name=destination, interface=interface)
        message = new_method_call(address, method, signature, args)
        reply = self.connection.send_and_get_reply(message, timeout=30)
        if reply.header.message_type.name == "error":
            raise RuntimeError(f"{method}: {reply.body}")
        return reply.body

    def prop(self, destination: str, path: str, interface: str, name: str) -> Any:
        (value,) = self.call(
            destination, path, "org.freedesktop.DBus.Properties", "Get", "ss", interface, name
        )
        return value[1]

    def items(self) -> list[str]:
        try:
            found = self.prop(
                WATCHER,
                "/StatusNotifierWatcher",
                WATCHER,
                "RegisteredStatusNotifierItems",
            )
        except RuntimeError:
            return []
        return list(found)

    def close(self) -> None:
        self.connection.close()


ITEM = "org.kde.StatusNotifierItem"


ITEM_PATH = "/org/ayatana/NotificationItem/claude_tray"
"""Where libayatana exports the item (its id, "claude-tray", with "-" made "_")."""


def read_item(bus: Bus, owner: str) -> dict[str, Any]:
    path = ITEM_PATH
    return {
        name: bus.prop(owner, path, ITEM, name)
        for name in ("IconName", "IconThemePath", "Status", "Menu", "Title")
    }


def owners(bus: Bus) -> list[str]:
    """The bus names of the items the watcher lists."""
    return [item.split("/", 1)[0] for item in bus.items()]


def menu_labels(bus: Bus, owner: str, menu_path: str) -> list[str]:
    _revision, layout = bus.call(
        owner, menu_path, "com.canonical.dbusmenu", "GetLayout", "iias", 0, -1, ["label"]
    )

    def walk(node: Any) -> Iterator[str]:
        _id, props, children = node
        if "label" in props:
            yield str(props["label"][1])
        for child in children:
            yield from walk(child[1])

    return list(walk(layout))


def panel_strip(screen: Desktop) -> Image.Image:
    """The right half of the panel, where the host puts items (`--end`); libayatana's XEmbed
    fallback window, while there is one, sits at the top left."""
    return screen.screenshot().crop((screen.width // 2, 0, screen.width, PANEL))


def icon_box(strip: Image.Image) -> tuple[int, int, int, int] | None:
    background = Image.new("RGB", strip.size, SNI_PANEL_COLOR)
    return ImageChops.difference(strip, background).getbbox()


def drawn_at_size(strip: Image.Image, spec: IconSpec) -> int | None:
    """The size (from SIZES) whose drawing of `spec`, on the panel's colour, is in `strip` pixel
    for pixel; None when the panel shows something else (a scaled picture, nothing)."""
    box = icon_box(strip)
    if box is None:
        return None
    left, top, right, bottom = box
    for size in SIZES:
        if size > PANEL:
            break
        icon = render_icon(spec, size)
        expected = Image.new("RGB", (size, size), SNI_PANEL_COLOR)
        expected.paste(icon, (0, 0), icon)
        visible = icon.getchannel("A").getbbox()
        if visible is None:
            continue
        # where the icon's top left corner must be for its visible part to sit at the box
        x, y = left - visible[0], top - visible[1]
        if (right - left, bottom - top) != (visible[2] - visible[0], visible[3] - visible[1]):
            continue
        shown = strip.crop((x, y, x + size, y + size))
        difference = ImageChops.difference(shown, expected).getbbox()
        if difference is None:
            return size
    return None


def test_the_tray_on_a_status_notifier_panel(
    screen: Desktop, app: App, claude: ClaudeData, tmp_path: Path
) -> None:
    path = claude.write(SID, line(50, 1))
    app.wait_view("the first view", lambda v: v["icon"]["text"] == "50", timeout=WAIT)
    bus = Bus(screen.env["DBUS_SESSION_BUS_ADDRESS"])
    try:
        owner = wait_for(lambda: (bus.items() or [None])[0], WAIT, "the item to register")
        owner = owner.split("/", 1)[0]

        # 1. the item as the panel reads it: a themed name, drawn per size, and its menu
        item = wait_for(
            lambda: (
                (got := read_item(bus, owner))["IconName"].startswith("claude-tray-ok-") and got
            ),
            WAIT,
            "the green icon's name",
        )
        assert item["Status"] == "Active"
        theme = Path(item["IconThemePath"])
        for size in SIZES:
            drawn = theme / "hicolor" / f"{size}x{size}" / "apps" / f"{item['IconName']}.png"
            assert Image.open(drawn).size == (size, size)
        labels = menu_labels(bus, owner, item["Menu"])
        assert labels[-1] == "Quit" and any(label.startswith("Today $") for label in labels)

        # 2. the level changes: a new name, and the panel shows it drawn for its own size
        claude.append(path, line(87, 2))
        view = app.wait_view("87%", lambda v: v["icon"]["text"] == "87", timeout=WAIT)
        spec = IconSpec(**view["icon"])
        item = wait_for(
            lambda: (
                (got := read_item(bus, owner))["IconName"].startswith(f"claude-tray-{spec.look}")
                and got
            ),
            WAIT,
            "the new icon's name",
        )
        size = wait_for(lambda: drawn_at_size(panel_strip(screen), spec), WAIT, "the sharp icon")
        assert size >= 32, f"the {PANEL} px panel shows the {size} px drawing"
        keep(screen.screenshot().crop((400, 0, screen.width, PANEL)), tmp_path, "sni-48.png")

        # 3. the panel restarts: the item registers with the new watcher by itself (no level
        # change provokes it), and the new host draws it
        screen.stop_sni_panel()
        wait_for(lambda: screen.bus_name_owner(WATCHER) is None, WAIT, "the watcher to go")
        screen.start_sni_watcher()
        wait_for(lambda: owner in owners(bus), WAIT, "the item registered with the new watcher")
        screen.start_sni_host(PANEL)  # after it: gtk-sni-tray's start race (see start_sni_host)
        try:
            wait_for(
                lambda: drawn_at_size(panel_strip(screen), spec),
                WAIT,
                "the icon back on the restarted panel",
            )
        except pytest.fail.Exception:
            keep(screen.screenshot(), tmp_path, "sni-not-back.png")
            raise AssertionError(
                f"not back; items {bus.items()}, item {read_item(bus, owner)}, "
                f"box {icon_box(panel_strip(screen))}"
            ) from None
        keep(screen.screenshot().crop((400, 0, screen.width, PANEL)), tmp_path, "sni-restarted.png")
        assert app.view()["icon"] == view["icon"]  # nothing changed in between
    finally:
        bus.close()
    assert app.stop() == 0, app.output()
    assert "Traceback" not in app.output()
