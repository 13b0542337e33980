"""The default pictures, answered when a hash shows nothing (or ``forcedefault`` asks), as
Gravatar and Libravatar name them: ``mp`` (``mm``), ``identicon`` and ``blank``.

Drawn here with Pillow, deterministically: the same request gives the same bytes on every
process and machine. (The identicon packages on PyPI, pydenticon among them, have had no
release since 2017; a 5 × 5 mirrored grid is a few lines.) None of them carries the AI-made
mark: none was made by a model.
"""

from __future__ import annotations

import colorsys

from PIL import Image, ImageDraw

MP_BACKGROUND = (218, 222, 228)
MP_FIGURE = (150, 158, 170)
IDENTICON_BACKGROUND = (240, 240, 240)
GRID = 5


def _canvas_scale(side: int) -> int:
    """Drawn this many times larger, then reduced: smooth edges without an anti-aliased draw."""
    return max(1, min(4, 1024 // side))


def mystery_person(side: int) -> Image.Image:
    """A grey silhouette, the same for every hash (Gravatar's ``mp``)."""
    scale = _canvas_scale(side)
    n = side * scale
    image = Image.new("RGB", (n, n), MP_BACKGROUND)
    draw = ImageDraw.Draw(image)
    head = 0.19 * n
    cx, cy = 0.5 * n, 0.39 * n
    draw.ellipse((cx - head, cy - head, cx + head, cy + head), fill=MP_FIGURE)
    draw.ellipse((0.14 * n, 0.69 * n, 0.86 * n, 1.35 * n), fill=MP_FIGURE)
    return image.resize((side, side), Image.Resampling.LANCZOS) if scale > 1 else image


def blank(side: int) -> Image.Image:
    """Fully transparent."""
    return Image.new("RGBA", (side, side), (0, 0, 0, 0))


def identicon(digest: str, side: int) -> Image.Image:
    """A 5 × 5 pattern mirrored left to right, in one colour, both read from the hash: each
    hash its own picture, the same one every time."""
    bits = int(digest[:15].ljust(15, "0"), 16)
    hue = int(digest[-6:].rjust(6, "0"), 16) / 0xFFFFFF
    red, green, blue = colorsys.hls_to_rgb(hue, 0.5, 0.55)
    colour = (round(red * 255), round(green * 255), round(blue * 255))
    scale = _canvas_scale(side)
    n = side * scale
    image = Image.new("RGB", (n, n), IDENTICON_BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = n * 0.08
    cell = (n - 2 * margin) / GRID
    for row in range(GRID):
        for col in range((GRID + 1) // 2):
            if not (bits >> (row * 3 + col)) & 1:
                continue
            for x in {col, GRID - 1 - col}:
                left, top = margin + x * cell, margin + row * cell
                draw.rectangle(
                    (round(left), round(top), round(left + cell) - 1, round(top + cell) - 1),
                    fill=colour,
                )
    return image.resize((side, side), Image.Resampling.LANCZOS) if scale > 1 else image
