"""Background swaps: the person, as the person mask finds them, in front of a new scene.

The mask (:mod:`avatars.person`: MediaPipe's selfie segmentation, found once per selfie and
per version) gives a soft alpha, hair included. Before the person goes over the new scene,
the old background's colour is taken out of their soft edge (:func:`unmix`): otherwise every
wisp of hair would carry a halo of the old wall onto the new sky.

Every scene is drawn here, from numbers: nothing is downloaded, and seeded generators make
the same stars, flowers and windows every time.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..common import RGB, hex_to_rgb, wide_blur
from .lighting import mono

# A background edit needs somebody in front and something behind: the person must cover
# between 3% and 97% of the picture.
MIN_SHARE, MAX_SHARE = 0.03, 0.97
WHITE: RGB = (255, 255, 255)


class NoSeparation(Exception):
    """The person covers (almost) all of the picture, or almost none of it: there's no
    background to change, or no one to keep in front of it. ``share`` says which."""

    def __init__(self, share: float):
        super().__init__(f"the person covers {share:.0%} of the picture")
        self.share = share


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


def city(h: int, w: int) -> np.ndarray:
    """A city at dusk: a violet-to-amber sky, two rows of towers in silhouette, lit windows."""
    sky = _vertical(
        h,
        w,
        [
            (0.0, (34, 30, 82)),
            (0.45, (120, 70, 140)),
            (0.72, (250, 150, 110)),
            (1.0, (255, 196, 128)),
        ],
    )
    img = np.clip(sky, 0, 255).astype(np.uint8)
    rng = np.random.default_rng(7)
    unit = max(h, w) / 1024
    for row, (shade, low, high, lit) in enumerate(
        (((70, 56, 104), 0.32, 0.62, 0.10), ((30, 26, 50), 0.42, 0.78, 0.22))
    ):
        x = -rng.uniform(0, 60) * unit
        while x < w:
            width = rng.uniform(60, 150) * unit
            top = round(h * (1 - rng.uniform(low, high)))
            left, right = round(x), round(x + width)
            cv2.rectangle(img, (left, top), (right, h), shade, -1)
            if row == 1 and rng.random() < 0.3:  # a mast on some of the near towers
                mast = round(left + width / 2)
                cv2.line(
                    img, (mast, top), (mast, round(top - 40 * unit)), shade, max(1, round(3 * unit))
                )
            # Windows: a grid, some lit warm.
            step_x, step_y = 18 * unit, 24 * unit
            pane = (max(1, round(7 * unit)), max(1, round(10 * unit)))
            wy = top + step_y * 0.8
            while wy < h - step_y * 0.5:
                wx = left + step_x * 0.6
                while wx < right - step_x * 0.5:
                    if rng.random() < lit:
                        corner = (round(wx), round(wy))
                        far = (corner[0] + pane[0], corner[1] + pane[1])
                        cv2.rectangle(img, corner, far, (255, 214, 120), -1)
                    wx += step_x
                wy += step_y
            x += width + rng.uniform(-10, 25) * unit
    return img.astype(np.float32)


def flat(h: int, w: int, colour: RGB) -> np.ndarray:
    return np.broadcast_to(np.array(colour, np.float32), (h, w, 3))


def scene(h: int, w: int, variant: str, value: str = "") -> np.ndarray:
    if variant == "sunset":
        return sunset(h, w)
    if variant == "starfield":
        return starfield(h, w)
    if variant == "flowers":
        return flowers(h, w)
    if variant == "city":
        return city(h, w)
    if variant in ("removed", "transparent"):
        return flat(h, w, WHITE)
    return colour_scene(h, w, hex_to_rgb(value or "#8a8a8a"))


def unmix(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The person's own colours (float32) where the alpha is soft: a pixel at the edge is
    alpha × person + (1 - alpha) × background, and the background there is estimated from
    the background nearby (the picture weighted by 1 - alpha, blurred, over the blurred
    weight); solving for the person takes the old wall's tint out of their hair.

    Solved only at the soft pixels (a few percent of a portrait): the same numbers there as
    solving everywhere and keeping those, at half the cost (a cut-out is drawn per request)."""
    image = rgb.astype(np.float32)
    soft = np.nonzero((alpha > 0.02) & (alpha < 0.98))
    if not soft[0].size:
        return image
    behind = 1.0 - alpha
    sigma = max(2.0, max(alpha.shape) / 128)
    weight = (wide_blur(behind, sigma) + 1e-4)[soft]
    estimate = np.stack(
        [wide_blur(image[..., c] * behind, sigma)[soft] / weight for c in range(3)], axis=-1
    )
    a = np.maximum(alpha[soft], 0.15)[:, None]
    image[soft] = np.clip((image[soft] - behind[soft][:, None] * estimate) / a, 0, 255)
    return image


def replace_background(
    rgb: np.ndarray, alpha: np.ndarray, variant: str, value: str = ""
) -> np.ndarray:
    """``rgb`` with everything but the person (``alpha``, float32 0-1) replaced."""
    h, w = rgb.shape[:2]
    share = float(alpha.mean())
    if not MIN_SHARE < share < MAX_SHARE:
        raise NoSeparation(share)
    if variant == "black and white":
        back = mono(rgb).astype(np.float32)
        front = rgb.astype(np.float32)  # the same picture behind: nothing to unmix
    else:
        back = scene(h, w, variant, value)
        front = unmix(rgb, alpha)
    a = alpha[..., None]
    out = front * a + back * (1 - a)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


DESCRIBE = {
    "sunset": "put a sunset behind you",
    "starfield": "put a starfield behind you",
    "flowers": "put yellow flowers behind you",
    "city": "put a city at dusk behind you",
    "black and white": "made the background black and white",
    "removed": "took the background away (plain white)",
    "transparent": (
        "made the background plain white (a version is a picture without transparency, "
        "so white stands in for it)"
    ),
}
