"""Pixel Art: a true pixel grid (blocks of identical pixels) with a limited palette."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from avatars.faces import FaceAnalysis

from .common import StyleContext, kmeans_colours, saturate, to_array, to_image
from .skin_tone import keep_skin_tone

GRID = 64  # sprite cells on the long side
COLOURS = 16  # palette size (≤ 32 by promise)

# Whether skin must keep its tone here (avatars.skin):
# A palette drawn from the photo's own colours: skin stays its tone.
NATURAL_COLOUR = True


class Take(NamedTuple):
    grid: int  # sprite cells on the long side
    colours: int  # palette size (≤ 32 by promise)
    saturation: float


# The classic sprite first; then a chunkier 8-bit one; a finer 16-bit one with more colours;
# a tiny-palette one. A grid that doesn't divide the picture leaves it a few pixels smaller
# (whole cells only), as any such size always has.
TAKES = (
    Take(GRID, COLOURS, 1.3),
    Take(48, 12, 1.5),
    Take(96, 24, 1.15),
    Take(56, 8, 1.7),
)


def block_size(width: int, height: int, grid: int = GRID) -> int:
    return max(1, max(width, height) // grid)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    take = ctx.take(TAKES)
    # Strength: closer to the photo is a finer grid with more colours at the photo's own
    # saturation; stronger is chunkier cells, fewer colours, louder ones.
    grid = ctx.at(take.grid * 2, take.grid, round(take.grid * 0.6))
    colours = ctx.at(min(32, take.colours * 2), take.colours, max(4, round(take.colours * 0.6)))
    block = block_size(w, h, grid)
    gw, gh = w // block, h // block
    ctx.step(15, "Sampling the sprite grid")
    # Crop to whole cells (centred) so every block is complete; the output keeps that size.
    ox, oy = (w - gw * block) // 2, (h - gh * block) // 2
    rgb = rgb[oy : oy + gh * block, ox : ox + gw * block]
    small = cv2.resize(rgb, (gw, gh), interpolation=cv2.INTER_AREA)
    small = saturate(small, ctx.at(1.0, take.saturation, take.saturation * 1.15), 1.0)
    ctx.step(45, "Choosing the palette")
    k = max(1, colours - len(ctx.palette[:8]))
    centres, labels = kmeans_colours(small, k, samples=gw * gh)
    if ctx.palette:
        centres = np.vstack([centres, np.array(ctx.palette[:8], np.uint8)])
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
        clab = cv2.cvtColor(centres.reshape(1, -1, 3), cv2.COLOR_RGB2LAB)[0].astype(np.float32)
        labels = ((lab[:, None, :] - clab[None]) ** 2).sum(-1).argmin(1).reshape(gh, gw)
    sprite = centres[labels]
    ctx.step(70, "Outlining the sprite")
    # A one-cell dark outline where neighbouring cells differ strongly: the sprite look.
    g = cv2.cvtColor(sprite, cv2.COLOR_RGB2GRAY).astype(np.int16)
    edge = np.zeros_like(g, dtype=bool)
    edge[:, 1:] |= np.abs(np.diff(g, axis=1)) > 70
    edge[1:, :] |= np.abs(np.diff(g, axis=0)) > 70
    person = ctx.person_alpha(rgb)
    if person is not None:
        # The sprite's own outline: every cell just outside the figure, so the person reads
        # as one character against the scene.
        inside = cv2.resize(person, (gw, gh), interpolation=cv2.INTER_AREA) > 0.5
        ring = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        edge |= ring & ~inside
    darkest = int(np.argmin(centres.astype(int).sum(1)))
    labels = labels.astype(np.uint8)
    labels[edge] = darkest
    # The face's skin in the photo's own tone (the palette drifted from it), within the
    # promised 32 colours; the outline stays the darkest colour.
    faces = ctx.faces
    if faces is not None:
        faces = FaceAnalysis(
            rgb.shape[1], rgb.shape[0], tuple(f.moved(-ox, -oy) for f in faces.faces)
        )
    centres, labels = keep_skin_tone(
        centres, labels, rgb, faces, fixed=(darkest,), room=32, person=ctx.person_area(rgb)
    )
    sprite = centres[labels]
    ctx.step(90, "Scaling up, pixel for pixel")
    big = np.repeat(np.repeat(sprite, block, axis=0), block, axis=1)
    return to_image(big)
