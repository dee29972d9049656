"""The tray icon, drawn at run time with Pillow from an `IconSpec` (pure: no display needed).

Each look has its colour AND its own shape or glyph, so it reads without colour too:
ok a green disc, caution a yellow triangle, warning an orange diamond, pause a red rounded square
with two bars, critical a dark red octagon with "!", idle a grey ring, error a grey disc with "×".
The percentage sits in a band of the look's colour at the bottom, under the shape; a budget
alert/over adds a "$" badge at the top right, cut out of the icon so it stands out on any colour.

Everything is drawn `SUPERSAMPLE` times larger and reduced with a box filter; bars, text and the
badge's glyph are placed on whole target pixels, so they stay crisp at 16 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from claude_tray.core.view import IconSpec
from claude_tray.ui.glyphs import BitmapFont, best_fit

SUPERSAMPLE = 4
RGBA = tuple[int, int, int, int]
Point = tuple[float, float]

WHITE: RGBA = (255, 255, 255, 255)
INK: RGBA = (32, 33, 36, 255)
BAND: RGBA = (32, 33, 36, 255)
CLEAR: RGBA = (0, 0, 0, 0)
TEXT_SHARE = 0.45
"""The percentage's band is at most this share of the icon's height."""


@dataclass(frozen=True, slots=True)
class Look:
    shape: str
    fill: RGBA
    outline: RGBA
    glyph: str | None
    text_color: RGBA = INK
    """The percentage's colour on the band (the band has the look's fill)."""
    glyph_color: RGBA = WHITE


LOOKS: dict[str, Look] = {
    "ok": Look("disc", (46, 160, 67, 255), (22, 98, 38, 255), None),
    "caution": Look("triangle", (242, 194, 0, 255), (138, 104, 0, 255), None),
    "warning": Look("diamond", (240, 128, 26, 255), (150, 66, 0, 255), None),
    "pause": Look("rounded", (217, 48, 37, 255), (255, 212, 206, 255), "bars", WHITE),
    "critical": Look("octagon", (165, 14, 22, 255), (255, 196, 200, 255), "bang", WHITE),
    "idle": Look("ring", (138, 143, 152, 255), (88, 92, 100, 255), None),
    "error": Look("disc", (95, 99, 104, 255), (214, 216, 220, 255), "cross", WHITE),
}
"""Dark fills (pause, critical, error) get a light outline: the fill reads on light panels, the
outline on dark ones. Every look keeps a contrast of at least 3:1 to both (tests/test_icon.py)."""

BADGES: dict[str, tuple[RGBA, RGBA]] = {
    "alert": ((255, 193, 7, 255), INK),
    "over": ((229, 57, 53, 255), WHITE),
}
"""Badge fill and "$" colour by budget level."""


def render_icon(spec: IconSpec, size: int) -> Image.Image:
    """The icon for `spec`, `size`×`size` RGBA. Unknown looks are drawn as "error".

    Without text the shape fills the icon; with text the shape, whole, sits above a band in the
    look's colour that holds the percentage.
    """
    if size < 8:
        raise ValueError("an icon is at least 8 px")
    canvas = _Canvas(size)
    look = LOOKS.get(spec.look, LOOKS["error"])
    band = canvas.text_band(spec.text) if spec.text else None
    margin = float(canvas.margin)
    box: Box = (margin, margin, size - 2 * margin, size - 2 * margin)
    if band is not None:
        side = float(max(5, band.top - canvas.margin - (1 if size < 32 else 2)))
        left = margin if spec.badge in BADGES else (size - side) / 2  # room for the badge
        box = (left, margin, side, side)
    canvas.shape(look, box)
    if look.glyph:
        canvas.glyph(look.glyph, look.glyph_color, box)
    if band is not None and spec.text:
        canvas.band_text(spec.text, band, look)
    if spec.badge in BADGES:
        canvas.badge(*BADGES[spec.badge])
    return canvas.result()


Box = tuple[float, float, float, float]
"""left, top, width, height in target pixels."""


@dataclass(frozen=True, slots=True)
class _Band:
    """The percentage's band (target pixels) and the font scale its text is drawn with."""

    left: int
    top: int
    width: int
    height: int
    font: BitmapFont
    scale: int


