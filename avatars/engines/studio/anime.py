"""Anime: cel shading — smooth skin, flat two-tone shadows, clean thin lines, vivid colour."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import (
    StyleContext,
    grow,
    kmeans_colours,
    luminance,
    paint,
    pull_toward_palette,
    saturate,
    shrink,
    to_array,
)
from .masks import around
from .skin_tone import keep_skin_tone

LINE = (45, 30, 40)
CEL_SIDE = 340  # the long side the recursive filter works at
SHADE = np.array([0.78, 0.74, 0.88], np.float32)  # cool, slightly violet shadows

# Whether skin must keep its tone here (avatars.skin):
# Cels drawn from the photo's own colours: skin stays its tone.
NATURAL_COLOUR = True


class Take(NamedTuple):
    colours: int  # colour cels
    saturation: float
    shade: np.ndarray  # what a cel's shadow does to its colour
    lines: float  # the line art's weight (its edges' gain)


# The classic cels first; then fewer, brighter cels with warm shadows and bold lines; many
# softer cels with teal shadows and fine lines; a vivid, high-contrast one with deep shadows.
TAKES = (
    Take(10, 1.55, SHADE, 1.8),
    Take(7, 1.8, np.array([0.86, 0.7, 0.66], np.float32), 2.6),
    Take(14, 1.3, np.array([0.68, 0.8, 0.84], np.float32), 1.2),
    Take(8, 2.0, np.array([0.62, 0.58, 0.76], np.float32), 2.2),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    take = ctx.take(TAKES)
    # Strength: closer to the photo is more cels at truer colour, lighter smoothing and fine
    # lines; stronger is few vivid cels, heavy smoothing and bold lines.
    colours = ctx.at(take.colours + 4, take.colours, max(4, take.colours - 4))
    ctx.step(10, "Smoothing the skin")
    # The recursive filter's window is 40 px wide at 1024², so a copy at a third of the size
    # (and a third of the window) loses nothing it would have kept, and costs a ninth
    # (1024²: 150 → 20 ms on one core). At that size it smooths as much as it did followed by
    # a bilateral pass at full size: the cels come out the same colours.
    small = shrink(rgb, CEL_SIDE)
    scale = max(small.shape[:2]) / size
    small = cv2.edgePreservingFilter(
        small,
        flags=cv2.RECURS_FILTER,
        sigma_s=ctx.at(10, 40, 70) * scale,
        sigma_r=ctx.at(0.15, 0.35, 0.5),
    )
    small = saturate(small, ctx.at(1.1, take.saturation, take.saturation * 1.2), 1.08)
    soft = grow(small, w, h)
    ctx.step(35, "Flat colour cels")
    centres, labels = kmeans_colours(soft, colours)
    centres = pull_toward_palette(centres, ctx.palette, 0.4)
    ctx.step(55, "Two-tone shading")
    # Inside each cel, pixels darker than the cel's own average get its shadow tone.
    lum = grow(cv2.GaussianBlur(luminance(small), (0, 0), size / 250 * scale), w, h)
    counts = np.bincount(labels.ravel(), minlength=colours)
    sums = np.bincount(labels.ravel(), weights=lum.ravel(), minlength=colours)
    mean_lum = (sums / np.maximum(counts, 1)).astype(np.float32)
    shadow = lum < mean_lum[labels] - 6
    shades = np.clip(centres.astype(np.float32) * take.shade, 0, 255).astype(np.uint8)
    # The face's skin in the photo's own tone (vivid cels drifted from it).
    palette, index = keep_skin_tone(
        np.vstack([centres, shades]),
        labels + shadow.astype(np.uint8) * colours,
        rgb,
        ctx.faces,
        person=ctx.person_area(rgb),
    )
    out = paint(index, palette)
    ctx.step(75, "Clean line art")
    grey = cv2.cvtColor(soft, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), size / 500), 40, 110)
    edges = cv2.GaussianBlur(edges.astype(np.float32) / 255, (0, 0), max(0.6, size / 1400))
    lines = ctx.at(take.lines * 0.6, take.lines, take.lines * 1.5)
    out = _blend(out, np.clip(edges * lines, 0, 1), LINE)
    ctx.step(90, "Catch-lights in the eyes")
    face = ctx.face
    if face is not None:
        d = max(4.0, face.eye_distance)
        eyes = [(int(x - d * 0.05), int(y - d * 0.05)) for x, y in (face.left_eye, face.right_eye)]
        blur = max(0.6, d * 0.015)
        # Drawn in a box around the eyes: nothing else changes.
        rows, cols = around(eyes, d * 0.05 + 4 * blur + 2, out.shape)
        box = out[rows, cols]
        sparkle = np.zeros(box.shape[:2], np.float32)
        for x, y in eyes:
            cv2.circle(sparkle, (x - cols.start, y - rows.start), max(1, int(d * 0.05)), 1, -1)
        box[:] = _blend(box, cv2.GaussianBlur(sparkle, (0, 0), blur), (255,) * 3)
    return Image.fromarray(out, "RGB")


def _blend(out: np.ndarray, alpha: np.ndarray, colour) -> np.ndarray:
    """``out`` (uint8 RGB) mixed toward ``colour`` by ``alpha`` (0-1 float32)."""
    h, w = alpha.shape
    ink = cv2.merge([np.full((h, w), c, np.uint8) for c in colour])
    return cv2.blendLinear(out, ink, 1 - alpha, alpha)
