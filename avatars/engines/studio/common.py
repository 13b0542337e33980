"""Building blocks the studio styles share: array conversion, palettes, k-means, inks, tones.

Everything here is deterministic: any randomness comes from generators with fixed seeds, so
the same photo and style always give the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from avatars.faces import FaceAnalysis

RGB = tuple[int, int, int]
Step = Callable[[int, str], None]


def _no_step(percent: int, message: str) -> None:
    pass


@dataclass
class StyleContext:
    """What a style needs besides the pixels: faces (in the image's coordinates), the
    profile's palette (RGB, most important first) and a progress callback for sub-steps
    (``step(percent_within_style, message)``, 0-100)."""

    faces: FaceAnalysis | None = None
    palette: tuple[RGB, ...] = ()
    step: Step = field(default=_no_step)

    @property
    def face(self):
        return self.faces.face if self.faces else None


def hex_to_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def to_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()


def to_image(array: np.ndarray) -> Image.Image:
    array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array, "RGB")


def grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma as float32 0-255."""
    rgb = rgb.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def smooth(rgb: np.ndarray, passes: int = 2, strength: int = 60) -> np.ndarray:
    """Edge-preserving smoothing (bilateral filter on a scale-aware neighbourhood)."""
    d = max(5, round(max(rgb.shape[:2]) / 160)) | 1
    out = rgb
    for _ in range(passes):
        out = cv2.bilateralFilter(out, d, strength, strength)
    return out


def saturate(rgb: np.ndarray, factor: float, value: float = 1.0) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 1] = np.clip(hsv[..., 1] * factor, 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] * value, 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)


def kmeans_colours(rgb: np.ndarray, k: int, *, samples: int = 20000, iterations: int = 12):
    """Deterministic k-means in Lab on a pixel sample. Returns (centres RGB uint8, labels)."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    rng = np.random.default_rng(1234)
    sample = lab[rng.choice(len(lab), size=min(samples, len(lab)), replace=False)]
    # Initialise on luminance quantiles so the start (and the result) never depends on luck.
    # A stable sort: lightness from 8-bit pixels has many ties, and numpy's default sort
    # orders ties differently on AVX-512, AVX2 and plain CPUs (issue #9) — so did the result.
    order = np.argsort(sample[:, 0], kind="stable")
    centres = sample[order[np.linspace(0, len(order) - 1, k).astype(int)]].copy()
    for _ in range(iterations):
        dist = ((sample[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        nearest = dist.argmin(1)
        for i in range(k):
            members = sample[nearest == i]
            if len(members):
                centres[i] = members.mean(0)
    labels = nearest_labels(lab, centres)
    centres_rgb = cv2.cvtColor(centres.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_LAB2RGB)
    return centres_rgb.reshape(-1, 3), labels.reshape(rgb.shape[:2])


def nearest_labels(points: np.ndarray, centres: np.ndarray, chunk: int = 262144) -> np.ndarray:
    out = np.empty(len(points), dtype=np.int32)
    c2 = (centres**2).sum(1)
    for start in range(0, len(points), chunk):
        p = points[start : start + chunk]
        # |p - c|^2 = |p|^2 - 2 p.c + |c|^2 ; |p|^2 is constant per row.
        out[start : start + chunk] = (c2[None, :] - 2 * p @ centres.T).argmin(1)
    return out


def pull_toward_palette(centres: np.ndarray, palette: tuple[RGB, ...], amount: float):
    """Move each colour part of the way to its nearest palette colour (by hue and value)."""
    if not palette:
        return centres
    pal = np.asarray(palette, dtype=np.float32)
    c = centres.astype(np.float32)
    lab_c = cv2.cvtColor(c.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_RGB2LAB)[0].astype(float)
    lab_p = cv2.cvtColor(pal.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_RGB2LAB)[0].astype(float)
    idx = ((lab_c[:, None, 1:] - lab_p[None, :, 1:]) ** 2).sum(-1).argmin(1)
    target = pal[idx]
    # Keep each colour's lightness so the picture still reads; take the palette's hue.
    mixed = c * (1 - amount) + target * amount
    return np.clip(mixed, 0, 255).astype(np.uint8)


def ink_lines(rgb: np.ndarray, *, block: int | None = None, c: int = 7, thicken: int = 1):
    """A boolean mask of ink lines: adaptive threshold of a median-blurred grey image."""
    size = max(rgb.shape[:2])
    g = grey(rgb)
    g = cv2.medianBlur(g, max(3, round(size / 300)) | 1)
    block = block or (max(7, round(size / 110)) | 1)
    lines = cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, c)
    mask = lines == 0
    if thicken > 1:
        mask = cv2.dilate(mask.astype(np.uint8), np.ones((thicken, thicken), np.uint8)) > 0
    # Speckles are noise, not ink.
    n, cc, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    min_area = max(6, (size // 256) ** 2 * 3)
    keep = np.zeros(n, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[cc]


def dot_screen(shape, *, spacing: float, angle_degrees: float = 45.0):
    """Distance (in cell units, 0 at a dot centre, ~0.7 at the farthest point) to the nearest
    dot of a rotated square grid with ``spacing`` pixels between dots."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.radians(angle_degrees)
    u = (xx * np.cos(a) + yy * np.sin(a)) / spacing
    v = (-xx * np.sin(a) + yy * np.cos(a)) / spacing
    du = u - np.round(u)
    dv = v - np.round(v)
    return np.sqrt(du * du + dv * dv)


