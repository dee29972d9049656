"""The tray's composition root: builds every part, wires them with callables, owns shutdown.

Threads: the main thread runs the tray icon's loop (macOS requires it); the engine thread is the
one writer (ledger, state marks, alert memory); watchdog's threads only enqueue hints; on POSIX a
small thread waits for SIGINT/SIGTERM (blocked everywhere else, so the UI loop, which may sit in C
code, never has to run a Python signal handler) and asks the icon to stop.

Shutdown, whatever asks for it (Quit, a signal): the icon's loop returns, then the watcher is
stopped and joined, the engine finishes its pass, saves its memory and closes the ledger, and the
instance lock is released. Every file is written atomically, so nothing is half-written.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_tray import APP_NAME, __version__
from claude_tray.adapters.platform import (
    TRANSLOCATED_MESSAGE,
    child_env,
    give_back_memory,
    is_translocated,
    keep_gl_out,
    keep_heap_small,
)
from claude_tray.core.names import Action, Look, MenuAction
from claude_tray.core.view import IconSpec, TrayView, reading_view
from claude_tray.storage.atomic import write_atomic
from claude_tray.storage.config import default_config_toml
from claude_tray.storage.learned_roots import watched_roots
from claude_tray.storage.locking import try_lock_forever
from claude_tray.storage.paths import AppPaths, app_paths
from claude_tray.storage.private import tighten

if TYPE_CHECKING:
    from claude_tray.adapters.autostart import Autostart
    from claude_tray.adapters.notify import FallbackNotifier
    from claude_tray.runtime.engine import Engine, ViewExtras
    from claude_tray.runtime.history_reader import Reader
    from claude_tray.runtime.watcher import Watcher
    from claude_tray.ui.tray import TrayIcon

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_NO_DISPLAY = 2
DEBUG_VIEW_VARIABLE = "CLAUDE_TRAY_DEBUG_VIEW"
"""A path: every published view is also written there as JSON (tests, the latency benchmark)."""
LOG_FILE = "claude-tray.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
STOP_TIMEOUT = 30.0
HISTORY_READER_LOG = "history-reader.log"
"""The history reader's stderr (its last run's)."""
HISTORY_READER_VARIABLE = "CLAUDE_TRAY_HISTORY_READER"
"""`off`: the tray reads the rest of a history itself, in slices, as before the history reader
(to compare the two, `benchmarks/tray_latency.py --env CLAUDE_TRAY_HISTORY_READER=off`)."""

NO_DISPLAY_MESSAGE = (
    f"{APP_NAME}: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so there is no tray "
    f"to show; use the CLI instead: `{APP_NAME} status`, `{APP_NAME} today`, "
    f"`{APP_NAME} sessions`, `{APP_NAME} reset`"
)


def has_display(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> bool:
    """On Linux and the BSDs a tray needs an X11 or Wayland display; elsewhere there is one."""
    env = os.environ if env is None else env
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    return True


def run_tray(debug: bool) -> int:
    """`claude-tray run`: the tray until Quit or a signal. Exit 0, or 2 with no display."""
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return EXIT_NO_DISPLAY
    keep_gl_out()  # before GTK loads: no GL driver in a tray (~50 MB less resident memory)
    keep_heap_small()  # before the threads start: freed buffers go back to the system
    leave_out_unused_modules()  # before Pillow and msgspec load
    paths = app_paths()
    lock = try_lock_forever(paths.lock_file)
    if lock is None:
        print(f"{APP_NAME} is already running")
        return EXIT_OK
    try:
        setup_logging(paths.log_dir, debug)
        log.info("%s %s starting (pid %d)", APP_NAME, __version__, os.getpid())
        for found in tighten(paths):  # files an older version left readable by others
            log.info("private: %s was %s (%s)", found.path, oct(found.mode), found.why or "fixed")
        code = TrayApp(paths).run()
        log.info("%s stopped", APP_NAME)
        return code
    finally:
        os.close(lock)


PILLOW_TRUETYPE = "PIL._imagingft"
PILLOW_READERS = (
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin",
)
"""The image formats Pillow loads before its first save besides PNG (`Image.preinit`)."""


TYPING_BACKPORTS = "typing_extensions"
"""msgspec's helpers import it for `get_type_hints` and fall back to `typing`'s, the same on
Python 3.11+ (`include_extras`, `Required`, `NotRequired`): ~0.3 MB the tray would keep."""


def leave_out_unused_modules(platform: str = sys.platform) -> list[str]:
    """Mark the modules the tray never needs as absent (`None` in `sys.modules`, Python's
    documented way) before the libraries that would import them load; returns those marked. A
    process that already loaded one keeps it. Each library named here imports the module in a
    `try`/`except ImportError` and does without it:

    - `PIL._imagingft`: `ImageDraw` imports `ImageFont`, which loads Pillow's TrueType module with
      its own copies of FreeType, HarfBuzz and Brotli (~1.2 MB resident that no other process
      shares). The icons draw their digits with bitmap glyphs (`ui.glyphs`), never a font:
      `ImageFont` imports without it and would raise only if a font were loaded.
    - the BMP, GIF, JPEG and PPM plugins, which Pillow's first `save` imports along with PNG's,
      the only format the tray writes (pystray's gtk, appindicator and darwin backends, the
      indicator's icons, the notification icon). Not on Windows: pystray writes an ICO there,
      whose plugin needs BMP's.
    - `typing_extensions` (see `TYPING_BACKPORTS`)."""
    absent = [PILLOW_TRUETYPE, TYPING_BACKPORTS]
    if platform != "win32":
        absent.extend(PILLOW_READERS)
    marked = [name for name in absent if name not in sys.modules]
    for name in marked:
        sys.modules[name] = None  # type: ignore[assignment]  # "absent", by design
    return marked


class RotatingLog(logging.FileHandler):
    """The tray's log file, rotated at `max_bytes` with `backups` numbered copies (`.1` the
    newest), as `logging.handlers.RotatingFileHandler` does, without importing that module (and
    with it `socket`, `pickle` and `queue`: ~0.3 MB the tray would keep for its whole life)."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is not None and self.max_bytes > 0:
                size = self.stream.tell() + len(self.format(record)) + len(self.terminator)
                if size >= self.max_bytes and os.path.isfile(self.baseFilename):
                    self.rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def rotate(self) -> None:
        """Close the file, shift `.1`… to `.2`… (the oldest dropped), the file to `.1`, reopen."""
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # reopened below
        base = self.baseFilename
        for n in range(self.backups - 1, 0, -1):
            if os.path.exists(f"{base}.{n}"):
                os.replace(f"{base}.{n}", f"{base}.{n + 1}")
        if self.backups > 0 and os.path.exists(base):
            os.replace(base, f"{base}.1")
        self.stream = self._open()


