"""Which OS this is, and the few calls that exist on one OS only.

The one module that reads `sys.platform`. Its checks are written as `sys.platform == ...` so that
`mypy --platform darwin|win32` type-checks each branch for its OS.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

from claude_tray import is_frozen as is_frozen  # one check for the whole app

if sys.platform == "win32":
    import winreg

OsName = Literal["linux", "macos", "windows"]
NOT_WINDOWS = "the Windows registry exists on Windows only"


_OS: OsName
if sys.platform == "darwin":
    _OS = "macos"
elif sys.platform == "win32":
    _OS = "windows"
else:
    _OS = "linux"


def current_os() -> OsName:
    """ "macos", "windows", or "linux" (any other Unix with X11/Wayland is treated as Linux)."""
    return _OS


GDK_GL = "GDK_GL"
"""GTK 3's switch for GDK's OpenGL support (`GDK_GL=disable`)."""
_GL_SWITCHED_OFF = "disable"
_switched: list[bool] = []


def keep_gl_out(env: MutableMapping[str, str] | None = None) -> bool:
    """Linux and the BSDs, before GTK loads: tell GDK not to set OpenGL up. A tray icon draws
    nothing with GL (GTK 3 draws its menus with cairo; only a GtkGLArea uses GL), yet GDK's GLX
    set-up at start maps the GL driver: Mesa's swrast_dri with LLVM, ~50 MB resident. GTK's own
    switch, so it holds for every GTK backend of pystray (gtk, appindicator) and on Wayland (EGL)
    too. A value the user set wins. True when it was set here (`child_env` then takes it back
    out of what child processes inherit)."""
    env = os.environ if env is None else env
    if current_os() != "linux" or GDK_GL in env:
        return False
    env[GDK_GL] = _GL_SWITCHED_OFF
    if env is os.environ:
        _switched.append(True)
    return True


def child_env(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """`env` for a child process (a browser, a file manager): without the switches this process
    set for itself only (`keep_gl_out`)."""
    if _switched and env.get(GDK_GL) == _GL_SWITCHED_OFF:
        del env[GDK_GL]
    return env


def start_file(path: str) -> None:
    """Open `path` with its default app (Windows only: `os.startfile`)."""
    if sys.platform == "win32":
        os.startfile(path)
    else:
        raise OSError("os.startfile exists on Windows only")


DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2 = -4
PROCESS_PER_MONITOR_DPI_AWARE = 2


def _windll() -> object:
    if sys.platform == "win32":
        import ctypes

        windll: object = ctypes.windll
        return windll
    else:
        return None


def declare_dpi_awareness(windll: object = None) -> str:
    """Windows: declare the process DPI-aware before any window exists, so the tray icon is drawn
    at the size the taskbar asks for instead of a 16 px bitmap stretched by 125–200% scaling
    (neither python.exe nor the PyInstaller build declares it in a manifest). Tries, in order,
    `SetProcessDpiAwarenessContext(PER_MONITOR_AWARE_V2)` (Windows 10 1703+),
    `SetProcessDpiAwareness(PROCESS_PER_MONITOR_DPI_AWARE)` (8.1+) and `SetProcessDPIAware()`
    (Vista+), per Microsoft's "Setting the default DPI awareness for a process". Returns which one
    worked ("" elsewhere, or when none did: a process already declared keeps its own)."""
    if windll is None:
        windll = _windll()
    user32 = getattr(windll, "user32", None)
    shcore = getattr(windll, "shcore", None)
    attempts = (
        (user32, "SetProcessDpiAwarenessContext", (DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2,)),
        (shcore, "SetProcessDpiAwareness", (PROCESS_PER_MONITOR_DPI_AWARE,)),
        (user32, "SetProcessDPIAware", ()),
    )
    for library, name, args in attempts:
        call = getattr(library, name, None)
        if call is None:
            continue
        try:
            result = call(*args)
        except OSError:
            continue
        # BOOL calls return non-zero on success; SetProcessDpiAwareness returns S_OK (0).
        if (result == 0) if name == "SetProcessDpiAwareness" else bool(result):
            return name
    return ""


TRANSLOCATED_MESSAGE = (
    "claude-tray is running from a temporary copy macOS made of it (App Translocation, for an "
    "app opened where it was downloaded): move claude-tray.app to Applications, then open it "
    "from there; start at login and the hooks would point at this copy, which is gone after a "
    "restart"
)


def is_translocated(path: str | None = None) -> bool:
    """True when `path` (default: this executable) lies in a translocated copy of an app: macOS
    runs an app from quarantined downloads from a random read-only path under
    `/private/var/folders/…/AppTranslocation/` (Apple's Gatekeeper Path Randomization)."""
    return "/AppTranslocation/" in (path if path is not None else sys.executable)


STORE_PYTHON_NOTE = (
    "this Python comes from the Microsoft Store, which gives each app its own copy of the "
    "registry: Windows may ignore this Run entry at login; use a Python from python.org, or the "
    "claude-tray build, for start at login"
)


def is_store_python(path: str | None = None) -> bool:
    """True for the Microsoft Store's Python (it runs from a `WindowsApps` package folder; its
    HKCU writes are redirected to a per-package hive, Microsoft's documentation of packaged
    desktop apps, so another program reading HKCU\\...\\Run never sees them)."""
    name = (path if path is not None else sys.executable).replace("/", "\\").lower()
    return "\\windowsapps\\" in name or "pythonsoftwarefoundation.python" in name


class WindowsRegistry:
    """String values under one key of HKEY_CURRENT_USER (the `Registry` of `autostart`)."""

    def __init__(self, key_path: str) -> None:
        self.key_path = key_path

    def read(self, name: str) -> str | None:
        if sys.platform == "win32":
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key_path) as key:
                    value, kind = winreg.QueryValueEx(key, name)
            except FileNotFoundError:
                return None
            return str(value) if kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) else None
        raise OSError(NOT_WINDOWS)

    def write(self, name: str, value: str) -> None:
        if sys.platform == "win32":
            access = winreg.KEY_SET_VALUE
            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, self.key_path, 0, access) as key:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)
            return
        raise OSError(NOT_WINDOWS)

    def delete(self, name: str) -> None:
        if sys.platform == "win32":
            access = winreg.KEY_SET_VALUE
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key_path, 0, access) as key:
                    winreg.DeleteValue(key, name)
            except FileNotFoundError:
                pass
            return
        raise OSError(NOT_WINDOWS)