def line_screen(shape, *, spacing: float, angle_degrees: float):
    """Distance (cell units, 0-0.5) to the nearest line of a rotated line screen."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.radians(angle_degrees)
    u = (xx * np.cos(a) + yy * np.sin(a)) / spacing
    return np.abs(u - np.round(u))


def noise(shape, *, seed: int, scale: float = 1.0) -> np.ndarray:
    """Deterministic grain, float32 with mean 0 and std ~1, optionally blurred by ``scale``."""
    rng = np.random.default_rng(seed)
    n = rng.standard_normal(shape).astype(np.float32)
    if scale > 1:
        k = int(scale * 3) | 1
        n = cv2.GaussianBlur(n, (k, k), scale)
        n /= n.std() + 1e-6
    return n


def vignette(shape, strength: float = 0.5, center=None) -> np.ndarray:
    """A multiplier map: 1 in the centre, 1 - strength in the far corners."""
    h, w = shape
    cy, cx = center or (h / 2, w / 2)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - cx) / (w / 2)) ** 2 + ((yy - cy) / (h / 2)) ** 2) / np.sqrt(2)
    return 1 - strength * np.clip(r, 0, 1) ** 2


def skin_mask(rgb: np.ndarray, faces: FaceAnalysis | None) -> np.ndarray:
    """A soft 0-1 mask of skin: YCrCb skin colours, seeded from the face's own tones when a
    face was found (so it works for every skin tone), feathered."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    face = faces.face if faces else None
    if face is not None:
        left, top, right, bottom = face.box
        cx, cy = (left + right) // 2, (top + bottom) // 2
        hw, hh = max(2, (right - left) // 5), max(2, (bottom - top) // 5)
        patch = ycc[max(0, cy - hh) : cy + hh, max(0, cx - hw) : cx + hw].reshape(-1, 3)
        cr, cb = np.median(patch[:, 1]), np.median(patch[:, 2])
        d = np.sqrt((ycc[..., 1] - cr) ** 2 + (ycc[..., 2] - cb) ** 2)
        mask = np.clip(1.6 - d / 9.0, 0, 1)
    else:
        cr_ok = (ycc[..., 1] > 135) & (ycc[..., 1] < 180)
        cb_ok = (ycc[..., 2] > 85) & (ycc[..., 2] < 135)
        mask = (cr_ok & cb_ok).astype(np.float32)
    k = max(3, round(max(rgb.shape[:2]) / 100)) | 1
    return cv2.GaussianBlur(mask.astype(np.float32), (k, k), 0)


def face_mask(shape, faces: FaceAnalysis | None, grow: float = 1.25) -> np.ndarray:
    """A soft elliptical 0-1 mask over each detected face (grown by ``grow``)."""
    h, w = shape
    mask = np.zeros((h, w), np.float32)
    if faces is None:
        return mask
    for f in faces.faces:
        cx, cy = f.center
        axes = (max(1, int(f.width * grow / 2)), max(1, int(f.height * grow * 0.62)))
        cv2.ellipse(mask, (int(cx), int(cy)), axes, 0, 0, 360, 1.0, -1)
    k = max(3, round(max(h, w) / 40)) | 1
    return cv2.GaussianBlur(mask, (k, k), 0)
