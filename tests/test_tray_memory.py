"""The tray keeps GL out: GDK's own switch set before GTK loads, and taken back out of what the
tray's children inherit. Memory figures themselves are measured by benchmarks/tray_latency.py;
here: which libraries a real tray process maps, under Xvfb."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_tray.adapters import platform
from claude_tray.adapters.platform import GDK_GL, child_env, keep_gl_out
from claude_tray.engine.ingest import PassStats, ingest
from claude_tray.engine.read import CHUNK, LEAN_CHUNK, read_file
from claude_tray.storage.ledger import Ledger
from tests.tools import Passes, missing
from tests.transcripts import ClaudeData, assistant

GL_LIBRARIES = ("libGL", "libEGL", "_dri.so", "libLLVM", "libgbm", "libglapi")


def test_the_switch_is_set_only_where_gtk_runs_and_never_over_the_users() -> None:
    env: dict[str, str] = {}
    assert keep_gl_out(env) is (sys.platform.startswith("linux"))
    if sys.platform.startswith("linux"):
        assert env == {GDK_GL: "disable"}
    mine = {GDK_GL: "always"}
    assert keep_gl_out(mine) is False and mine == {GDK_GL: "always"}


def test_children_do_not_inherit_the_trays_own_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GDK_GL, raising=False)
    monkeypatch.setattr(platform, "_switched", [])
    assert child_env({GDK_GL: "disable"}) == {GDK_GL: "disable"}  # the user's own: kept
    if keep_gl_out():
        assert os.environ[GDK_GL] == "disable"
        assert GDK_GL not in child_env(dict(os.environ))
        assert child_env({GDK_GL: "always"}) == {GDK_GL: "always"}


@pytest.mark.parametrize("backend", ["gtk", "appindicator"])
def test_a_running_tray_maps_no_gl_library_nor_ones_it_never_uses(
    tmp_path: Path, claude: ClaudeData, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        import psutil
    except ImportError:
        missing("psutil", "pip install -e '.[test]'")
    from tests.desktop import running_desktop, wait_for

    if backend == "appindicator":
        probe = "import gi; gi.require_version('AyatanaAppIndicator3', '0.1')"
        if subprocess.run([sys.executable, "-c", probe], check=False).returncode != 0:
            missing(
                "the AyatanaAppIndicator3 typelib",
                "apt-get install gir1.2-ayatanaappindicator3-0.1",
            )
    monkeypatch.delenv(GDK_GL, raising=False)
    claude.write("s1", assistant("s1", "2026-11-20T10:00:00.000Z", "m1", input=5, output=5))
    view = tmp_path / "view.json"
    with running_desktop(tmp_path / "desktop", notifications=False) as desktop:
        env = {**desktop.env, "PYSTRAY_BACKEND": backend, "CLAUDE_TRAY_DEBUG_VIEW": str(view)}
        env.pop(GDK_GL, None)
        command = [sys.executable, "-m", "claude_tray", "run"]
        process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_for(view.exists, timeout=60, what="the first view")
            tray = psutil.Process(process.pid)
            wait_for(lambda: tray.num_threads() >= 3, timeout=30, what="the tray's threads")
            mapped = {Path(m.path).name for m in tray.memory_maps() if m.path.startswith("/")}
            assert any(name.startswith("libgtk-3") for name in mapped), "GTK is not loaded"
            assert not [n for n in mapped if any(g in n for g in GL_LIBRARIES)]
            # Nor what the tray never uses: OpenSSL (`hashlib`: ~3 MB resident), Pillow's
            # TrueType engine and its FreeType/HarfBuzz copies (~1.2 MB; the icons' digits
            # are bitmap glyphs), the XML parser of macOS's plists.
            unused = ("libcrypto", "_hashlib", "_imagingft", "pyexpat")
            assert not [n for n in mapped if any(u in n for u in unused)]
        finally:
            process.terminate()
            assert process.wait(30) == 0


def test_the_history_is_read_by_a_reader_process_that_dies_with_the_tray(
    tmp_path: Path, claude: ClaudeData
) -> None:
    """A first start on a history of old transcripts: the real tray reads today's file itself and
    starts the history reader (`claude-tray read-history`) for the rest. The tray process reads
    far fewer bytes than the old files hold; the reader waits on the ledger's write lock (held
    here), and when the tray is killed (SIGKILL: no clean-up of its own) the reader exits too,
    leaving the ledger sound."""
    import signal
    import sqlite3
    from datetime import UTC, datetime

    try:
        import psutil
    except ImportError:
        missing("psutil", "pip install -e '.[test]'")
    from claude_tray.storage.paths import app_paths
    from tests.desktop import running_desktop, wait_for

    now = time.time()
    filler = "x" * 2000
    old_bytes = 0
    for n in range(40):  # 40 old sessions, ~1 MB each, one a day before yesterday
        moment = now - (n + 2) * 86400
        stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        lines = [
            assistant(f"old-{n}", stamp, f"old-{n}-{k}", input=10, output=100, content=filler)
            for k in range(400)
        ]
        path = claude.write(f"old-{n}", *lines)
        os.utime(path, (moment + 60, moment + 60))
        old_bytes += path.stat().st_size
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    claude.write("live", assistant("live", stamp, "live-1", input=5, output=5))
    view = tmp_path / "view.json"
    ledger = app_paths().ledger
    with running_desktop(tmp_path / "desktop", notifications=False) as desktop:
        env = {**desktop.env, "CLAUDE_TRAY_DEBUG_VIEW": str(view)}
        process = subprocess.Popen(
            [sys.executable, "-m", "claude_tray", "run"], env=env, stderr=subprocess.DEVNULL
        )
        holder = None
        try:
            wait_for(view.exists, timeout=60, what="the first view")
            holder = sqlite3.connect(ledger, isolation_level=None, timeout=60)
            holder.execute("BEGIN IMMEDIATE")  # the reader now waits to write its first file
            tray = psutil.Process(process.pid)

            def the_reader() -> Any:
                for child in tray.children():
                    if "read-history" in child.cmdline():
                        return child
                return None

            reader = wait_for(the_reader, timeout=60, what="the history reader")
            assert tray.io_counters().read_chars < old_bytes / 2  # the old files are not its
            process.send_signal(signal.SIGKILL)
            process.wait(30)

            def gone() -> bool:
                try:
                    return reader.status() == psutil.STATUS_ZOMBIE
                except psutil.NoSuchProcess:
                    return True

            wait_for(gone, timeout=30, what="the history reader to exit with the tray")
        finally:
            if holder is not None:
                holder.execute("ROLLBACK")
                holder.close()
            if process.poll() is None:
                process.kill()
                process.wait(30)
    with sqlite3.connect(ledger) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        read = {Path(p).stem for (p,) in check.execute("SELECT path FROM files")}
    assert "live" in read and len(read) < 41  # the reader stopped before the end


# --- What a pass holds at its peak ------------------------------------------------------------
# Python keeps every memory pool a pass touched (a pool is given back only when all of its arena
# is free), so the tray's memory is the high-water mark of its passes: a pass over thousands of
# transcripts must never hold an entry for each. Measured with tracemalloc (Python's own
# allocations; SQLite's are not Python's), on real files and a real ledger.

DAY = 86400.0


def old_sessions(claude: ClaudeData, count: int, now: float) -> list[Path]:
    """`count` small transcripts, one every 10 minutes going back from two days ago."""
    paths = []
    for n in range(count):
        moment = now - 2 * DAY - n * 600
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(moment))
        path = claude.write(f"old-{n:05d}", assistant(f"old-{n:05d}", stamp, f"m-{n}", output=n))
        os.utime(path, (moment + 1, moment + 1))
        paths.append(path)
    return paths


def peak_mb(work: Callable[[], object]) -> float:
    """What `work` allocates (in Python) at its peak beyond what was there before, in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        work()
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


