"""Zombie: sickly green-grey skin, dark sunken eyes placed by face detection, gritty texture."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .common import (
    StyleContext,
    face_mask,
    luminance,
    noise,
    skin_mask,
    to_array,
    to_image,
    vignette,
)

ROTTEN = np.array([120, 136, 110], np.float32)  # green-grey flesh
BRUISE = np.array([52, 38, 58], np.float32)  # purple-black around the eyes


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    ctx.step(10, "Draining the colour")
    img = rgb.astype(np.float32)
    lum = luminance(rgb)[..., None]
    # Everything loses most of its colour and takes a cold green cast.
    drained = lum * 0.75 + img * 0.25
    drained = drained * np.array([0.92, 1.02, 0.9], np.float32)
    ctx.step(30, "Rotting the skin")
    skin = np.maximum(skin_mask(rgb, ctx.faces), face_mask((h, w), ctx.faces, 1.1) * 0.8)
    skin = skin[..., None]
    flesh = (lum / 255.0) ** 1.1 * ROTTEN * 1.45
    out = drained * (1 - skin) + (flesh * 0.8 + drained * 0.2) * skin
    ctx.step(50, "Sinking the eyes")
    face = ctx.face
    if face is not None:
        out = _sunken_eyes(out, face, (h, w))
    ctx.step(70, "Adding grime")
    grit = noise((h, w), seed=7, scale=1.0) * 8 + noise((h, w), seed=8, scale=size / 120) * 10
    blotches = np.clip(noise((h, w), seed=9, scale=size / 60), 0.6, 3) - 0.6
    out = out + grit[..., None]
    out = out * (1 - 0.12 * blotches[..., None] * skin)
    out = out + (blotches[..., None] * skin) * np.array([-6, 4, -8], np.float32)
    ctx.step(85, "Horror-poster lighting")
    out = out * vignette((h, w), 0.65)[..., None]
    # Crushed, contrasty tones.
    out = np.clip((out / 255.0 - 0.5) * 1.25 + 0.47, 0, 1) * 255
    return to_image(out)


def _sunken_eyes(out: np.ndarray, face, shape) -> np.ndarray:
    h, w = shape
    d = max(4.0, face.eye_distance)
    sockets = np.zeros((h, w), np.float32)
    for cx, cy in (face.left_eye, face.right_eye):
        axes = (int(d * 0.45), int(d * 0.3))
        cv2.ellipse(sockets, (int(cx), int(cy + d * 0.04)), axes, face.roll_degrees, 0, 360, 1, -1)
    sockets = cv2.GaussianBlur(sockets, (0, 0), d * 0.14)[..., None]
    # Darken and bruise the sockets; keep a dull glint in the eyes themselves.
    out = out * (1 - 0.6 * sockets) + BRUISE * 0.6 * sockets
    pupils = np.zeros((h, w), np.float32)
    for cx, cy in (face.left_eye, face.right_eye):
        cv2.circle(pupils, (int(cx), int(cy)), max(1, int(d * 0.07)), 1, -1)
    pupils = cv2.GaussianBlur(pupils, (0, 0), max(0.8, d * 0.03))[..., None]
    return out * (1 - pupils) + np.array([200, 205, 170], np.float32) * pupils
