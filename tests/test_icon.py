"""The tray icon by its pixels: colour, shape, glyphs, the percentage and the budget badge."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from PIL import Image

from claude_tray.core.view import IconSpec
from claude_tray.ui.glyphs import LARGE, SMALL, best_fit
from claude_tray.ui.icon import BADGES, LOOKS, WHITE, render_icon

SIZES = (16, 22, 24, 32, 44, 48, 64, 128)  # 16..64 and the @2x of the tray sizes
LEVEL_LOOKS = ("ok", "caution", "warning", "pause", "critical")
ALL_LOOKS = (*LEVEL_LOOKS, "idle", "error")
RGB = tuple[int, int, int]


def rgb(color: tuple[int, ...]) -> RGB:
    return (color[0], color[1], color[2])


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a[:3], b[:3], strict=True))


def opaque(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> list[RGB]:
    region = image.crop(box) if box else image
    return [rgb(p) for p in pixels(region) if p[3] == 255]


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    data, width = image.tobytes(), len(image.getbands())
    return [tuple(data[i : i + width]) for i in range(0, len(data), width)]


def dominant(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> RGB:
    return Counter(opaque(image, box)).most_common(1)[0][0]


def runs(pixels: list[bool]) -> int:
    """How many separate stretches of True."""
    return sum(1 for on, _ in itertools.groupby(pixels) if on)


def is_white(pixel: tuple[int, ...]) -> bool:
    return pixel[3] == 255 and close(pixel, WHITE, 30)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("look", ALL_LOOKS)
def test_each_look_has_its_colour_at_every_size(look: str, size: int) -> None:
    image = render_icon(IconSpec(look, None, None), size)
    assert image.mode == "RGBA" and image.size == (size, size)
    assert dominant(image) == rgb(LOOKS[look].fill)
    corner = image.getpixel((0, 0))
    assert isinstance(corner, tuple) and corner[3] == 0  # round or pointed: corners are clear


@pytest.mark.parametrize("size", SIZES)
def test_centre_colour_says_the_level(size: int) -> None:
    third = (size // 3, size // 3, size - size // 3, size - size // 3)
    for look, expected in (("ok", (46, 160, 67)), ("caution", (242, 194, 0))):
        assert dominant(render_icon(IconSpec(look, None, None), size), third) == expected
    orange = dominant(render_icon(IconSpec("warning", None, None), size), third)
    assert orange[0] > 200 and 90 < orange[1] < 160 and orange[2] < 60
    for look in ("pause", "critical"):
        red = dominant(render_icon(IconSpec(look, None, None), size))
        assert red[0] > 150 and red[1] < 60 and red[2] < 60, look


@pytest.mark.parametrize("size", SIZES)
def test_pause_has_two_bars(size: int) -> None:
    image = render_icon(IconSpec("pause", None, None), size)
    middle = size // 2
    row = [is_white(image.getpixel((x, middle))) for x in range(size)]  # type: ignore[arg-type]
    assert runs(row) == 2
    first = [x for x, on in enumerate(row) if on]
    gap = next(x for x in range(first[0], size) if not row[x])
    second = next(x for x in range(gap, size) if row[x])
    assert close(image.getpixel(((gap + second) // 2, middle)), LOOKS["pause"].fill)  # type: ignore[arg-type]
    column = [is_white(image.getpixel((first[0], y))) for y in range(size)]  # type: ignore[arg-type]
    assert runs(column) == 1  # a bar, not a dot


@pytest.mark.parametrize("size", SIZES)
def test_critical_has_an_exclamation_mark_not_bars(size: int) -> None:
    image = render_icon(IconSpec("critical", None, None), size)
    white = [
        (x, y)
        for x in range(size)
        for y in range(size)
        if is_white(image.getpixel((x, y)))  # type: ignore[arg-type]
    ]
    xs = sorted({x for x, _ in white})
    column = [is_white(image.getpixel((xs[len(xs) // 2], y))) for y in range(size)]  # type: ignore[arg-type]
    assert runs(column) == 2  # the stroke and the dot
    row = [is_white(image.getpixel((x, size // 2 - 1))) for x in range(size)]  # type: ignore[arg-type]
    assert runs(row) == 1  # one stroke, where pause has two
    assert max(xs) - min(xs) < size * 0.25  # narrow


@pytest.mark.parametrize("size", SIZES)
def test_error_has_a_cross_and_idle_is_a_ring(size: int) -> None:
    error = render_icon(IconSpec("error", None, None), size)
    centre = error.getpixel((size // 2, size // 2))
    assert isinstance(centre, tuple) and centre[3] == 255 and min(centre[:3]) > 180
    quarter = round(size * 0.36)
    assert min(error.getpixel((quarter, quarter))[:3]) > 150  # type: ignore[index]
    idle = render_icon(IconSpec("idle", None, None), size)
    assert idle.getpixel((size // 2, size // 2))[3] == 0  # type: ignore[index]
    assert idle.getpixel((size // 2, max(1, size // 12)))[3] == 255  # type: ignore[index]


def signature(image: Image.Image) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The shape (opaque pixels) and the glyph (white pixels): what shows without colour."""
    shape, glyph = set(), set()
    for y in range(image.height):
        for x in range(image.width):
            pixel = image.getpixel((x, y))
            assert isinstance(pixel, tuple)
            if pixel[3] >= 128:
                shape.add((x, y))
            if is_white(pixel):
                glyph.add((x, y))
    return shape, glyph


