"""Anime: cel shading — smooth skin, flat two-tone shadows, clean thin lines, vivid colour."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .common import (
    StyleContext,
    kmeans_colours,
    luminance,
    pull_toward_palette,
    saturate,
    smooth,
    to_array,
    to_image,
)

COLOURS = 10
LINE = np.array([45, 30, 40], np.float32)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    ctx.step(10, "Smoothing the skin")
    soft = cv2.edgePreservingFilter(rgb, flags=cv2.RECURS_FILTER, sigma_s=40, sigma_r=0.35)
    soft = smooth(soft, passes=1, strength=50)
    soft = saturate(soft, 1.55, 1.08)
    ctx.step(35, "Flat colour cels")
    centres, labels = kmeans_colours(soft, COLOURS)
    centres = pull_toward_palette(centres, ctx.palette, 0.4).astype(np.float32)
    base = centres[labels]
    ctx.step(55, "Two-tone shading")
    # Inside each cel, pixels darker than the cel's own average get its shadow tone.
    lum = cv2.GaussianBlur(luminance(soft), (0, 0), size / 250)
    mean_lum = np.zeros(COLOURS, np.float32)
    for i in range(COLOURS):
        sel = labels == i
        if sel.any():
            mean_lum[i] = lum[sel].mean()
    shadow = lum < mean_lum[labels] - 6
    shade = np.array([0.78, 0.74, 0.88], np.float32)  # cool, slightly violet shadows
    out = np.where(shadow[..., None], base * shade, base)
    ctx.step(75, "Clean line art")
    grey = cv2.cvtColor(soft, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (0, 0), size / 500), 40, 110)
    edges = cv2.GaussianBlur(edges.astype(np.float32) / 255, (0, 0), max(0.6, size / 1400))
    edges = np.clip(edges * 1.8, 0, 1)[..., None]
    out = out * (1 - edges) + LINE * edges
    ctx.step(90, "Catch-lights in the eyes")
    face = ctx.face
    if face is not None:
        d = max(4.0, face.eye_distance)
        sparkle = np.zeros((h, w), np.float32)
        for cx, cy in (face.left_eye, face.right_eye):
            cv2.circle(
                sparkle, (int(cx - d * 0.05), int(cy - d * 0.05)), max(1, int(d * 0.05)), 1, -1
            )
        sparkle = cv2.GaussianBlur(sparkle, (0, 0), max(0.6, d * 0.015))[..., None]
        out = out * (1 - sparkle) + 255 * sparkle
    return to_image(out)
