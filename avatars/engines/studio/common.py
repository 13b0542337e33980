"""Building blocks the studio styles share: array conversion, palettes, k-means, inks, tones.

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


def _grid(shape) -> tuple[np.ndarray, np.ndarray]:
    """Column and row coordinates as a row and a column (they broadcast to ``shape``)."""
    h, w = shape
    return np.arange(w, dtype=np.float32)[None, :], np.arange(h, dtype=np.float32)[:, None]


def dot_screen(shape, *, spacing: float, angle_degrees: float = 45.0):
    """Distance (in cell units, 0 at a dot centre, ~0.7 at the farthest point) to the nearest
    dot of a rotated square grid with ``spacing`` pixels between dots."""
    xx, yy = _grid(shape)
    a = np.radians(angle_degrees)
    cos, sin = np.float32(np.cos(a) / spacing), np.float32(np.sin(a) / spacing)
    u = xx * cos + yy * sin
    v = yy * cos - xx * sin
    u -= np.round(u)
    v -= np.round(v)
    return np.sqrt(u * u + v * v)


def line_screen(shape, *, spacing: float, angle_degrees: float):
    """Distance (cell units, 0-0.5) to the nearest line of a rotated line screen."""
    xx, yy = _grid(shape)
    a = np.radians(angle_degrees)
    u = xx * np.float32(np.cos(a) / spacing) + yy * np.float32(np.sin(a) / spacing)
    u -= np.round(u)
    return np.abs(u, out=u)


def noise(shape, *, seed: int, scale: float = 1.0) -> np.ndarray:
    """Deterministic grain, float32 with mean 0 and std ~1, optionally blurred by ``scale``.

    Drawn from a uniform distribution (a quarter of the cost of a normal one; as grain the
    two look the same, and blurred they are the same). Blurred grain has no detail finer
    than ``scale``, so it is drawn at a fraction of the size and scaled up."""
    h, w = shape
    factor = max(1, int(scale / 2.5))
    small = (max(1, -(-h // factor)), max(1, -(-w // factor)))
    n = np.random.default_rng(seed).random(small, dtype=np.float32)
    n -= 0.5
    if scale <= 1:
        n *= np.float32(12**0.5)
        return n
    sigma = scale / factor
    k = int(sigma * 3) | 1
    n = cv2.GaussianBlur(n, (k, k), sigma)
    if factor > 1:
        n = cv2.resize(n, (small[1] * factor, small[0] * factor), interpolation=cv2.INTER_CUBIC)
        n = np.ascontiguousarray(n[:h, :w])
    n /= n.std() + 1e-6
    return n


def vignette(shape, strength: float = 0.5, center=None) -> np.ndarray:
    """A multiplier map: 1 in the centre, 1 - strength in the far corners."""
    h, w = shape
    cy, cx = center or (h / 2, w / 2)
    xx, yy = _grid(shape)
    # r² = (dx² + dy²) / 2 with dx, dy in half-sizes: no square root needed.
    r2 = (((xx - cx) / (w / 2)) ** 2 + ((yy - cy) / (h / 2)) ** 2) / 2
    return 1 - strength * np.minimum(r2, 1)


def around(points, reach: float, shape) -> tuple[slice, slice]:
    """The box (rows, columns) holding every point with ``reach`` pixels to spare, clipped to
    ``shape``: work on a face feature touches that box, not the whole picture."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    h, w = shape[:2]
    top, bottom = max(0, int(min(ys) - reach)), min(h, int(max(ys) + reach) + 1)
    left, right = max(0, int(min(xs) - reach)), min(w, int(max(xs) + reach) + 1)
    return slice(top, max(top, bottom)), slice(left, max(left, right))


def skin_mask(rgb: np.ndarray, faces: FaceAnalysis | None) -> np.ndarray:
    """A soft 0-1 mask of skin: YCrCb skin colours, seeded from the face's own tones when a
    face was found (so it works for every skin tone), feathered. Worked out at about 512 px
    on the long side: a feathered mask has no detail a reduced copy would lose."""
    h, w = rgb.shape[:2]
    small = shrink(rgb, WORK_SIDE)
    ycc = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    face = faces.face if faces else None
    if face is not None:
        sx, sy = small.shape[1] / w, small.shape[0] / h
        left, top, right, bottom = face.box
        cx, cy = round((left + right) / 2 * sx), round((top + bottom) / 2 * sy)
        hw = max(2, round((right - left) / 5 * sx))
        hh = max(2, round((bottom - top) / 5 * sy))
        patch = ycc[max(0, cy - hh) : cy + hh, max(0, cx - hw) : cx + hw].reshape(-1, 3)
        cr, cb = np.median(patch[:, 1]), np.median(patch[:, 2])
        d = cv2.magnitude(ycc[..., 1] - cr, ycc[..., 2] - cb)
        mask = np.clip(1.6 - d / 9.0, 0, 1)
    else:
        cr_ok = (ycc[..., 1] > 135) & (ycc[..., 1] < 180)
        cb_ok = (ycc[..., 2] > 85) & (ycc[..., 2] < 135)
        mask = (cr_ok & cb_ok).astype(np.float32)
    k = max(3, round(max(small.shape[:2]) / 100)) | 1
    return grow(cv2.GaussianBlur(mask.astype(np.float32), (k, k), 0), w, h)