@pytest.mark.parametrize("size", (16, 22, 32, 64))
def test_looks_differ_without_colour(size: int) -> None:
    signatures = {
        look: signature(render_icon(IconSpec(look, None, None), size)) for look in ALL_LOOKS
    }
    for a, b in itertools.combinations(ALL_LOOKS, 2):
        shape_a, glyph_a = signatures[a]
        shape_b, glyph_b = signatures[b]
        differing = len(shape_a ^ shape_b) + len(glyph_a ^ glyph_b)
        assert differing >= size * size * 0.06, (a, b, differing)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("look", "text"), [("ok", "72"), ("pause", "92"), ("critical", "100")])
def test_percentage_is_drawn_crisp_in_a_band(look: str, text: str, size: int) -> None:
    image = render_icon(IconSpec(look, text, None), size)
    ink = LOOKS[look].text_color
    margin = 0 if size < 20 else max(1, round(size / 32))
    fit = best_fit(text, size - 2 * margin - 2, max(7, int(size * 0.45)), padding=1)
    assert fit is not None
    font, scale = fit
    band_top = size - margin - (font.height + 2) * scale
    band = image.crop((0, band_top, size, size))  # pause and critical glyphs are white too
    drawn = sum(1 for p in pixels(band) if p == ink)
    assert drawn == len(font.ink(text, scale)) * scale * scale  # every text pixel exact: no blur
    background = Counter(rgb(p) for p in pixels(band) if p[3] == 255 and p != ink)
    level_colours = {rgb(LOOKS[look].fill), rgb(LOOKS[look].outline)}
    assert background.most_common(1)[0][0] in level_colours  # the band has the level's colour
    top = dominant(image, (0, 0, size, size // 3))
    assert close(top, LOOKS[look].fill, 40) or top == rgb(WHITE)


@pytest.mark.parametrize("size", (16, 22, 24))
def test_percentage_fits_at_tray_sizes(size: int) -> None:
    for text in ("7", "72", "100"):
        fit = best_fit(text, size - 2, max(7, int(size * 0.45)), padding=1)
        assert fit is not None
        font, scale = fit
        assert font.text_size(text, scale)[0] <= size
    assert best_fit("100", 20, 9, padding=1) == (LARGE, 1)  # 22 px: the 5×7 digits
    assert best_fit("100", 14, 7, padding=1) == (SMALL, 1)  # 16 px: the 3×5 digits


def test_different_numbers_look_different() -> None:
    images = {
        text: render_icon(IconSpec("ok", text, None), 22).tobytes() for text in map(str, range(100))
    }
    assert len(set(images.values())) == 100
    assert (
        render_icon(IconSpec("ok", "72", None), 22).tobytes()
        != render_icon(IconSpec("ok", None, None), 22).tobytes()
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("badge", ["alert", "over"])
@pytest.mark.parametrize("look", ["ok", "critical", "idle", "pause"])
def test_budget_badge(look: str, badge: str, size: int) -> None:
    fill, ink = BADGES[badge]
    plain = render_icon(IconSpec(look, None, None), size)
    marked = render_icon(IconSpec(look, None, badge), size)
    corner = (size // 2, 0, size, size // 2)

    def badge_pixels(image: Image.Image) -> int:
        return sum(1 for p in pixels(image.crop(corner)) if close(p, fill, 8) and p[3] == 255)

    assert badge_pixels(marked) >= size * size * 0.05
    assert badge_pixels(plain) == 0
    assert any(p == ink for p in pixels(marked.crop(corner)))  # the "$"
    bottom_left = (0, size // 2, size // 2, size)
    assert marked.crop(bottom_left).tobytes() == plain.crop(bottom_left).tobytes()


def test_badge_is_cut_out_of_the_icon() -> None:
    plain = render_icon(IconSpec("pause", None, None), 32)
    marked = render_icon(IconSpec("pause", None, "over"), 32)
    clear_now = [
        (x, y)
        for x in range(16, 32)
        for y in range(16)
        if plain.getpixel((x, y))[3] == 255 and marked.getpixel((x, y))[3] < 128  # type: ignore[index]
    ]
    assert len(clear_now) >= 10  # a transparent ring separates red badge from red icon


def test_unknown_look_is_drawn_as_error_and_tiny_sizes_refused() -> None:
    assert (
        render_icon(IconSpec("???", None, None), 22).tobytes()
        == render_icon(IconSpec("error", None, None), 22).tobytes()
    )
    with pytest.raises(ValueError):
        render_icon(IconSpec("ok", None, None), 4)


def test_same_spec_same_pixels() -> None:
    spec = IconSpec("warning", "88", "alert")
    assert render_icon(spec, 22).tobytes() == render_icon(spec, 22).tobytes()


# --- light and dark panels ----------------------------------------------------------------------

PANELS = {"black": (0, 0, 0), "dark": (48, 48, 48), "grey": (64, 64, 64), "light": (240, 240, 240)}
PANELS["white"] = (255, 255, 255)


def luminance(color: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("look", ALL_LOOKS)
def test_every_look_reads_on_light_and_dark_panels(look: str, panel: str) -> None:
    """Its fill or its outline stands out from the panel by at least 3:1 (WCAG's ratio for
    graphics), and so does most of its rendered edge."""
    background = PANELS[panel]
    spec = LOOKS[look]
    assert max(contrast(spec.fill, background), contrast(spec.outline, background)) >= 3.0
    for size in (22, 32, 48, 64):
        icon = render_icon(IconSpec(look, None, None), size)
        alpha = icon.getchannel("A")
        edge = [
            icon.getpixel((x, y))
            for y in range(size)
            for x in range(size)
            if alpha.getpixel((x, y)) == 255
            and any(
                not (0 <= x + dx < size and 0 <= y + dy < size)
                or alpha.getpixel((x + dx, y + dy)) == 0
                for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
            )
        ]
        inside = Counter(opaque(icon)).most_common(1)[0][0]
        readable = [p for p in edge if contrast(p, background) >= 3.0]
        assert contrast(inside, background) >= 3.0 or len(readable) >= 0.6 * len(edge), (
            look,
            panel,
            size,
        )