def test_a_pass_over_thousands_of_transcripts_holds_no_entry_for_each(
    tmp_path: Path, claude: ClaudeData
) -> None:
    """The tray's passes over 3,000 transcripts in one folder: the first (the history left to the
    history reader: counted, not listed) and the minute's safety rescan once all is read
    (nothing changed) each hold well under what 3,000 stats, listing entries, marks or listed
    files take (~1 KB each: ~3 MB). (Reading a file is measured apart: its buffer is one block
    the system takes back.)"""
    now = time.time()
    old_sessions(claude, 3000, now)
    roots = [claude.root]
    warm = Ledger(tmp_path / "warm.sqlite3")
    ingest(warm, roots, since=now - DAY, lean=True)  # the imports and caches of a first pass
    warm.close()
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    first: list[PassStats] = []
    assert peak_mb(lambda: first.append(ingest(ledger, roots, since=now - DAY, lean=True))) < 1.0
    assert first[0].files_seen == first[0].unread_files == 3000 and first[0].unread == []
    ingest(ledger, roots)  # the history reader's part
    rescan: list[PassStats] = []
    assert peak_mb(lambda: rescan.append(ingest(ledger, roots, since=now - DAY, lean=True))) < 1.0
    assert rescan[0].files_seen == 3000 and rescan[0].files_read == rescan[0].unread_files == 0
    ledger.close()


