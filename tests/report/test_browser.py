"""The report in a real browser: headless Chromium renders it at desktop and phone widths, in
light and dark themes, and its DOM holds the hostile strings as text with no external reference."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from claude_tray.engine.workspace import Workspace
from claude_tray.report import write_report
from tests.report.ledgers import NOW, clock, write_config
from tests.report.test_page import FORMULA, HOSTILE, Page
from tests.tools import require_tools
from tests.transcripts import ClaudeData, assistant

pytestmark = pytest.mark.browser

MODELS = ("claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929", "claude-haiku-4-5")
PROJECTS = ("/home/u/app", "/home/u/api-server", f"/home/u/{HOSTILE}", "/home/u/docs")


def chromium() -> str:
    found = shutil.which("chromium-browser")  # some systems name it so
    if found is not None:
        return found
    return require_tools("chromium", install="apt-get install chromium")["chromium"]


def browse(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *extra,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result


def screenshot(page: Path, folder: Path, width: int, dark: bool = False) -> Image.Image:
    name = f"{width}{'-dark' if dark else ''}"
    target = folder / f"{name}.png"
    extra = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else []
    browse(
        page,
        folder / f"profile-{name}",
        f"--screenshot={target}",
        f"--window-size={width},2400",
        *extra,
    )
    return Image.open(target).convert("RGB")


def brightness(image: Image.Image, x: int = 2, y: int = 2) -> float:
    red, green, blue = image.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return float(red + green + blue) / 3


def busy_fraction(image: Image.Image) -> float:
    """The share of pixels that differ from the page's background (the top-left pixel)."""
    plain = Image.new("RGB", image.size, image.getpixel((2, 2)))
    red, green, blue = ImageChops.difference(image, plain).split()
    changed = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    counts = changed.point(lambda v: 255 if v else 0).histogram()
    return counts[255] / (image.size[0] * image.size[1])


def right_edge_is_background(image: Image.Image, columns: int = 6) -> bool:
    """Nothing reaches the right edge: the page did not overflow its width."""
    background = image.getpixel((2, 2))
    width, height = image.size
    return all(
        image.getpixel((x, y)) == background
        for x in range(width - columns, width)
        for y in range(0, height, 3)
    )


@pytest.fixture
def report(claude: ClaudeData, tmp_path: Path) -> Path:
    """A month of sessions over four projects (one named like markup) and three models, with
    budgets, and a formula-like note and a markup-like tag on the hostile project's sessions."""
    rnd = random.Random(7)
    start = datetime.fromtimestamp(NOW, UTC).replace(hour=0) - timedelta(days=34)
    for day in range(35):
        for n in range(rnd.randint(0, 3)):
            sid = f"s{day:02d}{n}"
            cwd = rnd.choice(PROJECTS)
            moment = start + timedelta(days=day, hours=rnd.randint(7, 20))
            lines = []
            for i in range(rnd.randint(2, 6)):
                moment += timedelta(minutes=rnd.randint(2, 30))
                if moment.timestamp() > NOW:
                    break
                lines.append(
                    assistant(
                        sid,
                        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        f"{sid}-{i}",
                        model=rnd.choice(MODELS),
                        cwd=cwd,
                        input=rnd.randint(100, 400_000),
                        output=rnd.randint(0, 9000),
                        cache_write=rnd.randint(0, 50_000),
                        cache_read=rnd.randint(0, 900_000),
                    )
                )
            if lines:
                claude.write(sid, *lines, cwd=cwd)
    with Workspace.open() as workspace:
        write_config(workspace, "[budgets]\ndaily = 3.0\nweekly = 20.0\nmonthly = 80.0\n")
        workspace.refresh()
        hostile = [s.session for s in workspace.ledger.sessions() if s.project == PROJECTS[2]]
        assert hostile
        for sid in hostile:
            workspace.ledger.set_note(sid, FORMULA, NOW)
            workspace.ledger.add_tag(sid, HOSTILE)
        return write_report(workspace, clock(), 30, tmp_path / "report.html")


@pytest.mark.parametrize("width", [1200, 400])
def test_the_page_renders_at_desktop_and_phone_widths(
    report: Path, tmp_path: Path, width: int
) -> None:
    image = screenshot(report, tmp_path, width)
    assert image.size[0] == width
    assert busy_fraction(image) > 0.25  # cards, charts and text, not a blank page
    assert right_edge_is_background(image)
    assert brightness(image) > 200


def test_the_dark_theme_applies(report: Path, tmp_path: Path) -> None:
    image = screenshot(report, tmp_path, 1200, dark=True)
    assert brightness(image) < 40  # a dark background
    assert busy_fraction(image) > 0.1


def test_the_dom_holds_hostile_strings_as_text_and_no_external_reference(
    report: Path, tmp_path: Path
) -> None:
    dom = browse(report, tmp_path / "profile-dom", "--dump-dom").stdout.decode()
    page = Page(dom)
    assert "svg" in page.names() and "table" in page.names()
    assert "img" not in page.names() and "script" not in page.names()
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    for _, attrs in page.tags:
        for name in ("src", "href", "xlink:href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http://", "https://", "//")), (name, value)
    text = "".join(page.text)
    assert HOSTILE in text and FORMULA in text
