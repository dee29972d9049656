"""A real Linux desktop for tests: Xvfb, a private D-Bus session bus, dunst and trayer.

Every part is a child process of the test, started in its own temporary folder and stopped by its
pid at the end; the display number is chosen by Xvfb itself (`-displayfd`), and the bus is private
to the test (its own socket, no service activation), so two runs never share a screen or a bus.

Use the `desktop` fixture (import it into your test module: `from tests.desktop import desktop`)
or `running_desktop(folder)` as a context manager. Then:

- `desktop.env`: a copy of `os.environ` with `DISPLAY` and `DBUS_SESSION_BUS_ADDRESS` set (and
  `PYSTRAY_BACKEND=gtk`); pass it to the processes you start. `desktop.activate(monkeypatch)` sets
  the same in this process.
- `desktop.notifications()`: every notification dunst received so far (closes them first, so
  `dunstctl history` lists them), oldest first, as `Notification(appname, summary, body)`.
- `desktop.screenshot()`: the whole screen as a Pillow RGB image.
- `desktop.click(x, y, button)`, `desktop.key(name)`: xdotool on this display.
- `desktop.tray_area()`: the tray's (x, y, width, height) on screen, from trayer's window.
- `desktop.wait_for(condition, timeout, what)`: polls `condition()` until truthy.
- `desktop.start_sni_panel(size)` / `desktop.stop_sni_panel()`: a StatusNotifierItem panel
  (Debian's `status-notifier-watcher` + `gtk-sni-tray-standalone`, a bar `size` px high at the
  top, background `SNI_PANEL_COLOR`), for pystray's `appindicator` backend; stopping and starting
  it again is what a panel or shell restart looks like to the app. `start_sni_watcher()` and
  `start_sni_host(size)` are its two halves.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.tools import require_tools

WIDTH = 800
HEIGHT = 600
"""Tall enough for the whole tray menu to open below the icon without scrolling."""
TRAY_HEIGHT = 32
SNI_TOOLS = ("status-notifier-watcher", "gtk-sni-tray-standalone")
SNI_PANEL_COLOR = (0x40, 0x40, 0x40)
TOOLS = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "trayer", "xdotool", "import", "xwininfo")
T = TypeVar("T")
WAIT = 60.0
"""The deadline for what the desktop's programs and the tray show: generous, since a loaded
machine starts and draws them late (a deadline costs only a failing test its time)."""
WATCHER = "org.kde.StatusNotifierWatcher"

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

_DUNSTRC = """[global]
    monitor = 0
    follow = none
    origin = top-left
    offset = 10x50
    notification_limit = 0
    history_length = 100
    sticky_history = yes
    markup = full
    stack_duplicates = false
    show_age_threshold = -1
[urgency_low]
    timeout = 0
    format = "LOW|%s"
[urgency_normal]
    timeout = 0
    format = "NORMAL|%s"
[urgency_critical]
    timeout = 0
    format = "CRITICAL|%s"