def test_a_lean_pass_counts_what_it_leaves_as_a_listing_pass_lists_it(
    tmp_path: Path, claude: ClaudeData
) -> None:
    """Two ledgers, the same history, the same passes: one lean (the tray with its history
    reader), one listing what it leaves. Same files read, same rows, same counts and bytes left
    (a partly read file whose time went back, a file never read) and the same newest file left;
    only the listing pass lists them."""
    now = time.time()
    paths = old_sessions(claude, 12, now)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 60))
    claude.write("live", assistant("live", stamp, "live-1", output=7))
    lean, listing = Ledger(tmp_path / "lean.sqlite3"), Ledger(tmp_path / "listing.sqlite3")
    roots = [claude.root]
    for ledger in (lean, listing):  # a first start: today first, the rest left
        ingest(ledger, roots, since=now - DAY, lean=ledger is lean)
    for ledger in (lean, listing):  # some of the history read (the newest old files)
        ingest(ledger, roots, only=paths[:5])
    grown = paths[2]  # read, then appended to, with its time set back before every file read
    claude.append(grown, assistant("old-00002", stamp, "m-grown", output=99))
    oldest = min(p.stat().st_mtime for p in paths[:5])
    os.utime(grown, (oldest - DAY, oldest - DAY))
    never = claude.write("never", assistant("never", stamp, "m-never", output=5))
    os.utime(never, (now - 30 * DAY, now - 30 * DAY))
    a = ingest(lean, roots, since=now - DAY, lean=True)
    b = ingest(listing, roots, since=now - DAY)
    assert a.unread == [] and len(b.unread) == b.unread_files == 9  # 7 old, grown, never
    assert {str(grown), str(never)} <= {path for path, _, _ in b.unread}
    left = {path: bytes_left for path, _, bytes_left in b.unread}
    assert 0 < left[str(grown)] < grown.stat().st_size  # from where its last read ended
    for name in (
        "files_seen",
        "files_read",
        "history_bytes",
        "unread_files",
        "unread_bytes",
        "unread_newest",
    ):
        assert getattr(a, name) == getattr(b, name), name
    rows = "SELECT key, ts, session, input, output FROM messages ORDER BY key"
    assert lean.query(rows) == listing.query(rows)
    lean.close()
    listing.close()


def test_reading_in_small_chunks_finds_what_one_read_finds(claude: ClaudeData) -> None:
    """The tray reads 1 MiB at a time (`LEAN_CHUNK`): whatever the chunk, the same rows,
    sessions, skipped lines and end, with lines longer than a chunk, a bad line and a partial
    last line, from the start and from the middle."""
    lines: list[dict[str, Any] | str] = []
    for n in range(40):
        stamp = f"2026-11-20T10:{n:02d}:00.000Z"
        lines.append(assistant("chunks", stamp, f"m{n}", output=n, content="y" * (n * 37)))
        if n == 17:
            lines.append("{not json")
    path = claude.write("chunks", *lines)
    claude.append(path, b'{"type":"assistant","partial')  # no newline: held back
    middle = path.read_bytes().index(b"\n", 3000) + 1
    for start in (0, middle):
        whole = read_file(str(path), start, chunk=CHUNK)
        for chunk in (64, 1000, LEAN_CHUNK):
            part = read_file(str(path), start, chunk=chunk)
            assert (part.rows, part.sessions, part.skipped, part.lines, part.mark) == (
                whole.rows,
                whole.sessions,
                whole.skipped,
                whole.lines,
                whole.mark,
            ), chunk
    assert read_file(str(path), 0).skipped and read_file(str(path), 0).responses == 40


