"""Building blocks the studio styles share: array conversion, palettes, k-means, inks, tones.
Screens and grain are in :mod:`.screens`, masks in :mod:`.masks`, keeping skin tone in
:mod:`.skin_tone`.

Everything here is deterministic: any randomness comes from generators with fixed seeds, so
the same photo and style always give the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image

from avatars.faces import FaceAnalysis
from avatars.person import PersonMask

RGB = tuple[int, int, int]
Step = Callable[[int, str], None]
T = TypeVar("T")
N = TypeVar("N", int, float)
# The long side that filters working on a reduced copy of the picture work at (see shrink).
WORK_SIDE = 512


def _no_step(percent: int, message: str) -> None:
    pass


@dataclass
class StyleContext:
    """What a style needs besides the pixels: faces (in the image's coordinates), the
    profile's palette (RGB, most important first), a progress callback for sub-steps
    (``step(percent_within_style, message)``, 0-100) and which take of several this is
    (``variant``, 0 for the first: see :meth:`take`), where the person is (``person``,
    for the picture as the style receives it: see :meth:`person_alpha`), and how strong the
    style is (``strength``, 0-100: see :meth:`at`)."""

    faces: FaceAnalysis | None = None
    palette: tuple[RGB, ...] = ()
    step: Step = field(default=_no_step)
    variant: int = 0
    person: PersonMask | None = None
    strength: int = 50

    def at(self, closest: N, today: N, strongest: N) -> N:
        """One of the style's parameters at this strength: ``closest`` at 0 (as near the
        photo as the style allows), ``today`` at 50 — exactly, so a style at 50 draws the
        same pixels it always has — and ``strongest`` at 100; linear in between, rounded
        when ``today`` is a whole number."""
        s = self.strength
        if s == 50:
            return today
        low, high, t = (closest, today, s / 50) if s < 50 else (today, strongest, s / 50 - 1)
        value = low + (high - low) * t
        return round(value) if isinstance(today, int) else value

    def person_alpha(self, rgb: np.ndarray) -> np.ndarray | None:
        """The person's soft alpha (float32 0-1) in ``rgb``, the style's picture; None when
        nobody was found (the style then draws the whole picture alike)."""
        if self.person is None or not self.person.found:
            return None
        return self.person.alpha(rgb)

    def person_area(self, rgb: np.ndarray) -> np.ndarray | None:
        """Where the person is in ``rgb`` (bool), from the mask's grid alone (no soft edge:
        cheap); None when nobody was found."""
        if self.person is None or not self.person.found:
            return None
        h, w = rgb.shape[:2]
        return self.person.coarse(w, h) > 0.5

    def take(self, takes: Sequence[T]) -> T:
        """This take's parameters from a style's ``TAKES``: the first is the style as it has
        always been drawn, the others change what a viewer notices (colours, screens, line
        weight), so several takes of one selfie are not copies. Cycles past the last."""
        return takes[self.variant % len(takes)]

    @property
    def face(self):
        return self.faces.face if self.faces else None


def hex_to_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def to_array(image: Image.Image) -> np.ndarray:
    # np.array copies once; convert() would copy an RGB image a second time.
    return np.array(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)


def to_image(array: np.ndarray) -> Image.Image:
    array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array, "RGB")


def paint(index: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """An RGB uint8 image of ``palette[index]`` for a uint8 index map (up to 256 colours),
    through OpenCV's lookup table: a tenth of the time of numpy's fancy indexing."""
    lut = np.zeros((1, 256, 3), np.uint8)
    lut[0, : len(palette)] = palette
    return cv2.LUT(cv2.merge([index, index, index]), lut)


def two_tone(amount: np.ndarray, dark, light) -> np.ndarray:
    """An RGB uint8 image running from ``dark`` (amount 0) to ``light`` (amount 1), one
    channel at a time (numpy broadcasting a map over three channels is 5× slower)."""
    dark, light = np.asarray(dark, np.float32), np.asarray(light, np.float32)
    channels = [amount * (light[c] - dark[c]) + dark[c] for c in range(3)]
    return np.clip(cv2.merge(channels), 0, 255).astype(np.uint8)


def as_rgb(amount: np.ndarray) -> np.ndarray:
    """A one-channel float32 map repeated into three channels, to combine with an RGB image
    through OpenCV (numpy broadcasting ``amount[..., None]`` is 2-5× slower)."""
    return cv2.cvtColor(amount, cv2.COLOR_GRAY2RGB)


def spread(amount: np.ndarray, colour) -> np.ndarray:
    """``amount`` (a float32 map) times ``colour``: float32 RGB."""
    return cv2.multiply(as_rgb(amount), (*(float(c) for c in colour), 0.0))


def grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma as float32 0-255."""
    rgb = rgb.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def smooth(rgb: np.ndarray, passes: int = 2, strength: int = 60) -> np.ndarray:
    """Edge-preserving smoothing (bilateral filter on a scale-aware neighbourhood)."""
    h, w = rgb.shape[:2]
    return grow(smooth_reduced(rgb, passes, strength), w, h)


