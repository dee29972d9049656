"""Draw the application icon (the one source) and write every file made from it.

    python icons/make_icons.py            # writes icons/claude-tray-<size>.png, .ico and .icns
    python icons/make_icons.py --check    # exit 1 when the files here differ from a fresh drawing

The icon: a dark rounded square holding a context gauge, a ring filled three quarters in the
tray's colours (green, yellow, orange, red), with a dot at its tip. Each size is drawn on its own
(at 4× and reduced), so small sizes stay sharp instead of being shrunk from the largest.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

HERE = Path(__file__).resolve().parent
NAME = "claude-tray"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
SUPERSAMPLE = 4

BACKGROUND = (31, 36, 48, 255)
TRACK = (64, 72, 88, 255)
STOPS = (  # gauge colour by how far along the ring (the tray's levels)
    (0.00, (46, 160, 67)),
    (0.45, (46, 160, 67)),
    (0.62, (242, 194, 0)),
    (0.80, (240, 128, 26)),
    (1.00, (217, 48, 37)),
)
FILLED = 0.75
START = -225.0  # degrees, Pillow's (0 = 3 o'clock, clockwise); the gauge opens at the bottom
SWEEP = 270.0


def draw(size: int) -> Image.Image:
    """The icon at `size`×`size` pixels, RGBA."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    inset = round(big * 0.04)
    pen.rounded_rectangle(
        (inset, inset, big - inset - 1, big - inset - 1), round(big * 0.22), fill=BACKGROUND
    )
    ring = round(big * (0.13 if size >= 32 else 0.16))
    box = _square(big, 0.19 if size >= 32 else 0.15)
    pen.arc(box, START, START + SWEEP, fill=TRACK, width=ring)
    steps = max(24, size)
    for step in range(steps):
        begin = step / steps * FILLED
        end = (step + 1) / steps * FILLED
        pen.arc(
            box,
            START + begin * SWEEP,
            START + end * SWEEP + 0.6,
            fill=(*_colour(end / FILLED * 0.9), 255),
            width=ring,
        )
    _tip(pen, box, ring)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _square(big: int, margin: float) -> tuple[int, int, int, int]:
    """The gauge's box, a little below the middle (the ring is open at the bottom)."""
    low, drop = round(big * margin), round(big * 0.05)
    return (low, low + drop, big - low - 1, big - low - 1 + drop)


def _colour(at: float) -> tuple[int, int, int]:
    for (a, left), (b, right) in itertools.pairwise(STOPS):
        if at <= b:
            t = 0.0 if b == a else (at - a) / (b - a)
            return (
                round(left[0] + (right[0] - left[0]) * t),
                round(left[1] + (right[1] - left[1]) * t),
                round(left[2] + (right[2] - left[2]) * t),
            )
    return STOPS[-1][1]


def _tip(pen: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ring: int) -> None:
    import math

    angle = math.radians(START + FILLED * SWEEP)
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    radius = (box[2] - box[0]) / 2 - ring / 2
    x = centre[0] + radius * math.cos(angle)
    y = centre[1] + radius * math.sin(angle)
    dot = ring * 0.3
    pen.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 255, 255, 255))


def render_all(folder: Path) -> list[Path]:
    """Write every icon file into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size) for size in sorted(set(PNG_SIZES + ICO_SIZES + ICNS_SIZES))}
    written = []
    for size in PNG_SIZES:
        path = folder / f"{NAME}-{size}.png"
        images[size].save(path, optimize=True)
        written.append(path)
    ico = folder / f"{NAME}.ico"
    largest = images[max(ICO_SIZES)]
    largest.save(
        ico,
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)],
    )
    icns = folder / f"{NAME}.icns"
    images[max(ICNS_SIZES)].save(
        icns, append_images=[images[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)]
    )
    return [*written, ico, icns]


def differences(expected: Path, actual: Path) -> list[str]:
    """Files of `expected` whose pixels differ from `actual`'s (a little rounding allowed)."""
    problems = []
    for fresh in sorted(actual.iterdir()):
        kept = expected / fresh.name
        if not kept.exists():
            problems.append(f"{kept.name}: missing")
            continue
        with Image.open(fresh) as a, Image.open(kept) as b:
            if a.size != b.size:
                problems.append(f"{kept.name}: {b.size} instead of {a.size}")
                continue
            diff = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
            if max(high for _, high in diff.getextrema()) > 8:
                problems.append(f"{kept.name}: pixels differ")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: here)")
    args = parser.parse_args(argv)
    if not args.check:
        for path in render_all(args.out):
            print(path)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        render_all(Path(scratch))
        problems = differences(args.out, Path(scratch))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