# --- Memory a pass freed, given back -----------------------------------------------------------

GIVE_BACK_PROBE = """
import json, sys
from claude_tray.adapters.platform import give_back_memory, keep_heap_small

def anon():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024

keep_heap_small()
blocks = [bytes(1000) for _ in range(40_000)]  # 40 MB in the C heap (over 512 bytes each)
kept = blocks[::64]
del blocks
before = anon()
given = give_back_memory()
print(json.dumps({"given": given, "before": before, "after": anon()}))
"""


def test_memory_a_pass_freed_is_given_back_to_the_system() -> None:
    """A real process frees most of 40 MB of blocks that lie between blocks it keeps: the C
    library keeps those pages until `give_back_memory` (glibc's `malloc_trim`) hands them back.
    Elsewhere the call does nothing and says so."""
    if not sys.platform.startswith("linux"):
        assert platform.give_back_memory() is False
        return
    result = subprocess.run(
        [sys.executable, "-c", GIVE_BACK_PROBE], capture_output=True, text=True, check=True
    )
    found = json.loads(result.stdout)
    assert found["given"] is True
    assert found["after"] < found["before"] - 20, found


def test_the_engine_gives_memory_back_after_each_pass(claude: ClaudeData) -> None:
    """The engine calls its `give_back` (the tray's: `give_back_memory`) once after each pass,
    its work done: a full one (its start, the safety rescan, a refresh) and one over a hinted
    file (an appended line: its reading, view, icon and notification leave C heap behind)."""
    from claude_tray.runtime.engine import Engine
    from claude_tray.runtime.hints import Hint, HintKind

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 60))
    live = claude.write("live", assistant("live", stamp, "m1", output=1))
    calls: list[int] = []
    recorded = Passes()
    passes = recorded.reports

    def wait(what: str, condition: Callable[[], bool]) -> None:
        recorded.wait(condition, what)

    engine = Engine(
        lambda view: None,
        lambda *args: True,
        on_pass=recorded,
        give_back=lambda: calls.append(len(passes)),
    )
    engine.start()
    try:
        wait("the first pass", lambda: len(passes) == 1)
        claude.append(live, assistant("live", stamp, "m2", output=2))
        engine.hint(Hint(HintKind.TRANSCRIPT, live))
        wait("the hinted pass", lambda: len(passes) == 2)
        engine.post("refresh")
        wait("the refresh", lambda: len(passes) == 3)
    finally:
        assert engine.stop(30)
    assert [p.full for p in passes] == [True, False, True]
    assert calls == [0, 1, 2]  # each before its pass was reported


TRAY_PARTS_PROBE = """
import io, json, sys
from pathlib import Path
from claude_tray.app import tray_app
marked = tray_app.leave_out_unused_modules()
# What `TrayApp._build` imports, and what the tray does at its start: its log, the notification
# icon, an icon saved as PNG (as pystray's gtk backend does with each new image).
from claude_tray.adapters import autostart, notify
from claude_tray.runtime import engine, watcher
from claude_tray.ui import tray
from claude_tray.core.names import Look
from claude_tray.core.view import IconSpec
from claude_tray.ui.icon import render_icon
folder = Path(sys.argv[1])
tray_app.setup_logging(folder / "logs", debug=False)
tray_app.log.info("a line")
icon = tray_app.notification_icon(folder)
buffer = io.BytesIO()
image = render_icon(IconSpec(Look.WARNING, "92", None), 22)
image.save(buffer, "PNG")
(folder / "icon.png").write_bytes(buffer.getvalue())
(folder / "icon.raw").write_bytes(image.tobytes())
# A notification as the tray sends one with GTK up (GLib's D-Bus client loaded); the bus named
# in the environment does not exist, so it fails, but it must not have loaded jeepney.
import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio
from claude_tray.adapters.notify import FallbackNotifier, dbus_backend
sent = FallbackNotifier([dbus_backend()]).send("title", "body")
from claude_tray.engine.read import read_file
found = read_file(sys.argv[2], 0)  # through msgspec, which would have used typing_extensions
read = repr((found.lines, found.responses, found.rows, sorted(found.skipped.items())))
loaded = sorted(name for name, module in sys.modules.items() if module is not None)
report = {"marked": marked, "icon": str(icon), "modules": loaded, "read": read, "sent": sent}
json.dump(report, sys.stdout)
"""
NEVER_IN_THE_TRAY = {
    "typing_extensions",  # msgspec uses `typing`'s own instead
    "jeepney",  # notifications go through GLib's D-Bus client, which GTK loaded
    "logging.handlers",  # the log rotates with `tray_app.RotatingLog`; it would load pickle
    "pickle",
    "PIL._imagingft",  # Pillow's TrueType engine: the digits are bitmap glyphs
    "PIL.BmpImagePlugin",  # image formats the tray never reads nor writes (PNG only)
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin",
}


