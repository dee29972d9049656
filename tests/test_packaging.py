"""Packaging: the files are consistent, the icons come from their source, and the Linux build
(PyInstaller, one folder) is built and started for real."""

from __future__ import annotations

import json
import os
import plistlib
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_tray import __version__
from tests.desktop import running_desktop, wait_for
from tests.tools import require_tools

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "claude-tray.spec"


def test_linux_launcher_is_a_valid_desktop_entry() -> None:
    launcher = PACKAGING / "claude-tray.desktop"
    text = launcher.read_text()
    assert "\nExec=claude-tray run\n" in text and "\nIcon=claude-tray\n" in text
    validate = require_tools("desktop-file-validate", install="apt-get install desktop-file-utils")
    result = subprocess.run(
        [validate["desktop-file-validate"], str(launcher)], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_macos_info_plist_hides_the_dock_icon() -> None:
    info = plistlib.loads((PACKAGING / "Info.plist").read_bytes())
    assert info["LSUIElement"] is True
    assert info["CFBundleShortVersionString"] == __version__
    assert info["CFBundleIconFile"] == "claude-tray.icns"


def test_spec_names_every_pystray_and_plyer_backend_it_needs() -> None:
    spec = SPEC.read_text()
    for module in (
        "pystray._xorg",
        "pystray._gtk",
        "pystray._appindicator",
        "pystray._win32",
        "pystray._darwin",
        "plyer.platforms.linux.notification",
    ):
        assert f'"{module}"' in spec, module
        assert importlib_spec_exists(module), f"{module} does not exist (renamed upstream?)"
    assert 'collect_submodules("claude_tray")' in spec
    # macOS and Windows notify through desktop-notifier (not installed on Linux), whose backend
    # and default icon are found at run time: the spec collects both there.
    assert 'collect_submodules("desktop_notifier")' in spec
    assert 'collect_data_files("desktop_notifier")' in spec


def importlib_spec_exists(module: str) -> bool:
    """Whether the module's file exists, without importing it (pystray connects to the display)."""
    import importlib.util

    package, _, name = module.rpartition(".")
    found = importlib.util.find_spec(package)
    assert found is not None and found.submodule_search_locations is not None
    return any(
        (Path(folder) / f"{name}.py").exists() or (Path(folder) / name).is_dir()
        for folder in found.submodule_search_locations
    )


def test_icons_are_made_from_their_source(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "icons" / "make_icons.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    from PIL import Image

    with Image.open(ROOT / "icons" / "claude-tray.ico") as ico:
        assert {(16, 16), (32, 32), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ROOT / "icons" / "claude-tray.icns") as icns:
        assert icns.size == (1024, 1024)
    for size in (16, 22, 32, 64, 1024):
        with Image.open(ROOT / "icons" / f"claude-tray-{size}.png") as png:
            assert png.size == (size, size) and png.mode == "RGBA"


def test_smoke_checklist_covers_both_systems() -> None:
    text = (PACKAGING / "SMOKE.md").read_text()
    assert "## macOS" in text and "## Windows" in text


# --- the real build ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`pyinstaller packaging/claude-tray.spec` into a temporary folder; the app's executable."""
    require_tools(
        "pyinstaller", install="pip install pyinstaller", path=str(Path(sys.executable).parent)
    )
    work = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pyinstaller"),
            "--noconfirm",
            "--log-level=WARN",
            f"--distpath={work / 'dist'}",
            f"--workpath={work / 'build'}",
            str(SPEC),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    app = work / "dist" / "claude-tray" / "claude-tray"
    assert app.is_file() and os.access(app, os.X_OK)
    yield app


def app_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["CLAUDE_TRAY_HOME"] = str(tmp_path / "tray-home")
    env["CLAUDE_CONFIG_DIR"] = str(tmp_path / "claude")
    env.pop("PYSTRAY_BACKEND", None)  # the build picks its own backend
    return env


@pytest.mark.slow
def test_built_app_prints_its_version(built: Path, tmp_path: Path) -> None:
    result = subprocess.run([built, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"claude-tray {__version__}"


@pytest.mark.slow
def test_built_app_runs_doctor_on_its_own_home(built: Path, tmp_path: Path) -> None:
    (tmp_path / "claude" / "projects" / "-home-u-app").mkdir(parents=True)
    env = app_env(tmp_path)
    result = subprocess.run(
        [built, "doctor", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["version"] == __version__
    assert report["config"]["path"] == str(tmp_path / "tray-home" / "config.toml")
    root = report["roots"][0]
    assert (root["path"], root["found"]) == (str(tmp_path / "claude"), True)
    assert Path(report["ledger"]["path"]).is_relative_to(tmp_path / "tray-home")
    assert "prices" not in result.stderr.lower()  # the price table (package data) was bundled


@pytest.mark.slow
def test_built_app_installs_hooks_that_run(built: Path, tmp_path: Path) -> None:
    """The packaged app writes its own path as the hooks' program (no Python beside it), and
    the status line command it wrote runs through the shell."""
    (tmp_path / "claude").mkdir()
    env = app_env(tmp_path)
    done = subprocess.run(
        [built, "hooks", "install"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    settings = json.loads((tmp_path / "claude" / "settings.json").read_text())
    command = settings["statusLine"]["command"]
    assert shlex.split(command) == [str(built), "statusline"]
    payload = json.dumps({"session_id": "s-built", "model": {"display_name": "Opus 4.5"}})
    line = subprocess.run(
        command, shell=True, input=payload, capture_output=True, text=True, env=env, timeout=60
    )
    assert line.returncode == 0, line.stderr
    assert line.stdout.strip() == "Opus 4.5"


@pytest.mark.slow
def test_built_app_reads_a_big_history_in_worker_processes(built: Path, tmp_path: Path) -> None:
    """A first run over more than PARALLEL_MIN_BYTES starts worker processes: in a frozen app they
    must run the reader, not a second copy of the app (multiprocessing.freeze_support)."""
    from claude_tray.engine.ingest import PARALLEL_MIN_BYTES
    from tests.transcripts import ClaudeData, assistant, user

    claude = ClaudeData(tmp_path / "claude")
    filler = "x" * (1 << 20)
    sessions = PARALLEL_MIN_BYTES // (3 << 20) + 4
    for n in range(sessions):
        ts = f"2026-11-20T10:{n % 60:02d}:00Z"
        claude.write(
            f"s{n}",
            user(f"s{n}", ts, filler),
            user(f"s{n}", ts, filler),
            user(f"s{n}", ts, filler),
            assistant(f"s{n}", ts, f"m{n}", output=7),
        )
    result = subprocess.run(
        [built, "daily", "--json", "--timezone", "UTC"],
        capture_output=True,
        text=True,
        env=app_env(tmp_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["outputTokens"] == 7 * sessions
    # Without freeze_support the workers start the app again ("invalid choice: 'tracker_fd=…'")
    # and the reading falls back to one process with a warning: stderr must stay empty.
    assert result.stderr == ""


@pytest.mark.slow
@pytest.mark.desktop
def test_built_app_shows_its_tray_icon(built: Path, tmp_path: Path) -> None:
    (tmp_path / "claude" / "projects").mkdir(parents=True)
    with running_desktop(tmp_path / "desktop") as screen:
        env = {**screen.env, **app_env(tmp_path)}
        env["DISPLAY"] = screen.env["DISPLAY"]
        env.pop("PYSTRAY_BACKEND", None)
        process = subprocess.Popen(
            [built, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            wait_for(lambda: screen.tray_area()[2] >= 16, 30, "the icon in the tray")
            x, y, width, height = screen.tray_area()
            shot = screen.screenshot().crop((x, y, x + width, y + height))
            grey = (138, 143, 152)  # the idle ring: no session is active
            data = shot.tobytes()
            pixels = [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]
            assert (
                sum(all(abs(a - b) <= 12 for a, b in zip(p, grey, strict=True)) for p in pixels)
                > 30
            )
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
            output = process.stdout.read() if process.stdout else ""
            assert not re.search(r"Traceback|ModuleNotFoundError", output), output
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
