"""Pencil Sketch: graphite strokes and cross-hatching on textured paper."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import StyleContext, to_array, two_tone, wide_blur
from .screens import line_screen, noise

PAPER = np.array([246, 242, 232], np.float32)
GRAPHITE = np.array([58, 58, 64], np.float32)

# Whether skin must keep its tone here (avatars.skin):
# Graphite on paper: no colour at all.
NATURAL_COLOUR = False


class Take(NamedTuple):
    lines: float  # the line drawing's reach: the picture's size over this (lower: bolder)
    hatch: float  # the hatching's pitch: the picture's size over this
    angles: tuple[float, float]  # the two hatching directions, degrees
    seed: int  # the paper's and the hand's wobble


# The classic study first; then bold lines with wide, steep hatching; a light, fine drawing;
# a dense, dark one hatched the other way.
TAKES = (
    Take(90, 140, (35, -50), 11),
    Take(55, 100, (70, -15), 41),
    Take(130, 190, (20, -70), 61),
    Take(70, 120, (-35, 50), 81),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    take = ctx.take(TAKES)
    # Strength: closer to the photo is finer lines, light hatching and the photo's own
    # shading laid in soft graphite; stronger is a looser hand (fine detail left out), bold
    # lines and dense, dark hatching.
    reach = ctx.at(take.lines * 1.5, take.lines, take.lines * 0.7)
    shading = ctx.at(0.45, 0.0, 0.0)
    hatch_below = ctx.at(0.4, 0.55, 0.68), ctx.at(0.2, 0.32, 0.45)
    # How loose the hand is goes by the face's size: it is the face that detail is left out of.
    loose = ctx.at(0.0, 0.0, (ctx.face.width if ctx.face else size / 6) / 50)
    ctx.step(10, "Sharpening the pencil")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if loose:
        grey = cv2.GaussianBlur(grey, (0, 0), loose)
    g = grey.astype(np.float32)
    # Colour dodge of the grey image by its blurred negative: the classic line drawing.
    blur = wide_blur(255 - g, size / reach)
    dodge = np.clip(g * 255 / np.maximum(1, 255 - blur), 0, 255)
    lines = np.clip((dodge - 40) / 215, 0, 1) ** 2.2  # 1 = paper, 0 = graphite
    ctx.step(45, "Cross-hatching the shadows")
    tone = cv2.GaussianBlur(grey, (0, 0), size / 200).astype(np.float32) / 255
    spacing = max(4.0, size / take.hatch)
    wobble = noise((h, w), seed=take.seed, scale=size / 80) * 0.08
    hatch1 = line_screen((h, w), spacing=spacing, angle_degrees=take.angles[0]) + wobble
    hatch2 = line_screen((h, w), spacing=spacing * 1.1, angle_degrees=take.angles[1]) + wobble
    strokes = np.ones((h, w), np.float32)
    strokes = np.where((tone < hatch_below[0]) & (np.abs(hatch1) < 0.14), 0.55, strokes)
    strokes = np.where((tone < hatch_below[1]) & (np.abs(hatch2) < 0.14), 0.35, strokes)
    strokes = cv2.GaussianBlur(strokes, (0, 0), max(0.6, size / 1500))
    if shading:
        # Soft graphite shading from the photo's own light: the face's form, not just lines.
        form = cv2.GaussianBlur(g, (0, 0), max(1.0, size / 500)) / 255
        strokes *= 1 - shading * (1 - form)
    ctx.step(75, "Laying it on paper")
    ink = np.clip(lines * strokes, 0, 1)
    person = ctx.person_alpha(rgb)
    if person is not None:
        # A portrait study: the sitter drawn in full, the room only suggested, fading out to
        # the paper away from them.
        near = np.clip(wide_blur(person, size / 40) * 1.4, 0, 1)
        ink = 1 - (1 - ink) * (0.22 + 0.78 * near)
    grain = (
        noise((h, w), seed=take.seed + 1, scale=1.2) * 0.03
        + noise((h, w), seed=take.seed + 2, scale=size / 30) * 0.02
    )
    ink = np.clip(ink + grain, 0, 1)
    return Image.fromarray(two_tone(ink, GRAPHITE, PAPER), "RGB")