class _Canvas:
    """One icon being drawn: `size` target pixels, drawn at `SUPERSAMPLE`× on `image`."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.big = size * SUPERSAMPLE
        self.image = Image.new("RGBA", (self.big, self.big), CLEAR)
        self.draw = ImageDraw.Draw(self.image)
        self.margin = 0 if size < 20 else max(1, round(size / 32))
        self.line = max(SUPERSAMPLE, round(self.big / 22))

    def px(self, value: float) -> int:
        """Target pixels to supersampled pixels, on the target grid."""
        return round(value) * SUPERSAMPLE

    def result(self) -> Image.Image:
        return self.image.resize((self.size, self.size), Image.Resampling.BOX)

    # --- the shape ----------------------------------------------------------------------------

    def shape(self, look: Look, box: Box) -> None:
        left, top, width, height = (v * SUPERSAMPLE for v in box)
        low_x, low_y, high_x, high_y = left, top, left + width - 1, top + height - 1
        bounds = (low_x, low_y, high_x, high_y)
        line = self.line
        if look.shape == "disc":
            self.draw.ellipse(bounds, fill=look.fill, outline=look.outline, width=line)
        elif look.shape == "ring":
            ring = max(2 * SUPERSAMPLE, round(width * 0.18))
            self.draw.ellipse(bounds, fill=look.outline)
            self.draw.ellipse(_inset(bounds, line), fill=look.fill)
            self.draw.ellipse(_inset(bounds, ring), fill=look.outline)
            self.draw.ellipse(_inset(bounds, ring + line), fill=CLEAR)
        elif look.shape == "rounded":
            radius = round(width * 0.24)
            self.draw.rounded_rectangle(
                bounds, radius, fill=look.fill, outline=look.outline, width=line
            )
        else:
            points = _polygon(look.shape, bounds)
            self.draw.polygon(points, fill=look.fill, outline=look.outline, width=line)

    # --- glyphs -------------------------------------------------------------------------------

    def glyph(self, name: str, color: RGBA, box: Box) -> None:
        """A pause mark, "!" or "×", centred in `box` (target pixels)."""
        left, top, width, height = box
        middle_x = left + width / 2
        tall = max(3, round(height * 0.5))
        top_y = round(top + (height - tall) / 2)
        if name == "bars":
            bar = max(2, round(width * 0.17))
            gap = max(2, round(width * 0.13))
            x = round(middle_x - bar - gap / 2)
            for bar_left in (x, x + bar + gap):
                self._rect(bar_left, top_y, bar, tall, color)
        elif name == "bang":
            stroke = max(2, round(width * 0.15))
            tall = max(5, round(height * 0.58))
            top_y = round(top + (height - tall) / 2)
            space = max(1, round(stroke * 0.5))
            x = round(middle_x - stroke / 2)
            self._rect(x, top_y, stroke, tall - stroke - space, color)
            self._rect(x, top_y + tall - stroke, stroke, stroke, color)
        elif name == "cross":
            inset = width * 0.3
            stroke = max(2 * SUPERSAMPLE, round(width * SUPERSAMPLE * 0.11))
            low_x, high_x = (left + inset) * SUPERSAMPLE, (left + width - inset) * SUPERSAMPLE
            low_y, high_y = (top + inset) * SUPERSAMPLE, (top + height - inset) * SUPERSAMPLE
            self.draw.line([(low_x, low_y), (high_x, high_y)], fill=color, width=stroke)
            self.draw.line([(low_x, high_y), (high_x, low_y)], fill=color, width=stroke)

    def _rect(self, left: int, top: int, width: int, height: int, color: RGBA) -> None:
        box = (self.px(left), self.px(top), self.px(left + width) - 1, self.px(top + height) - 1)
        self.draw.rectangle(box, fill=color)

    # --- the percentage band ------------------------------------------------------------------

    def text_band(self, text: str) -> _Band | None:
        """Where the band for `text` goes, and the font that fits it; None when nothing fits."""
        room = self.size - 2 * self.margin - 2
        fit = best_fit(text, room, max(7, int(self.size * TEXT_SHARE)), padding=1)
        if fit is None:
            return None
        font, scale = fit
        _, text_height = font.text_size(text, scale)
        height = text_height + 2 * max(1, scale)
        top = self.size - self.margin - height
        return _Band(self.margin, top, self.size - 2 * self.margin, height, font, scale)

    def band_text(self, text: str, band: _Band, look: Look) -> None:
        right, bottom = band.left + band.width, band.top + band.height
        box = (self.px(band.left), self.px(band.top), self.px(right) - 1, self.px(bottom) - 1)
        radius = max(1, band.height // 4) * SUPERSAMPLE
        self.draw.rounded_rectangle(
            box, radius, fill=look.fill, outline=look.outline, width=self.line
        )
        text_width, text_height = band.font.text_size(text, band.scale)
        x0 = band.left + (band.width - text_width) // 2
        y0 = band.top + (band.height - text_height + 1) // 2
        for x, y in band.font.ink(text, band.scale):
            self._rect(x0 + x, y0 + y, band.scale, band.scale, look.text_color)

    # --- the budget badge ---------------------------------------------------------------------

    def badge(self, fill: RGBA, ink: RGBA) -> None:
        """A disc with "$" at the top right, inside a transparent cut-out ring."""
        diameter = max(7, round(self.size * 0.46))
        cut = max(1, round(self.size / 24))
        left = self.size - diameter
        outer = (
            self.px(left - cut),
            self.px(-cut),
            self.big + self.px(cut) - 1,
            self.px(diameter + cut) - 1,
        )
        self.draw.ellipse(outer, fill=CLEAR)
        disc = (self.px(left), 0, self.big - 1, self.px(diameter) - 1)
        self.draw.ellipse(disc, fill=fill)
        inner = diameter - 2 * max(1, diameter // 7)
        fit = best_fit("$", inner, inner)
        if fit is None:
            return
        font, scale = fit
        width, height = font.text_size("$", scale)
        x0 = left + (diameter - width + 1) // 2
        y0 = (diameter - height + 1) // 2
        for x, y in font.ink("$", scale):
            self._rect(x0 + x, y0 + y, scale, scale, ink)


def _inset(bounds: tuple[float, float, float, float], by: float) -> tuple[float, ...]:
    return (bounds[0] + by, bounds[1] + by, bounds[2] - by, bounds[3] - by)


def _polygon(shape: str, bounds: tuple[float, float, float, float]) -> Sequence[Point]:
    low_x, low_y, high_x, high_y = bounds
    mid_x, mid_y = (low_x + high_x) / 2, (low_y + high_y) / 2
    if shape == "triangle":
        base = high_y - (high_y - low_y) * 0.06
        return [(mid_x, low_y), (high_x, base), (low_x, base)]
    if shape == "diamond":
        return [(mid_x, low_y), (high_x, mid_y), (mid_x, high_y), (low_x, mid_y)]
    if shape == "octagon":
        cx, cy = (high_x - low_x) * 0.29, (high_y - low_y) * 0.29
        return [
            (low_x + cx, low_y),
            (high_x - cx, low_y),
            (high_x, low_y + cy),
            (high_x, high_y - cy),
            (high_x - cx, high_y),
            (low_x + cx, high_y),
            (low_x, high_y - cy),
            (low_x, low_y + cy),
        ]
    raise ValueError(f"unknown shape {shape!r}")