@pytest.mark.skipif(sys.platform == "win32", reason="pystray writes an ICO there, which needs BMP")
def test_the_trays_parts_load_no_module_it_never_uses(tmp_path: Path, claude: ClaudeData) -> None:
    """The tray's modules, its log, its PNG icons and a transcript read in a fresh process: none
    of the modules the tray never uses is loaded, the PNGs it writes still hold the icon's
    pixels, and the transcript reads as it does here (where msgspec has typing_extensions):
    token counts msgspec's typed decode checks (negative, a bool, a float, too large) included."""
    from PIL import Image

    stamp = "2026-11-20T10:00:%02d.000Z"
    odd: list[Any] = [-5, True, 1.5, 10**16, 7]
    transcript = claude.write(
        "s1",
        *(
            assistant("s1", stamp % n, f"m{n}", input=value, output=3)
            for n, value in enumerate(odd)
        ),
        assistant("s1", stamp % 9, "m9", input=4, output=5, cache_write=6, write_1h=2),
        '{"type": "assistant", "message": {"usage": {"output_tokens": "x"}}}',
    )
    here = read_file(str(transcript), 0)
    done = subprocess.run(
        [sys.executable, "-c", TRAY_PARTS_PROBE, str(tmp_path), str(transcript)],
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(done.stdout)
    marked = NEVER_IN_THE_TRAY - {"logging.handlers", "pickle", "jeepney"}
    assert sorted(found["marked"]) == sorted(marked)
    assert found["sent"] is False  # no bus: the notification failed (and was logged)
    loaded = set(found["modules"])
    assert "PIL.PngImagePlugin" in loaded and "claude_tray.runtime.engine" in loaded
    assert not NEVER_IN_THE_TRAY & loaded, NEVER_IN_THE_TRAY & loaded
    assert "a line" in (tmp_path / "logs" / "claude-tray.log").read_text()
    with Image.open(tmp_path / "icon.png") as png:
        assert png.mode == "RGBA" and png.size == (22, 22)
        assert png.tobytes() == (tmp_path / "icon.raw").read_bytes()
    with Image.open(found["icon"]) as png:
        assert png.size == (128, 128)
    assert here.responses >= 2 and sum(here.skipped.values()) >= 1
    assert found["read"] == repr(
        (here.lines, here.responses, here.rows, sorted(here.skipped.items()))
    )


def test_the_log_rotates_as_the_standard_handler_does(tmp_path: Path) -> None:
    """`RotatingLog` against `logging.handlers.RotatingFileHandler`, the same records: the same
    files, each the same bytes (the newest in the log itself, the oldest dropped)."""
    import logging
    import logging.handlers

    from claude_tray.app.tray_app import RotatingLog

    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    handlers: list[logging.Handler] = [
        RotatingLog(ours / "t.log", 1000, 3),
        logging.handlers.RotatingFileHandler(
            theirs / "t.log", maxBytes=1000, backupCount=3, encoding="utf-8"
        ),
    ]
    for n in range(200):
        record = logging.LogRecord(
            "t", logging.INFO, __file__, 1, "line %d é" + "x" * (n % 37), (n,), None
        )
        for handler in handlers:
            handler.handle(record)
    for handler in handlers:
        handler.close()
    names = sorted(p.name for p in ours.iterdir())
    assert names == ["t.log", "t.log.1", "t.log.2", "t.log.3"]
    assert names == sorted(p.name for p in theirs.iterdir())
    for name in names:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    assert "line 199 é" in (ours / "t.log").read_text(encoding="utf-8")
    assert "line 0 é" not in "".join((ours / n).read_text(encoding="utf-8") for n in names)