def outline(alpha: np.ndarray, width: float) -> np.ndarray:
    """A band about ``width`` px wide along the person's edge (bool), two thirds of it
    outside: an ink line around the figure that eats little of the person. The picture's
    own frame is no edge: a person cut off by it gets no line there."""
    inside = (alpha > 0.5).astype(np.uint8)
    out_k = max(1, round(width * 2 / 3))
    in_k = max(0, round(width / 3))
    grown = cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * out_k + 1,) * 2))
    if in_k:
        inside = cv2.erode(
            inside,
            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * in_k + 1,) * 2),
            borderType=cv2.BORDER_REPLICATE,
        )
    return (grown > 0) & (inside == 0)


def face_mask(shape, faces: FaceAnalysis | None, grow: float = 1.25) -> np.ndarray:
    """A soft elliptical 0-1 mask over each detected face (grown by ``grow``)."""
    h, w = shape
    mask = np.zeros((h, w), np.float32)
    if faces is None:
        return mask
    k = max(3, round(max(h, w) / 40)) | 1
    for f in faces.faces:
        cx, cy = f.center
        axes = (max(1, int(f.width * grow / 2)), max(1, int(f.height * grow * 0.62)))
        # Drawn and feathered in a box around the face: the rest of the mask stays 0.
        rows, cols = around([(cx, cy)], max(axes) + k + 2, shape)
        box = np.zeros((rows.stop - rows.start, cols.stop - cols.start), np.float32)
        centre = (int(cx) - cols.start, int(cy) - rows.start)
        cv2.ellipse(box, centre, axes, 0, 0, 360, 1.0, -1)
        np.maximum(mask[rows, cols], cv2.GaussianBlur(box, (k, k), 0), out=mask[rows, cols])
    return mask


# The face mesh's cheek and forehead patches (avatars.skin's CHEEKS and FOREHEAD), in eye
# distances along and down from the point between the eyes: the mean of the astronaut's and
# Grace Hopper's meshes (which differ by at most 0.14 d).
SKIN_PATCHES = (
    ((-0.85, 0.21), (-0.73, 0.25), (-0.57, 0.35), (-0.51, 0.48), (-0.67, 0.58), (-0.89, 0.65),
     (-1.02, 0.4)),
    ((0.88, 0.21), (0.75, 0.25), (0.59, 0.35), (0.53, 0.48), (0.69, 0.58), (0.91, 0.65),
     (1.04, 0.4)),
    ((-0.28, -0.58), (0.01, -0.58), (0.3, -0.58), (0.27, -0.38), (0.01, -0.36), (-0.25, -0.38)),
)  # fmt: skip


def skin_patches(shape, face) -> np.ndarray:
    """Both cheeks and the lower forehead of ``face`` as a boolean mask of ``shape``: where
    :mod:`avatars.skin` measures skin, placed from dlib's five points (the same everywhere:
    no second model, whose answers differ slightly between CPUs)."""
    d = max(4.0, face.eye_distance)
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    ax, ay = (rx - lx) / d, (ry - ly) / d  # along the eyes, image left to right
    frame = np.array([[ax, -ay], [ay, ax]]) * d  # (along, down) → image x, y
    mid = np.array([(lx + rx) / 2, (ly + ry) / 2])
    mask = np.zeros(shape[:2], np.uint8)
    polygons = [np.round(np.array(p) @ frame.T + mid).astype(np.int32) for p in SKIN_PATCHES]
    cv2.fillPoly(mask, polygons, 1)
    return mask.astype(bool)