def setup_logging(log_dir: Path, debug: bool) -> None:
    """A rotating log file; with `debug`, everything on stderr as well."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("watchdog").setLevel(logging.INFO)  # one line per inotify event otherwise
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    if debug and not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = RotatingLog(log_dir / LOG_FILE, LOG_BYTES, LOG_BACKUPS)
    except OSError as error:
        log.warning("cannot log to %s: %s", log_dir, error)
        return
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root.addHandler(handler)


def initial_view() -> TrayView:
    """What the icon shows until the engine's first pass is done."""
    return reading_view(None)


def cli_command() -> list[str]:
    """How to run a `claude-tray` command with the installation running now."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "claude_tray"]


class TrayApp:
    """One running tray. `run()` must be called on the main thread."""

    def __init__(self, paths: AppPaths, env: dict[str, str] | None = None) -> None:
        self.paths = paths
        self.env = dict(os.environ if env is None else env)
        self.debug_view = self.env.get(DEBUG_VIEW_VARIABLE) or None
        self._stopping = threading.Event()
        self._published = 0
        self.tray: TrayIcon | None = None
        self.engine: Engine | None = None
        self.watcher: Watcher | None = None
        self.autostart: Autostart | None = None
        self.notifier: FallbackNotifier | None = None
        self.translocated = is_translocated()
        self._signal_thread: threading.Thread | None = None
        self._wakeup: tuple[int, int] | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def run(self) -> int:
        self._catch_signals()
        try:
            self._build()
            assert self.tray is not None
            if not self._stopping.is_set():
                self.tray.run(self._on_ready)
        finally:
            self._stopping.set()
            self._stop_workers()
            self._release_signals()
        return EXIT_OK

    def shutdown(self) -> None:
        """Stop the tray (any thread): the icon's loop returns and `run` cleans up."""
        if self._stopping.is_set():
            return
        log.info("stopping")
        self._stopping.set()
        if self.tray is not None:
            self.tray.stop()

    def _build(self) -> None:
        from claude_tray.adapters.autostart import make_autostart
        from claude_tray.adapters.notify import make_notifier
        from claude_tray.adapters.platform import declare_dpi_awareness
        from claude_tray.runtime.engine import Engine
        from claude_tray.runtime.watcher import Watcher
        from claude_tray.ui.tray import TrayIcon

        self.paths.sessions_state_dir.mkdir(parents=True, exist_ok=True)
        dpi = declare_dpi_awareness()  # Windows: before pystray makes its window
        if dpi:
            log.info("DPI awareness declared with %s", dpi)
        self.tray = TrayIcon(self._on_menu, initial_view())
        notifier = make_notifier(self.tray.notify, icon=notification_icon(self.paths.state_dir))
        self.notifier = notifier
        self.autostart = make_autostart()
        if self.translocated:  # never write the temporary path into the LaunchAgent
            log.warning("%s", TRANSLOCATED_MESSAGE)
        else:
            self._resync_autostart()
        self.engine = Engine(
            self._publish,
            notifier.send,
            env=self.env,
            extras=self._extras,
            on_action=self._app_action,
            rewatch=self._rewatch,
            history_reader=None
            if self.env.get(HISTORY_READER_VARIABLE) == "off"
            else self._start_history_reader,
            give_back=give_back_memory,
        )
        self.watcher = Watcher(
            watched_roots(self.paths, self.env),
            self.paths.sessions_state_dir,
            self.paths.config_file,
            self.engine.hint,
        )

    def _on_ready(self) -> None:
        """Called once the icon is up (on a thread of the UI backend): start the workers."""
        assert self.engine is not None and self.watcher is not None and self.tray is not None
        if self.translocated and self.notifier is not None:
            self.notifier.send(f"Move {APP_NAME} to Applications", TRANSLOCATED_MESSAGE, "critical")
        try:
            self.watcher.start()
        except Exception:
            log.exception("cannot watch files; the safety rescan still updates the tray")
        self.engine.start()
        if self._stopping.is_set():
            self.tray.stop()

    def _stop_workers(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.engine is not None and not self.engine.stop(STOP_TIMEOUT):
            log.warning("the engine did not stop within %.0f s", STOP_TIMEOUT)

    # --- signals ------------------------------------------------------------------------------

    def _catch_signals(self) -> None:
        """SIGINT/SIGTERM stop the tray. The handler asks the icon to stop (`stop` may be called
        from any thread). A UI loop that sits in C code (GTK without PyGObject's signal helper,
        AppKit) may never run Python handlers: then the wakeup byte the C-level handler writes is
        read by a small thread, which does the same."""
        wanted = (signal.SIGINT, signal.SIGTERM)
        for number in wanted:
            signal.signal(number, self._on_signal)
        if sys.platform != "win32":  # win32's UI loop runs Python, so the handler runs there
            read_end, write_end = os.pipe()
            os.set_blocking(write_end, False)
            self._wakeup = (read_end, write_end)
            signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
            self._signal_thread = threading.Thread(
                target=self._wait_for_signal,
                args=(read_end,),
                name="claude-tray-signals",
                daemon=True,
            )
            self._signal_thread.start()

    def _on_signal(self, number: int, _frame: object) -> None:
        log.info("got signal %d", number)
        self.shutdown()

    def _wait_for_signal(self, read_end: int) -> None:
        while True:
            try:
                data = os.read(read_end, 64)
            except OSError:
                return
            if not data or self._stopping.is_set():
                return
            if any(byte in (signal.SIGINT, signal.SIGTERM) for byte in data):
                log.info("got signal %s", ", ".join(str(byte) for byte in data))
                self.shutdown()
                return

    def _release_signals(self) -> None:
        if self._wakeup is None:
            return
        read_end, write_end = self._wakeup
        signal.set_wakeup_fd(-1)
        os.write(write_end, b"\0")  # ends the waiting thread
        if self._signal_thread is not None:
            self._signal_thread.join(timeout=5)
        os.close(write_end)
        os.close(read_end)
        self._wakeup = None

    # --- what the parts ask of each other ------------------------------------------------------

    def _on_menu(self, action: str) -> None:
        """A menu choice (on the UI thread): Quit here, everything else on the engine thread."""
        if action == MenuAction.QUIT:
            self.shutdown()
        elif self.engine is not None:
            self.engine.post(action)

    def _rewatch(self) -> None:
        if self.watcher is not None:
            self.watcher.roots = watched_roots(self.paths, self.env)  # learned ones included
            self.watcher.sync()

    def _start_history_reader(self, tell: Callable[[object], None]) -> Reader:
        """The history reader process (on the engine thread, when a backlog is left): the same
        installation's `claude-tray read-history`, with this tray's environment."""
        from claude_tray.runtime.history_reader import ReaderProcess

        command = [*cli_command(), "read-history"]
        env = dict(child_env(dict(self.env)))
        return ReaderProcess.start(command, env, self.paths.log_dir / HISTORY_READER_LOG, tell)

    def _publish(self, view: TrayView) -> None:
        """On the engine thread: hand the view to the icon (and the debug file, when asked)."""
        assert self.tray is not None
        self.tray.apply(view)
        self._published += 1
        if self.debug_view:
            write_debug_view(Path(self.debug_view), view, self._published)

    def _extras(self) -> ViewExtras:
        from claude_tray.runtime.engine import ViewExtras

        return ViewExtras(autostart_enabled=self._autostart_enabled())

    def _autostart_enabled(self) -> bool:
        try:
            return self.autostart is not None and self.autostart.is_enabled()
        except Exception:
            log.exception("cannot tell whether start at login is on")
            return False

    def _resync_autostart(self) -> None:
        """Keep an enabled entry pointing at the executable running now (it may have moved)."""
        from claude_tray.adapters.autostart import launch_command

        assert self.autostart is not None
        try:
            if self.autostart.sync(launch_command()):
                log.info("start at login now runs %s", " ".join(launch_command()))
        except Exception:
            log.exception("cannot update the start-at-login entry")

    def _app_action(self, action: str) -> None:
        """Actions that are not the engine's (run on the engine thread)."""
        handlers: dict[MenuAction, Callable[[], None]] = {
            MenuAction.TOGGLE_AUTOSTART: self._toggle_autostart,
            MenuAction.OPEN_CONFIG: self._open_config,
            MenuAction.OPEN_REPORT: self._open_report,
            MenuAction.ABOUT: self._about,
        }
        parsed = Action.parse(action)
        handler = handlers.get(parsed.kind) if parsed is not None else None
        if handler is None:
            log.warning("unknown menu action %r", action)
            return
        handler()

    def _toggle_autostart(self) -> None:
        from claude_tray.adapters.autostart import launch_command

        assert self.autostart is not None
        if self.autostart.is_enabled():
            self.autostart.disable()
        elif self.translocated:
            if self.notifier is not None:
                self.notifier.send(f"Move {APP_NAME} to Applications", TRANSLOCATED_MESSAGE)
        else:
            self.autostart.enable(launch_command())

    def _open_config(self) -> None:
        from claude_tray.adapters.opener import open_path

        path = self.paths.config_file
        if not path.exists():  # never overwrites: only a missing file gets the defaults
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(path, "x", encoding="utf-8") as handle:
                    handle.write(default_config_toml())
            except FileExistsError:
                pass
        open_path(path, as_text=True)

    def _open_report(self) -> None:
        # The report command writes a fresh report and opens it; a separate process keeps the
        # engine thread free while it runs.
        from claude_tray.adapters.opener import launch

        try:  # reaped at once: no zombie left behind
            launch([*cli_command(), "report", "--open"], dict(child_env(dict(os.environ))))
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("cannot open the usage report: %s", error)

    def _about(self) -> None:
        assert self.notifier is not None
        self.notifier.send(
            f"{APP_NAME} {__version__}",
            f"Claude Code usage in your tray. {self.notifier.describe()} "
            f"Config: {self.paths.config_file}. Logs: {self.paths.log_dir}.",
        )


NOTIFICATION_ICON = "notification-icon.png"
NOTIFICATION_ICON_PX = 128


def notification_icon(folder: Path) -> Path | None:
    """The app's icon as a PNG file for notifications: the one a frozen build carries, else the
    tray's idle icon drawn large; None, logged, when it cannot be written."""
    from claude_tray.ui.icon import render_icon

    bundled = Path(getattr(sys, "_MEIPASS", "")) / "icons" / f"{APP_NAME}-256.png"
    if getattr(sys, "frozen", False) and bundled.is_file():
        return bundled
    path = folder / NOTIFICATION_ICON
    try:
        image = render_icon(IconSpec(Look.IDLE, None, None), NOTIFICATION_ICON_PX)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        write_atomic(path, buffer.getvalue())
    except (OSError, ValueError) as error:
        log.warning("cannot write the notification icon to %s: %s", path, error)
        return None
    return path


def write_debug_view(path: Path, view: TrayView, sequence: int) -> None:
    """The published view as JSON, with when it was published (wall clock) and its number."""
    data: dict[str, Any] = {
        "published_at": time.time(),
        "sequence": sequence,
        "pid": os.getpid(),
        "view": dataclasses.asdict(view),
    }
    try:
        write_atomic(path, json.dumps(data, ensure_ascii=False).encode())
    except OSError as error:
        log.warning("cannot write the debug view to %s: %s", path, error)
