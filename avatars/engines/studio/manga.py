"""Manga: black-and-white ink lines with screentone shading and white highlights."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import StyleContext, ink_lines, smooth, to_array, to_image
from .screens import dot_screen, line_screen

# Whether skin must keep its tone here (avatars.skin):
# Black ink and screentone on white paper: no colour at all.
NATURAL_COLOUR = False


class Take(NamedTuple):
    tone: float  # the screentone's pitch: the picture's size over this
    dots: float  # the dot screen's angle, degrees
    hatch: float  # the hatching's angle, degrees
    ink: int  # the ink threshold's offset: lower draws more lines
    shift: float  # added to the tones before they are cut: darker (−) or lighter pages


# The classic page first; then a coarse tone with more ink; a fine, light page; a dark,
# heavily hatched one.
TAKES = (
    Take(150, 45, -45, 5, 0),
    Take(100, 30, 60, 4, -12),
    Take(210, 60, -30, 6, 18),
    Take(120, 15, 75, 3, -28),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    size = max(rgb.shape[:2])
    take = ctx.take(TAKES)
    # Strength: closer to the photo is a fine screentone, less ink and solid black only in
    # the deepest shadows; stronger is a coarse tone, heavy ink and big black areas.
    tone = ctx.at(take.tone * 1.6, take.tone, take.tone * 0.65)
    black_below = ctx.at(24, 38, 64)
    ctx.step(10, "Smoothing into clean shapes")
    soft = smooth(rgb, passes=ctx.at(1, 2, 3), strength=ctx.at(50, 60, 100))
    grey = cv2.cvtColor(soft, cv2.COLOR_RGB2GRAY)
    g = grey.astype(np.float32)
    # Stretch contrast so every photo uses the whole range of tones.
    lo, hi = percentiles(grey, (2, 98))
    g = np.clip((g - lo) / max(1.0, hi - lo) * 255, 0, 255)
    if take.shift:
        g = np.clip(g + take.shift, 0, 255)
    ctx.step(40, "Laying screentone")
    spacing = max(4.0, size / tone)
    dots = dot_screen(g.shape, spacing=spacing, angle_degrees=take.dots)
    hatch = line_screen(g.shape, spacing=spacing * 0.9, angle_degrees=take.hatch)
    out = np.full(g.shape, 255, np.float32)
    # Four tones: paper white, light dot tone, dense dot tone, hatched shadow, solid black.
    light = (g < 185) & (g >= 130)
    mid = (g < 130) & (g >= 80)
    dark = (g < 80) & (g >= black_below)
    black = g < black_below
    out[light & (dots < 0.22)] = 0
    out[mid & (dots < 0.38)] = 0
    out[dark & ((dots < 0.45) | (hatch < 0.16))] = 0
    out[black] = 0
    ctx.step(75, "Inking the lines")
    ink = ctx.at(take.ink + 3, take.ink, max(2, take.ink - 1))
    lines = ink_lines(rgb, c=ink, thicken=max(1, round(size / ctx.at(900, 600, 300))))
    out[lines] = 0
    # Screentone is printed: soften just enough to anti-alias the dots.
    out = cv2.GaussianBlur(out, (0, 0), max(0.5, size / 1400))
    return to_image(out)


def percentiles(grey: np.ndarray, qs) -> list[float]:
    """``np.percentile(grey, qs)`` for a uint8 image, read off its histogram (10× faster)."""
    cumulative = np.cumsum(np.bincount(grey.ravel(), minlength=256))
    last = int(cumulative[-1]) - 1
    values = []
    for q in qs:
        rank = q / 100 * last
        below = int(rank)
        # The i-th smallest value is the first level whose running count passes i.
        lo, hi = np.searchsorted(cumulative, [below, min(below + 1, last)], side="right")
        values.append(float(lo + (hi - lo) * (rank - below)))
    return values
