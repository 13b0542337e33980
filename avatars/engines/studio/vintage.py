"""Vintage: a faded sepia print with film grain, a soft vignette and a little wear."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .common import StyleContext, noise, to_array, to_image, vignette

SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    ctx.step(10, "Toning in sepia")
    img = cv2.GaussianBlur(rgb, (0, 0), max(0.6, size / 900)).astype(np.float32)
    sepia = img @ SEPIA.T
    sepia = sepia / max(1.0, float(sepia.max())) * 255
    if ctx.palette:
        # A profile colour tints the print, gently: old photos were toned, not painted.
        tint = np.array(ctx.palette[0], np.float32)
        sepia = sepia * 0.85 + (sepia.mean(-1, keepdims=True) / 255) * tint * 0.15
    ctx.step(40, "Fading the print")
    # Lifted blacks and dimmed whites: a print that has seen sunlight.
    out = 38 + sepia * (222 - 38) / 255
    ctx.step(60, "Film grain")
    out = out + noise((h, w), seed=21, scale=1.0)[..., None] * 9
    ctx.step(75, "Vignette and wear")
    out = out * vignette((h, w), 0.55)[..., None]
    rng = np.random.default_rng(22)
    wear = np.zeros((h, w), np.float32)
    for _ in range(14):  # fine vertical scratches
        x = int(rng.integers(0, w))
        y0, y1 = sorted(rng.integers(0, h, size=2))
        cv2.line(wear, (x, int(y0)), (x + int(rng.integers(-8, 9)), int(y1)), 1, 1)
    for _ in range(60):  # dust
        cv2.circle(
            wear, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(1, 3)), 1, -1
        )
    wear = cv2.GaussianBlur(wear, (0, 0), 0.8)[..., None] * 0.5
    out = out * (1 - wear) + np.array([235, 225, 200], np.float32) * wear
    return to_image(out)