def face_skin(
    rgb: np.ndarray, faces: FaceAnalysis | None, person: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The face's skin in ``rgb``: its typical colour (L*a*b*, read on the cheeks and
    forehead as :mod:`avatars.skin` reads it), where skin is (pixels near that colour in hue
    and chroma, in any shade — on the ``person``, when known: a pale wall can be as near),
    and the patches it was read on; None without a face."""
    from avatars import skin

    face = faces.face if faces else None
    if face is None:
        return None
    patches = skin_patches(rgb.shape, face)
    if patches.sum() < skin.MIN_PIXELS:
        return None
    photo = np.array(skin.typical(skin.lab_of(rgb[patches]))[:3])
    # 8-bit Lab (L* × 2.55, a* and b* + 128) for the whole picture: a quarter of the time of
    # float Lab, and the mask needs no finer steps.
    lightness, a, b = cv2.split(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB))
    off_a = cv2.subtract(a, float(photo[1] + 128), dtype=cv2.CV_32F)
    off_b = cv2.subtract(b, float(photo[2] + 128), dtype=cv2.CV_32F)
    off_l = cv2.absdiff(lightness.astype(np.float32), float(photo[0] * 2.55))
    where = (cv2.magnitude(off_a, off_b) < SKIN_CHROMA) & (off_l < SKIN_SHADE * 2.55)
    if person is not None:
        where &= person
    return photo, where, patches


def keep_skin_tone(
    palette: np.ndarray,
    index: np.ndarray,
    rgb: np.ndarray,
    faces: FaceAnalysis | None,
    *,
    fixed: Sequence[int] = (),
    room: int = 256,
    found_skin: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    person: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A drawing's ``palette`` and ``index`` (uint8, at ``rgb``'s size or smaller) with the
    face's skin brought back to the photo's own tone.

    A style's flat colours are averages over everything that shares them, its extra
    saturation makes them louder and its shading darkens by absolute lightness: a face's
    skin came out up to 15-20 ΔE00 off — greyer or lighter on light skin, darker on dark
    skin (README, "Skin tone"). Here the skin's pixels get colours of their own (so a wall
    that shared a colour with the face keeps it), its main colours first as long as the
    palette has ``room`` (past it, a colour that is mostly skin moves where it is, and one
    mostly elsewhere stays), and those colours are moved in CIELAB until the
    skin's typical colour on the cheeks and forehead (as :mod:`avatars.skin` reads it) is
    the photo's, in whole L*a*b* units: a few rounds, since moving the skin's colours can
    change which of them is the most common. ``fixed``: entries never moved (ink);
    ``found_skin``: :func:`face_skin` of ``rgb``, if the style found it already; ``person``:
    where the person is in ``rgb`` (:meth:`StyleContext.person_area`), if known."""
    from avatars import skin

    h, w = rgb.shape[:2]
    found = found_skin if found_skin is not None else face_skin(rgb, faces, person)
    if found is None:
        return palette, index
    photo, skin_pixels, photo_patches = found
    patches = photo_patches
    if index.shape != (h, w):  # drawn smaller (pixel art's cells): the masks follow
        size = index.shape[::-1]

        def reduced(mask: np.ndarray) -> np.ndarray:
            return cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5

        patches, skin_pixels = reduced(patches), reduced(skin_pixels)
    is_ink = np.zeros(256, bool)
    is_ink[list(fixed)] = True
    inked = is_ink[index]
    patches &= ~inked
    skin_pixels &= ~inked
    if not patches.any():  # a sprite's cheeks may be a handful of cells: enough
        return palette, index
    on_skin = np.bincount(index[skin_pixels], minlength=256)
    anywhere = np.bincount(index.ravel(), minlength=256)
    used = np.flatnonzero(on_skin)
    used = used[np.argsort(-on_skin[used], kind="stable")]  # the skin's main colours first
    # Split as many as there is room for; of the rest, move only those that are mostly skin.
    split = used[: max(0, room - len(palette))]
    rest = used[len(split) :]
    rest = rest[on_skin[rest] * 2 >= anywhere[rest]]
    palette, index = palette.copy(), index.copy()
    lookup = np.arange(256, dtype=np.uint8)
    lookup[split] = np.arange(len(palette), len(palette) + len(split))
    index[skin_pixels] = lookup[index[skin_pixels]]
    palette = np.vstack([palette, palette[split]])
    used = np.concatenate([lookup[split], rest])
    # The skin's colours take half their way to the photo's skin hue and chroma first (a
    # colour the skin shared with a grey wall comes out greyer than any skin), keeping their
    # lightness, the shading; then they all move together.
    pulled = skin.lab_of(palette[used])
    pulled[:, 1:] = (pulled[:, 1:] + photo[1:]) / 2
    palette[used] = _lab_to_rgb(pulled)
    for _ in range(SKIN_ROUNDS):
        palette_lab = skin.lab_of(palette)
        delta = np.round(photo - np.array(skin.typical(palette_lab[index[patches]])[:3]))
        if not delta.any():
            break
        palette[used] = _lab_to_rgb(palette_lab[used] + delta)
    return palette, index


def _lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """sRGB uint8 colours for (N, 3) L*a*b* colours (lightness clipped to 0-100)."""
    lab = lab.astype(np.float32)
    lab[:, 0] = np.clip(lab[:, 0], 0, 100)
    rgb = cv2.cvtColor(lab.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(-1, 3)
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)


# How many times the skin's colours are moved towards the photo's at most (see keep_skin_tone).
SKIN_ROUNDS = 4
# What counts as skin around the cheeks' colour: a*b* distance, and L* either way (shading).
SKIN_CHROMA, SKIN_SHADE = 12.0, 30.0
