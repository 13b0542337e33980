"""Neon: the person's outlines as glowing tubes of light on a dark night background."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .common import RGB, StyleContext, smooth, to_array, to_image

TUBES: tuple[RGB, ...] = ((255, 40, 200), (0, 230, 255), (140, 80, 255), (255, 220, 60))


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    colours = np.array((ctx.palette or TUBES)[:4], np.float32)
    if len(colours) == 1:
        colours = np.vstack([colours, np.array(TUBES[1], np.float32)])
    ctx.step(10, "Finding the outlines")
    soft = smooth(rgb, passes=2, strength=60)
    grey = cv2.cvtColor(soft, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), size / 400), 30, 90)
    # Drop tiny fragments: neon tubes are long.
    n, cc, stats, _ = cv2.connectedComponentsWithStats((edges > 0).astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= max(12, size // 40)
    tubes = keep[cc].astype(np.float32)
    tubes = cv2.dilate(tubes, np.ones((2, 2), np.uint8), iterations=max(1, size // 700))
    ctx.step(40, "Bending the tubes")
    # Colour the tubes by a diagonal gradient through the palette.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx / w * 0.6 + yy / h * 0.4) * (len(colours) - 1)
    i0 = np.clip(np.floor(t).astype(int), 0, len(colours) - 2)
    f = (t - i0)[..., None]
    colour = colours[i0] * (1 - f) + colours[i0 + 1] * f
    light = tubes[..., None] * colour
    ctx.step(65, "Switching on the glow")
    glow = np.zeros_like(light)
    for sigma, gain in ((size / 300, 1.2), (size / 110, 0.9), (size / 40, 0.6)):
        glow += cv2.GaussianBlur(light, (0, 0), sigma) * gain
    ctx.step(85, "Darkening the night")
    night = soft.astype(np.float32) * 0.1 + np.array([6, 4, 18], np.float32)
    core = tubes[..., None] * 255 * 0.55 + light * 0.6  # white-hot centre of each tube
    out = night + glow + core
    return to_image(out)
