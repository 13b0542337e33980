"""Vintage: a faded sepia print with film grain, a soft vignette and a little wear."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import StyleContext, to_array, to_image
from .screens import noise, vignette

SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)
DUST = (235, 225, 200)
LUMA = np.array([0.299, 0.587, 0.114], np.float32)

# Whether skin must keep its tone here (avatars.skin):
# A one-colour print (sepia, cyanotype…) on purpose.
NATURAL_COLOUR = False


class Take(NamedTuple):
    tone: np.ndarray  # the print's colour matrix (RGB from RGB)
    fade: float  # how dark the corners go
    grain: float  # the film grain's strength
    seed: int  # the grain's and the wear's pattern


def _toned(colour) -> np.ndarray:
    """A one-colour print: the picture's luma, in ``colour`` (RGB, 0-1 at white)."""
    return np.asarray(colour, np.float32)[:, None] * LUMA[None, :]


# A sepia print first; then a cyanotype; a cool silver-gelatin print; a gold-toned one.
TAKES = (
    Take(SEPIA, 0.55, 9, 21),
    Take(_toned((0.55, 0.8, 1.05)), 0.65, 11, 121),
    Take(_toned((0.95, 0.97, 1.0)), 0.45, 7, 221),
    Take(_toned((1.1, 0.9, 0.55)), 0.7, 13, 321),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    take = ctx.take(TAKES)
    # Strength: closer to the photo is a sharp, fresh print with little grain, fading or
    # wear; stronger is a soft, faded, grainy, worn one.
    ctx.step(10, "Toning the print")
    softness = ctx.at(2000, 900, 500)
    img = cv2.GaussianBlur(rgb, (0, 0), max(0.6, size / softness)).astype(np.float32)
    # Sepia scaled so its brightest pixel is white, then (a profile colour tints the print,
    # gently: old photos were toned, not painted) lifted blacks and dimmed whites, a print
    # that has seen sunlight: 38 + 184/255 of it. All linear, so one matrix does it.
    brightest = max(1.0, float(cv2.transform(img, take.tone).max()))
    tone = np.eye(3, dtype=np.float32)
    if ctx.palette:
        tint = np.array(ctx.palette[0], np.float32)
        tone = tone * 0.85 + tint[:, None] * np.full((1, 3), 0.15 / 3 / 255, np.float32)
    ctx.step(40, "Fading the print")
    black, white = ctx.at(16, 38, 60), ctx.at(236, 222, 200)
    matrix = np.hstack(
        [((white - black) / brightest) * tone @ take.tone, np.full((3, 1), black, np.float32)]
    )
    print_ = cv2.split(cv2.transform(img, matrix.astype(np.float32)))
    ctx.step(60, "Film grain")
    grain = noise((h, w), seed=take.seed, scale=1.0)
    grain *= ctx.at(take.grain * 0.4, take.grain, take.grain * 1.6)
    ctx.step(75, "Vignette and wear")
    fade = vignette((h, w), ctx.at(take.fade * 0.4, take.fade, min(0.9, take.fade * 1.3)))
    wear = _wear(h, w, take.seed + 1) * ctx.at(0.3, 1.0, 1.6)
    keep = 1 - wear
    out = [((c + grain) * fade) * keep + dust * wear for c, dust in zip(print_, DUST, strict=True)]
    return to_image(cv2.merge(out))


def _wear(h: int, w: int, seed: int) -> np.ndarray:
    """Fine vertical scratches and dust, as a 0-0.5 mask."""
    rng = np.random.default_rng(seed)
    wear = np.zeros((h, w), np.float32)
    for _ in range(14):  # fine vertical scratches
        x = int(rng.integers(0, w))
        y0, y1 = sorted(rng.integers(0, h, size=2))
        cv2.line(wear, (x, int(y0)), (x + int(rng.integers(-8, 9)), int(y1)), 1, 1)
    for _ in range(60):  # dust
        cv2.circle(
            wear, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(1, 3)), 1, -1
        )
    return cv2.GaussianBlur(wear, (0, 0), 0.8) * 0.5
