"""Zombie: sickly green-grey skin, dark sunken eyes placed by face detection, gritty texture."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import StyleContext, as_rgb, spread, to_array, to_image
from .masks import around, face_mask, skin_mask
from .screens import noise, vignette

ROTTEN = np.array([120, 136, 110], np.float32)  # green-grey flesh
BRUISE = np.array([52, 38, 58], np.float32)  # purple-black around the eyes
GLINT = np.array([200, 205, 170], np.float32)
COLD = np.array([0.92, 1.02, 0.9], np.float32)  # the cold green cast
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
GRIME = np.array([-6, 4, -8], np.float32)
FLESH = ((np.arange(256, dtype=np.float32) / 255) ** 1.1)[None]  # flesh tone by grey level

# Whether skin must keep its tone here (avatars.skin):
# Rotten green-grey flesh on purpose.
NATURAL_COLOUR = False


class Take(NamedTuple):
    flesh: np.ndarray  # the rotten skin's colour
    cast: np.ndarray  # the cold cast over everything
    seed: int  # the grime's pattern
    dark: float  # how dark the corners go


# Green-grey rot first; then a drowned blue-grey; a jaundiced, yellow-brown one in a darker
# crypt; a bruised, violet-grey one.
TAKES = (
    Take(ROTTEN, COLD, 7, 0.65),
    Take(np.array([104, 128, 138], np.float32), np.array([0.88, 0.98, 1.06], np.float32), 31, 0.7),
    Take(np.array([146, 132, 86], np.float32), np.array([1.0, 0.98, 0.84], np.float32), 53, 0.8),
    Take(np.array([124, 108, 126], np.float32), np.array([0.96, 0.92, 1.0], np.float32), 71, 0.55),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    take = ctx.take(TAKES)
    # Strength: closer to the photo keeps more of its colour and light, with milder rot,
    # sockets and grime; stronger drains it all and rots deeper.
    luma = ctx.at(0.45, 0.75, 0.92)
    rot = ctx.at(0.45, 0.8, 0.95)
    grime = ctx.at(0.4, 1.0, 1.6)
    contrast = ctx.at(1.1, 1.25, 1.4)
    ctx.step(10, "Draining the colour")
    # Everything loses most of its colour and takes a cold green cast: per pixel,
    # (0.75 luma + 0.25 colour) × cast, one matrix for OpenCV to apply.
    drain = take.cast[:, None] * (luma * LUMA[None, :] + (1 - luma) * np.eye(3, dtype=np.float32))
    drained = cv2.transform(rgb.astype(np.float32), drain)
    ctx.step(30, "Rotting the skin")
    skin = np.maximum(skin_mask(rgb, ctx.faces), face_mask((h, w), ctx.faces, 1.1) * 0.8)
    flesh = cv2.LUT(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), FLESH)
    # drained × (1 - skin) + (0.8 flesh + 0.2 drained) × skin, rearranged.
    out = cv2.multiply(drained, as_rgb(1 - rot * skin))
    cv2.add(out, spread(flesh * skin, take.flesh * 1.45 * rot), dst=out)
    ctx.step(50, "Sinking the eyes")
    face = ctx.face
    if face is not None:
        _sunken_eyes(out, face, ctx.at(0.35, 0.6, 0.8))
    ctx.step(70, "Adding grime")
    seed = take.seed
    grit = noise((h, w), seed=seed, scale=1.0) * (8 * grime) + noise(
        (h, w), seed=seed + 1, scale=size / 120
    ) * (10 * grime)
    blotches = np.clip(noise((h, w), seed=seed + 2, scale=size / 60), 0.6, 3) - 0.6
    stained = blotches * skin
    ctx.step(85, "Horror-poster lighting")
    # ((out + grit) × (1 - 0.12 stain) + stain × grime) × vignette, then crushed, contrasty
    # tones ((x / 255 - 0.5) × 1.25 + 0.47): folded into one multiply and one add per pixel.
    gain = vignette((h, w), ctx.at(take.dark * 0.6, take.dark, min(0.9, take.dark * 1.25)))
    gain = gain * contrast
    cv2.add(out, as_rgb(grit), dst=out)
    cv2.multiply(out, as_rgb((1 - 0.12 * stained) * gain), dst=out)
    cv2.add(out, spread(stained * gain, GRIME), dst=out)
    out -= (0.5 * contrast - 0.47) * 255
    return to_image(out)


def _sunken_eyes(out: np.ndarray, face, depth: float = 0.6) -> None:
    """Darken and bruise the sockets, keep a dull glint in the eyes themselves (in place,
    in a box around the eyes: nothing outside it changes)."""
    d = max(4.0, face.eye_distance)
    eyes = (face.left_eye, face.right_eye)
    blur = d * 0.14
    rows, cols = around(eyes, d * 0.5 + 4 * blur + 2, out.shape)
    box = out[rows, cols]
    dy, dx = rows.start, cols.start
    sockets = np.zeros(box.shape[:2], np.float32)
    for cx, cy in eyes:
        axes = (int(d * 0.45), int(d * 0.3))
        centre = (int(cx) - dx, int(cy + d * 0.04) - dy)
        cv2.ellipse(sockets, centre, axes, face.roll_degrees, 0, 360, 1, -1)
    sockets = cv2.GaussianBlur(sockets, (0, 0), blur)[..., None]
    box *= 1 - depth * sockets
    box += BRUISE * depth * sockets
    pupils = np.zeros(box.shape[:2], np.float32)
    for cx, cy in eyes:
        cv2.circle(pupils, (int(cx) - dx, int(cy) - dy), max(1, int(d * 0.07)), 1, -1)
    pupils = cv2.GaussianBlur(pupils, (0, 0), max(0.8, d * 0.03))[..., None]
    box *= 1 - pupils
    box += GLINT * pupils