BACKGROUND_NICE = 10
"""How much lower than normal the tray's history reader runs (POSIX `nice` steps): below the
tray and the user's work, yet not starved while it holds the ledger's write lock for one file."""
BELOW_NORMAL_PRIORITY_CLASS = 0x4000


def lower_priority() -> str:
    """Run this process below normal priority (the history reader): `nice` on Linux and macOS,
    the below-normal priority class on Windows. Returns what was done ("" when nothing could
    be: the process then runs at normal priority, which is only slower for the others)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        if kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS):
            return "below-normal priority class"
        return ""
    else:
        try:
            return f"nice {os.nice(BACKGROUND_NICE)}"
        except OSError:
            return ""


def peak_memory_mb() -> float | None:
    """This process's peak resident memory so far (MB), where the OS tells it (not Windows)."""
    if sys.platform == "win32":
        return None
    else:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 << 10
"""Allocations this large or larger get pages of their own, given back when freed."""


def keep_heap_small() -> bool:
    """Linux with glibc, in the tray at start: a fixed mmap threshold, so that large buffers
    (the 8 MiB reads of a transcript) are given back to the system when freed; glibc's default
    raises the threshold after the first such free and keeps later buffers in the heap for good
    (~5 MB of a tray that read a day of a large history). One malloc arena for all threads (the
    tray's threads allocate little; each arena keeps its own free memory). True when set."""
    libc = _glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, 1))


def give_back_memory() -> bool:
    """Linux with glibc: hand the free memory inside the C heap back to the system
    (`malloc_trim(0)`, which since glibc 2.8 also releases the free pages between blocks still
    in use, not only the heap's top). The tray calls it after each pass: what a pass freed
    otherwise stays resident until the heap needs it again. A fraction of a millisecond on the
    tray's heap. True when memory was given back; False elsewhere (other allocators give it
    back by themselves, or not at all)."""
    libc = _glibc()
    return libc is not None and bool(libc.malloc_trim(0))


_libc: list[object] = []


def _glibc() -> Any:
    """The C library when it is glibc (Linux), loaded once; else None (musl has no libc.so.6;
    macOS and Windows have neither call)."""
    if sys.platform == "linux":
        if not _libc:
            import ctypes

            try:
                libc: object = ctypes.CDLL("libc.so.6")
                if not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
                    libc = None
            except OSError:
                libc = None
            _libc.append(libc)
        return _libc[0]
    else:
        return None
