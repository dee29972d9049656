"""Tiny bitmap glyphs (digits, "$") for the tray icon: crisp at 16 px, no font file needed.

Two fonts: 3×5 for the smallest icons, 5×7 for the rest; both are scaled by whole pixels only, so
every stroke stays on the pixel grid. `#` is ink, anything else is background.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BitmapFont:
    name: str
    width: int
    height: int
    glyphs: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        for char, rows in self.glyphs.items():
            if len(rows) != self.height or any(len(row) != self.width for row in rows):
                raise ValueError(f"glyph {char!r} of {self.name} is not {self.width}×{self.height}")

    def text_size(self, text: str, scale: int) -> tuple[int, int]:
        """Pixel size of `text` with one (scaled) column between glyphs."""
        count = len(text)
        return (count * self.width + max(0, count - 1)) * scale, self.height * scale

    def ink(self, text: str, scale: int) -> list[tuple[int, int]]:
        """Top-left corners of the ink cells of `text` (each `scale`×`scale`), origin at 0, 0."""
        cells = []
        for index, char in enumerate(text):
            left = index * (self.width + 1)
            for y, row in enumerate(self.glyphs[char]):
                for x, mark in enumerate(row):
                    if mark == "#":
                        cells.append(((left + x) * scale, y * scale))
        return cells


SMALL = BitmapFont(
    "3x5",
    3,
    5,
    {
        "0": ("###", "#.#", "#.#", "#.#", "###"),
        "1": (".#.", "##.", ".#.", ".#.", "###"),
        "2": ("###", "..#", "###", "#..", "###"),
        "3": ("###", "..#", ".##", "..#", "###"),
        "4": ("#.#", "#.#", "###", "..#", "..#"),
        "5": ("###", "#..", "###", "..#", "###"),
        "6": ("###", "#..", "###", "#.#", "###"),
        "7": ("###", "..#", "..#", ".#.", ".#."),
        "8": ("###", "#.#", "###", "#.#", "###"),
        "9": ("###", "#.#", "###", "..#", "###"),
        "$": (".##", "##.", ".#.", ".##", "##."),
    },
)

LARGE = BitmapFont(
    "5x7",
    5,
    7,
    {
        "0": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
        "1": ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
        "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
        "3": (".###.", "#...#", "....#", "..##.", "....#", "#...#", ".###."),
        "4": ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
        "5": ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
        "6": ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
        "7": ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
        "8": (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
        "9": (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
        "$": ("..#..", ".####", "#.#..", ".###.", "..#.#", "####.", "..#.."),
    },
)

FONTS = (SMALL, LARGE)
LARGE_FONT_BONUS = 1.45
"""The 5×7 font is preferred over a scaled 3×5 one unless the 3×5 is this much taller."""


def best_fit(
    text: str, max_width: int, max_height: int, padding: int = 0
) -> tuple[BitmapFont, int] | None:
    """The font and whole-pixel scale that draw `text` largest within the box, or None.

    `padding` (in scaled pixels) is kept free above and below the text.
    """
    best: tuple[float, BitmapFont, int] | None = None
    for font in FONTS:
        scale = 1
        while True:
            width, height = font.text_size(text, scale)
            if width > max_width or height + 2 * padding * scale > max_height:
                break
            score = height * (LARGE_FONT_BONUS if font is LARGE else 1.0)
            if best is None or score > best[0]:
                best = (score, font, scale)
            scale += 1
    return None if best is None else (best[1], best[2])
