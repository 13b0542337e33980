"""Background swaps: cut the person out with GrabCut, put them in front of a new scene.

GrabCut (OpenCV's graph-cut segmentation) runs on a copy at most 384 px long, seeded from the
face: the face box is certainly the person, a column under the chin is probably the person
(neck and shoulders), and everything outside a head-and-shoulders box is certainly not. The
mask is cleaned (largest region touching the face), scaled back up and feathered, so edges
are soft rather than jagged. OpenCV's random generator is seeded first: the same picture
always gets the same cut.
"""

from __future__ import annotations

import contextlib

import cv2
import numpy as np

from avatars.faces import FaceAnalysis

from ..common import RGB, hex_to_rgb
from .lighting import mono

WORK = 384


class NoSeparation(Exception):
    """The cut found (almost) nothing, or (almost) everything, to be the person."""


def person_mask(rgb: np.ndarray, faces: FaceAnalysis) -> np.ndarray:
    """Float mask 0..1 (h, w): 1 where the person is (NoSeparation without a face)."""
    face = faces.face
    if face is None:
        raise NoSeparation  # without a face there is nothing to seed the person from
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK / max(h, w))
    small = cv2.resize(
        rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = small.shape[:2]
    mask = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    x0, t, r, b = (round(v * scale) for v in face.box)
    fw, fh = max(1, r - x0), max(1, b - t)
    cx = (x0 + r) // 2
    # Shoulders and chest: below the chin, about three faces wide.
    mask[min(sh, b + fh // 3) :, max(0, x0 - int(1.6 * fw)) : min(sw, r + int(1.6 * fw))] = (
        cv2.GC_PR_FGD
    )
    # The head with its hair.
    mask[
        max(0, t - int(0.7 * fh)) : min(sh, b + fh // 3),
        max(0, x0 - int(0.4 * fw)) : min(sw, r + int(0.4 * fw)),
    ] = cv2.GC_PR_FGD
    # Certainly background: well above the head, and beside it down to the chin.
    mask[: max(0, t - int(0.9 * fh))] = cv2.GC_BGD
    mask[: max(0, b), : max(0, x0 - int(1.2 * fw))] = cv2.GC_BGD
    mask[: max(0, b), min(sw, r + int(1.2 * fw)) :] = cv2.GC_BGD
    # A close-up leaves little beside the head: the picture's own edges above the chin
    # and its top edge away from the head are background too.
    edge = max(2, sw // 30)
    mask[: max(0, b), :edge] = cv2.GC_BGD
    mask[: max(0, b), sw - edge :] = cv2.GC_BGD
    top_band = mask[: max(2, sh // 40)]
    top_band[:, : max(0, x0 - int(0.4 * fw))] = cv2.GC_BGD
    top_band[:, min(sw, r + int(0.4 * fw)) :] = cv2.GC_BGD
    for other in faces.faces:
        ol, ot, orr, ob = (round(v * scale) for v in other.box)
        mask[max(0, ot) : max(0, ob), max(0, ol) : max(0, orr)] = cv2.GC_FGD
    mask[min(sh, b) :, max(0, cx - fw // 4) : min(sw, cx + fw // 4)] = cv2.GC_FGD
    seed = (max(0, min(sh - 1, (t + b) // 2)), max(0, min(sw - 1, cx)))
    if not (mask == cv2.GC_BGD).any() or not np.isin(mask, (cv2.GC_BGD, cv2.GC_PR_BGD)).any():
        return np.ones((h, w), np.float32)
    cv2.setRNGSeed(12345)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    with contextlib.suppress(cv2.error):  # a degenerate mask: keep the seeds as they are
        cv2.grabCut(small, mask, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, kernel)
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, kernel)
    count, labels = cv2.connectedComponents(fg)
    if count > 2:
        label = labels[seed]
        if label == 0:
            sizes = np.bincount(labels.ravel())[1:]
            label = 1 + int(np.argmax(sizes))
        fg = (labels == label).astype(np.uint8)
    # Holes inside the person (a white cap badge, a shirt button) are the person too: only
    # background that reaches the picture's edge is background.
    count, labels = cv2.connectedComponents((fg == 0).astype(np.uint8))
    if count > 1:
        border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        fg = np.where(np.isin(labels, border[border > 0]), 0, 1).astype(np.uint8)
    full = cv2.resize(fg.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    feather = max(3, round(max(h, w) / 300)) * 2 + 1
    return np.clip(cv2.GaussianBlur(full, (feather, feather), 0), 0, 1)


def _vertical(h: int, w: int, stops: list[tuple[float, RGB]]) -> np.ndarray:
    ys = np.linspace(0, 1, h)
    positions = [p for p, _c in stops]
    cols = np.stack(
        [np.interp(ys, positions, [c[i] for _p, c in stops]) for i in range(3)], axis=1
    ).astype(np.float32)
    return np.repeat(cols[:, None, :], w, axis=1)


def colour_scene(h: int, w: int, colour: RGB) -> np.ndarray:
    """A studio backdrop: the colour, lighter in the middle, a little darker at the edges."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot((xx - w / 2) / (w / 2), (yy - h * 0.4) / (h / 2))
    shade = (1.12 - 0.22 * np.clip(d, 0, 1.6))[..., None]
    return np.clip(np.array(colour, np.float32) * shade, 0, 255)


def sunset(h: int, w: int) -> np.ndarray:
    sky = _vertical(
        h,
        w,
        [
            (0.0, (48, 28, 92)),
            (0.35, (170, 58, 98)),
            (0.6, (246, 126, 60)),
            (0.78, (255, 196, 92)),
            (1.0, (120, 52, 48)),
        ],
    )
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r = w * 0.5, h * 0.72, min(h, w) * 0.16
    d = np.hypot(xx - cx, yy - cy)
    sun = np.clip((r - d) / (r * 0.08), 0, 1)[..., None]
    glow = np.exp(-((d / (r * 2.5)) ** 2))[..., None] * 0.35
    sky = sky * (1 - glow) + np.array((255, 210, 120), np.float32) * glow
    sky = sky * (1 - sun) + np.array((255, 236, 170), np.float32) * sun
    sky[int(h * 0.8) :] *= 0.55  # the land in silhouette
    return sky


def starfield(h: int, w: int) -> np.ndarray:
    sky = _vertical(h, w, [(0.0, (4, 6, 20)), (0.6, (14, 18, 52)), (1.0, (30, 22, 70))])
    rng = np.random.default_rng(2024)
    count = max(60, h * w // 2500)
    ys, xs = rng.integers(0, h, count), rng.integers(0, w, count)
    glow = np.zeros((h, w), np.float32)
    glow[ys, xs] = rng.uniform(0.4, 1.0, count) ** 2 * 255
    big = rng.random(count) < 0.08
    radius = max(1, round(max(h, w) / 600))
    for y, x in zip(ys[big], xs[big], strict=True):
        cv2.circle(glow, (int(x), int(y)), radius, 255, -1, cv2.LINE_AA)
    glow = cv2.GaussianBlur(glow, (0, 0), max(0.6, max(h, w) / 1400)) * 1.6
    return np.clip(sky + glow[..., None] * np.array((1.0, 0.97, 0.9), np.float32), 0, 255)


def flowers(h: int, w: int) -> np.ndarray:
    scene = _vertical(
        h,
        w,
        [
            (0.0, (120, 180, 235)),
            (0.45, (190, 225, 245)),
            (0.5, (92, 150, 60)),
            (1.0, (46, 100, 34)),
        ],
    )
    img = np.clip(scene, 0, 255).astype(np.uint8)
    rng = np.random.default_rng(99)
    n = max(40, h * w // 9000)
    ys = np.sort(rng.uniform(0.48, 1.02, n))
    for y in ys:
        x = rng.uniform(-0.02, 1.02) * w
        r = (0.006 + 0.03 * (y - 0.48) / 0.54) * max(h, w)
        cy = y * h
        for k in range(8):
            a = k * np.pi / 4
            px, py = x + np.cos(a) * r * 0.75, cy + np.sin(a) * r * 0.75
            cv2.ellipse(
                img,
                (int(px), int(py)),
                (max(1, int(r * 0.55)), max(1, int(r * 0.28))),
                float(np.degrees(a)),
                0,
                360,
                (252, 206, 36),
                -1,
                cv2.LINE_AA,
            )
        cv2.circle(img, (int(x), int(cy)), max(1, int(r * 0.38)), (120, 70, 20), -1, cv2.LINE_AA)
    return img.astype(np.float32)


def scene(h: int, w: int, variant: str, value: str = "") -> np.ndarray:
    if variant == "sunset":
        return sunset(h, w)
    if variant == "starfield":
        return starfield(h, w)
    if variant == "flowers":
        return flowers(h, w)
    return colour_scene(h, w, hex_to_rgb(value or "#8a8a8a"))


def replace_background(
    rgb: np.ndarray, faces: FaceAnalysis, variant: str, value: str = ""
) -> np.ndarray:
    h, w = rgb.shape[:2]
    alpha = person_mask(rgb, faces)[..., None]
    share = float(alpha.mean())
    if not 0.03 < share < 0.93:
        raise NoSeparation
    if variant == "black and white":
        back = mono(rgb).astype(np.float32)
    else:
        back = scene(h, w, variant, value)
    out = rgb.astype(np.float32) * alpha + back * (1 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


DESCRIBE = {
    "sunset": "put a sunset behind you",
    "starfield": "put a starfield behind you",
    "flowers": "put yellow flowers behind you",
    "black and white": "made the background black and white",
}
