"""The icon theme written for StatusNotifierItem panels: every size drawn for that size."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from claude_tray.core.view import IconSpec
from claude_tray.ui.icon import render_icon
from claude_tray.ui.indicator import SIZES, IndicatorIcons, icon_name


def test_each_size_is_drawn_for_that_size(tmp_path: Path) -> None:
    icons = IndicatorIcons(tmp_path)
    spec = IconSpec("critical", "87", "over")
    name = icons.write(spec)
    assert name == icon_name(spec) and name.startswith("claude-tray-critical-")
    for size in SIZES:
        path = tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{name}.png"
        with Image.open(path) as image:
            assert image.size == (size, size)
            assert image.convert("RGBA").tobytes() == render_icon(spec, size).tobytes()


def test_each_look_has_its_own_name_and_old_ones_are_removed(tmp_path: Path) -> None:
    icons = IndicatorIcons(tmp_path)
    names = [icons.write(IconSpec("ok", str(n), None)) for n in (10, 11, 12)]
    assert len(set(names)) == 3
    assert icons.write(IconSpec("ok", "12", None)) == names[2]  # the same look, the same name
    files = {p.stem for p in tmp_path.rglob("*.png")}
    assert files == {names[1], names[2]}  # the one shown and the one before
    icons.close()
    assert not tmp_path.exists()