"""


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    appname: str
    summary: str
    body: str
    urgency: str = ""
    """LOW, NORMAL or CRITICAL: dunst's history has no urgency field, so each urgency's `format`
    (DUNSTRC) starts the shown text with its name."""
    icon_path: str = ""


@dataclass
class Desktop:
    folder: Path
    display: str
    env: dict[str, str]
    width: int = WIDTH
    height: int = HEIGHT
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A command on this desktop (its env), output captured as text."""
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, check=check, timeout=30
        )

    def activate(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point this process (pystray, jeepney, Gio) at this desktop."""
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "PYSTRAY_BACKEND"):
            monkeypatch.setenv(name, self.env[name])

    def notifications(self) -> list[Notification]:
        self.run("dunstctl", "close-all")
        data = json.loads(self.run("dunstctl", "history").stdout)
        found = []
        for group in data.get("data", []):
            for item in group:
                found.append(
                    Notification(
                        int(_field(item, "id") or 0),
                        _field(item, "appname"),
                        _field(item, "summary"),
                        _field(item, "body"),
                        _field(item, "message").split("|", 1)[0],
                        _field(item, "icon_path"),
                    )
                )
        return sorted(found, key=lambda n: n.id)

    def screenshot(self) -> Any:
        """The whole screen (a Pillow `Image` in RGB)."""
        from PIL import Image

        data = subprocess.run(
            ["import", "-silent", "-window", "root", "png:-"],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        return Image.open(BytesIO(data)).convert("RGB")

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.run("xdotool", "mousemove", str(x), str(y), "click", str(button))

    def key(self, name: str) -> None:
        self.run("xdotool", "key", name)

    def tray_area(self) -> tuple[int, int, int, int]:
        """Where trayer's window is: (x, y, width, height)."""
        out = self.run("xwininfo", "-name", "panel").stdout
        values = {}
        for line in out.splitlines():
            key, _, value = line.strip().partition(":")
            values[key] = value.strip()
        return (
            int(values["Absolute upper-left X"]),
            int(values["Absolute upper-left Y"]),
            int(values["Width"]),
            int(values["Height"]),
        )

    def start_sni_panel(self, size: int = TRAY_HEIGHT) -> None:
        """The watcher, then the host (a panel's start)."""
        self.start_sni_watcher()
        self.start_sni_host(size)

    def start_sni_watcher(self) -> None:
        """The StatusNotifierWatcher alone, once it owns its bus name (items register with it)."""
        require_tools(
            *SNI_TOOLS,
            install="apt-get install haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils",
        )
        self.stop_sni_panel()
        with (self.folder / "sni.log").open("ab") as log:
            self.processes["sni-watcher"] = subprocess.Popen(
                ["status-notifier-watcher"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_for(lambda: self.bus_name_owner(WATCHER) is not None, 30, "the SNI watcher")

    def start_sni_host(self, size: int = TRAY_HEIGHT) -> None:
        """The host drawing the watcher's items: a bar `size` px high at the top of the screen.

        gtk-sni-tray can draw an item twice when the item registers while the host starts (it
        adds the items the watcher lists and then those it hears of, without checking for one
        it has: taffybar/gtk-sni-tray#21); start it after the items a test wants drawn once."""
        color = "#{:02x}{:02x}{:02x}".format(*SNI_PANEL_COLOR)
        with (self.folder / "sni.log").open("ab") as log:
            self.processes["sni-host"] = subprocess.Popen(
                ["gtk-sni-tray-standalone", "--top", "--end", "-s", str(size), "-c", color],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop_sni_panel(self) -> None:
        for name in ("sni-host", "sni-watcher"):
            process = self.processes.pop(name, None)
            if process is not None:
                _stop(process)

    def bus_name_owner(self, name: str) -> str | None:
        """The unique name owning `name` on this desktop's bus, or None."""
        result = self.run(
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetNameOwner",
            f"string:{name}",
            check=False,
        )
        if result.returncode != 0:
            return None
        return result.stdout.strip().splitlines()[-1].split('"')[1]

    def wait_for(
        self, condition: Callable[[], T], timeout: float = 10.0, what: str = "condition"
    ) -> T:
        return wait_for(condition, timeout, what)


def _field(item: dict[str, Any], name: str) -> str:
    value = item.get(name, {})
    return str(value.get("data", "")) if isinstance(value, dict) else str(value)


def wait_for(condition: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """Poll `condition()` every 50 ms until it is truthy; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def running_desktop(
    folder: Path,
    tray: bool = True,
    notifications: bool = True,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Iterator[Desktop]:
    """Xvfb + a private D-Bus + (dunst) + (trayer), all stopped by pid on exit."""
    require_tools(
        *TOOLS,
        install="apt-get install xvfb dbus-x11 trayer dunst libnotify-bin xdotool imagemagick "
        "x11-utils",
    )
    folder.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        display = _start_xvfb(folder, processes, width, height)
        env = dict(os.environ, DISPLAY=display, PYSTRAY_BACKEND="gtk", NO_AT_BRIDGE="1")
        env["XDG_RUNTIME_DIR"] = str(_private_dir(folder / "runtime"))
        env["DBUS_SESSION_BUS_ADDRESS"] = _start_bus(folder, env, processes)
        desktop = Desktop(folder, display, env, width, height, processes)
        if notifications:
            _start_dunst(desktop)
        if tray:
            _start_trayer(desktop)
        yield desktop
    finally:
        for name in reversed(list(processes)):
            _stop(processes[name])


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    with running_desktop(tmp_path / "desktop") as running:
        yield running


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _start_xvfb(
    folder: Path, processes: dict[str, subprocess.Popen[bytes]], width: int, height: int
) -> str:
    read_end, write_end = os.pipe()
    try:
        processes["Xvfb"] = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=(folder / "xvfb.log").open("wb"),
        )
        os.close(write_end)
        write_end = -1
        number = b""
        with os.fdopen(read_end, "rb") as reader:
            read_end = -1
            while not number.endswith(b"\n"):
                chunk = reader.read(1)
                if not chunk:
                    break
                number += chunk
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
    if not number.strip().isdigit():
        pytest.fail(f"Xvfb did not start: {(folder / 'xvfb.log').read_text(errors='replace')}")
    return f":{number.strip().decode()}"


def _start_bus(
    folder: Path, env: dict[str, str], processes: dict[str, subprocess.Popen[bytes]]
) -> str:
    socket = folder / "bus"
    config = folder / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket=socket))
    processes["dbus"] = subprocess.Popen(
        ["dbus-daemon", "--nofork", f"--config-file={config}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "dbus.log").open("wb"),
    )
    wait_for(socket.exists, WAIT, "the D-Bus socket")
    return f"unix:path={socket}"


def _start_dunst(desktop: Desktop) -> None:
    rc = desktop.folder / "dunstrc"
    rc.write_text(_DUNSTRC)
    desktop.processes["dunst"] = subprocess.Popen(
        ["dunst", "-config", str(rc)],
        env=desktop.env,
        stdout=subprocess.DEVNULL,
        stderr=(desktop.folder / "dunst.log").open("wb"),
    )
    _wait_started(
        desktop,
        "dunst",
        lambda: desktop.run("dunstctl", "is-paused", check=False).returncode == 0,
        "dunst on the session bus",
    )


def _start_trayer(desktop: Desktop) -> None:
    desktop.processes["trayer"] = subprocess.Popen(
        [
            "trayer",
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "request",
            "--height",
            str(TRAY_HEIGHT),
            "--transparent",
            "false",
            "--tint",
            "0x404040",
            "--SetDockType",
            "true",
            "--expand",
            "true",
        ],
        env=desktop.env,
        stdout=subprocess.DEVNULL,
        stderr=(desktop.folder / "trayer.log").open("wb"),
    )
    _wait_started(
        desktop,
        "trayer",
        lambda: desktop.run("xwininfo", "-name", "panel", check=False).returncode == 0,
        "trayer's window",
    )


def _wait_started(desktop: Desktop, name: str, condition: Callable[[], object], what: str) -> None:
    """Wait for `what` from the program started as `name`; a failure says whether it is still
    running and ends with its log (`<folder>/<name>.log`)."""
    process = desktop.processes[name]
    try:
        desktop.wait_for(lambda: process.poll() is not None or condition(), WAIT, what)
        if process.poll() is None:
            return
        problem = f"{name} exited with {process.returncode} before {what}"
    except pytest.fail.Exception as error:
        problem = f"{error} ({name} {'running' if process.poll() is None else 'exited'})"
    log = desktop.folder / f"{name}.log"
    pytest.fail(
        f"{problem}; its log: {log.read_text(errors='replace')[-2000:] if log.exists() else '-'}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