def smooth_reduced(rgb: np.ndarray, passes: int = 2, strength: int = 60) -> np.ndarray:
    """:func:`smooth` at about 512 px on the long side, not scaled back (see :func:`shrink`).

    The filter removes detail finer than its window anyway, and a quarter of the pixels with
    a smaller window is some twenty times cheaper (1024²: 180 ms → 10 ms on one core). Work
    that follows smoothing (colour changes) is cheaper on the reduced copy too."""
    out = shrink(rgb, WORK_SIDE)
    d = max(5, round(max(out.shape[:2]) / 160)) | 1
    for _ in range(passes):
        out = cv2.bilateralFilter(out, d, strength, strength)
    return out


def shrink(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` reduced by a whole factor so its long side is at most about ``side``
    (unchanged when it is small already)."""
    factor = max(1, round(max(image.shape[:2]) / side))
    if factor == 1:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def grow(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` scaled to ``width`` × ``height``; unchanged when it is that size. Bicubic:
    it keeps the edges a smoothing filter kept (bilinear loses one edge pixel in ten)."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)


def wide_blur(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a one-channel float32 map; a wide one runs on a reduced copy.

    A blur that wide leaves nothing a reduced copy can't hold: at a quarter of the size it
    costs a sixteenth (a 1024² glow with sigma 26: 150 ms → 4 ms on one core)."""
    h, w = mask.shape[:2]
    factor = max(1, int(sigma / 3))
    if factor == 1:
        return cv2.GaussianBlur(mask, (0, 0), sigma)
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def saturate(rgb: np.ndarray, factor: float, value: float = 1.0) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 1] = np.clip(hsv[..., 1] * factor, 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] * value, 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)


def kmeans_colours(rgb: np.ndarray, k: int, *, samples: int = 20000, iterations: int = 12):
    """Deterministic k-means in Lab on a pixel sample. Returns (centres RGB uint8, labels)."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    pixels = lab.reshape(-1, 3)
    rng = np.random.default_rng(1234)
    sample = pixels[rng.choice(len(pixels), size=min(samples, len(pixels)), replace=False)]
    sample = sample.astype(np.float32)
    # Initialise on luminance quantiles so the start (and the result) never depends on luck.
    # A stable sort: lightness from 8-bit pixels has many ties, and numpy's default sort
    # orders ties differently on AVX-512, AVX2 and plain CPUs (issue #9) — so did the result.
    order = np.argsort(sample[:, 0], kind="stable")
    centres = sample[order[np.linspace(0, len(order) - 1, k).astype(int)]].copy()
    # Smoothed 8-bit pixels repeat: iterate over each distinct colour once, weighted by how
    # often it was sampled (half the work; sums of whole numbers, so the same centres).
    whole = sample.astype(np.int32)
    _, first, weights = np.unique(
        (whole[:, 0] << 16) | (whole[:, 1] << 8) | whole[:, 2],
        return_index=True,
        return_counts=True,
    )
    points = sample[first]
    channels = np.ascontiguousarray(points.T)
    weighted = [points[:, c] * weights.astype(np.float64) for c in range(3)]
    for _ in range(iterations):
        # centres × points, summed per channel: numpy is slow along a short last axis.
        diff = channels[None, :, :] - centres[:, :, None]
        diff *= diff
        nearest = (diff[:, 0] + diff[:, 1] + diff[:, 2]).argmin(0)
        counts = np.bincount(nearest, weights=weights, minlength=k)
        used = counts > 0  # an empty cluster keeps its centre
        moved = centres.copy()
        for c in range(3):
            sums = np.bincount(nearest, weights=weighted[c], minlength=k)
            moved[used, c] = sums[used] / counts[used]
        if np.array_equal(moved, centres):
            break  # converged: more rounds would change nothing
        centres = moved
    labels = nearest_labels(lab, centres)
    centres_rgb = cv2.cvtColor(centres.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_LAB2RGB)
    return centres_rgb.reshape(-1, 3), labels


def nearest_labels(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """For an 8-bit Lab image, the index of the nearest of ``centres`` at every pixel.

    The nearest centre has the smallest |c|² - 2 c·p (|p|² is the same for every centre).
    With the centres rounded to whole Lab units that score is a whole number, and so is
    score × 32 + index, which float32 holds exactly (|score| < 2^19): one OpenCV pass per
    centre and a running minimum give the nearest and, on a tie, the first. Exact integers
    also mean the labels cannot depend on the CPU's rounding or OpenCV's code path.
    """
    if len(centres) > 32:
        raise ValueError("nearest_labels packs the index in five bits: at most 32 centres")
    whole = np.round(centres).astype(np.float32)
    keys = np.hstack([-2 * whole, (whole**2).sum(1, keepdims=True)]) * 32
    keys[:, 3] += np.arange(len(whole))
    points = lab.astype(np.float32)
    best = cv2.transform(points, keys[:1])
    for row in keys[1:]:
        cv2.min(cv2.transform(points, row[None]), best, dst=best)
    return (best.astype(np.int32) & 31).astype(np.uint8)  # the index: score × 32 + index


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
