"""Neon: the person's outlines as glowing tubes of light on a dark night background."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import RGB, StyleContext, as_rgb, smooth, to_array, to_image, wide_blur
from .masks import outline

TUBES: tuple[RGB, ...] = ((255, 40, 200), (0, 230, 255), (140, 80, 255), (255, 220, 60))
NIGHT = np.hstack([np.eye(3) * 0.1, [[6], [4], [18]]]).astype(np.float32)  # see _night
GLOWS = ((300, 1.2), (110, 0.9), (40, 0.6))  # (size / sigma, gain): a tight halo, then wider

# Whether skin must keep its tone here (avatars.skin):
# Coloured light on a dark night on purpose.
NATURAL_COLOUR = False


class Take(NamedTuple):
    tubes: tuple[RGB, ...]  # the tubes' colours, in the order the gradient runs through them
    slope: float  # the gradient's direction: its share along the width (the rest: height)
    glow: float  # the halo's strength
    detail: float  # the outline search's blur: the picture's size over this (more: finer)


# Pink-cyan-violet-gold across the picture first; then an acid green and red sign run top
# to bottom with a strong glow; a cool blue-white one with fine tubes; a sunset one.
TAKES = (
    Take(TUBES, 0.6, 1.0, 400),
    Take(((60, 255, 120), (255, 50, 50), (255, 240, 80), (40, 120, 255)), 0.1, 1.35, 300),
    Take(((120, 200, 255), (240, 250, 255), (80, 90, 255), (0, 255, 210)), 0.9, 0.8, 560),
    Take(((255, 120, 0), (255, 30, 110), (170, 40, 255), (255, 200, 40)), 0.35, 1.15, 340),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    take = ctx.take(TAKES)
    # Strength: closer to the photo lets more of it show through the night, with finer
    # tubes and a softer glow; stronger is a darker night and fewer, brighter tubes.
    night = ctx.at(0.6, 0.1, 0.04)
    detail = ctx.at(take.detail * 1.25, take.detail, take.detail * 0.7)
    glow = ctx.at(take.glow * 0.7, take.glow, take.glow * 1.4)
    colours = np.array((ctx.palette or take.tubes)[:4], np.float32)
    if len(colours) == 1:
        colours = np.vstack([colours, np.array(TUBES[1], np.float32)])
    ctx.step(10, "Finding the outlines")
    soft = smooth(rgb, passes=2, strength=60)
    grey = cv2.cvtColor(soft, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), size / detail), 30, 90)
    # Drop tiny fragments: neon tubes are long.
    n, cc, stats, _ = cv2.connectedComponentsWithStats((edges > 0).astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= max(12, size // 40)
    tubes = keep[cc].astype(np.float32)
    tubes = cv2.dilate(tubes, np.ones((2, 2), np.uint8), iterations=max(1, size // 700))
    person = ctx.person_alpha(rgb)
    if person is not None:
        # The figure is the sign: one tube along the person's outline, and the room's own
        # tubes (a flag, a shelf) turned down so they don't compete with it.
        near = wide_blur(person, size / 60)
        tubes *= 0.3 + 0.7 * np.clip(near * 1.5, 0, 1)
        np.maximum(tubes, outline(person, max(2.0, size / 400)).astype(np.float32), out=tubes)
    ctx.step(40, "Bending the tubes")
    colour = _gradient(h, w, colours, take.slope)
    ctx.step(65, "Switching on the glow")
    # The tube colour changes slowly across the picture, so blurring the tubes and colouring
    # the blur looks the same as blurring coloured tubes, at a third of the work.
    light = tubes * 0.6  # the tube itself
    for ratio, gain in GLOWS:
        light += wide_blur(tubes, size / ratio) * (gain * glow)
    ctx.step(85, "Darkening the night")
    # The night: the photo at a tenth of its light, tinted blue.
    out = cv2.transform(soft.astype(np.float32), NIGHT if night == 0.1 else _night(night))
    cv2.add(out, cv2.multiply(colour, as_rgb(light)), dst=out)
    cv2.add(out, as_rgb(tubes * (255 * 0.55)), dst=out)  # white-hot centre of each tube
    return to_image(out)


def _night(light: float) -> np.ndarray:
    """The photo at ``light`` of its brightness, tinted blue (as NIGHT at a tenth)."""
    return np.hstack([np.eye(3) * light, [[6], [4], [18]]]).astype(np.float32)


def _gradient(h: int, w: int, colours: np.ndarray, slope: float) -> np.ndarray:
    """A diagonal gradient through ``colours`` (float32 h×w×3). Linear between grid points,
    so it is drawn at an eighth of the size and scaled up."""
    gh, gw = max(2, h // 8), max(2, w // 8)
    x = np.linspace(0, 1, gw, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, gh, dtype=np.float32)[:, None]
    t = (x * slope + y * (1 - slope)) * (len(colours) - 1)
    start = np.clip(np.floor(t), 0, len(colours) - 2)
    f = (t - start)[..., None]
    i0 = start.astype(np.intp)
    small = colours[i0] * (1 - f) + colours[i0 + 1] * f
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
