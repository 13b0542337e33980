"""The person in a picture: a soft mask, hair included, from MediaPipe's selfie segmentation.

The model (Apache 2.0, run by LiteRT: see :mod:`avatars.litert`) looks at the picture
stretched to 256 × 256 and says, for each of those cells, how sure it is that it shows a
person. We cut that at one half straight away and keep the 256 × 256 yes/no grid
(:class:`PersonMask`): it is what is stored, once per selfie and once per version, like the
faces. The soft edge a background swap needs — wisps of hair, a shoulder against a pale wall —
is drawn afterwards from the picture itself, by a guided filter (:func:`refine`), at whatever
size the picture is drawn.

Why cut first: LiteRT's XNNPACK kernels are chosen for the CPU (AVX-512, AVX2, SSE), and the
model's answers differ between them in the fifth decimal place (measured: at most 1.8e-5 on
three portraits under emulated Haswell and Nehalem CPUs). Kept as they came, or rounded to
256 levels, they made different files on different machines; cut at one half, a cell changes
only when the model's answer is within that much of the cut (the nearest on the three
portraits was 4.7e-5 away). From the grid on, everything is the same arithmetic everywhere.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from avatars import litert

MODEL = "selfie_segmentation"
# Under 1% of the picture is a stray patch of wall, not somebody.
MIN_SHARE = 0.01
# The long side the soft edge is worked out at (see refine).
WORK_SIDE = 256


@dataclass(frozen=True, eq=False)
class PersonMask:
    """Where the person is in a picture: a yes/no grid over the whole picture it was found in
    (``width`` × ``height``, stretched to the grid's square), and which part of that picture
    is shown now (``region``, as fractions: a crop keeps the grid and narrows the region)."""

    grid: np.ndarray  # bool, (rows, columns) of the model's output
    width: int
    height: int
    region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # left, top, right, bottom

    @property
    def share(self) -> float:
        """How much of the shown part is the person (0-1)."""
        rows, cols = self._cells()
        part = self.grid[rows, cols]
        return float(part.mean()) if part.size else 0.0

    @property
    def found(self) -> bool:
        return self.share >= MIN_SHARE

    def _cells(self) -> tuple[slice, slice]:
        gh, gw = self.grid.shape
        left, top, right, bottom = self.region
        return (
            slice(int(top * gh), max(int(top * gh) + 1, round(bottom * gh))),
            slice(int(left * gw), max(int(left * gw) + 1, round(right * gw))),
        )

    def cropped(self, box: tuple[int, int, int, int], size: tuple[int, int]) -> PersonMask:
        """The mask of ``box`` (left, top, right, bottom in pixels) cut from the picture of
        ``size`` that this mask shows now."""
        left, top, right, bottom = self.region
        sx, sy = (right - left) / size[0], (bottom - top) / size[1]
        region = (
            left + box[0] * sx,
            top + box[1] * sy,
            left + box[2] * sx,
            top + box[3] * sy,
        )
        return PersonMask(self.grid, self.width, self.height, region)

    def coarse(self, width: int, height: int) -> np.ndarray:
        """The grid laid over a ``width`` × ``height`` picture of the shown part, float32 0-1,
        its steps smoothed by bilinear interpolation (no look at the picture yet)."""
        gh, gw = self.grid.shape
        left, top, right, bottom = self.region
        # Each output pixel's centre, in grid cells (cell centres at whole numbers).
        ax, ay = (right - left) * gw / width, (bottom - top) * gh / height
        bx, by = left * gw + ax / 2 - 0.5, top * gh + ay / 2 - 0.5
        matrix = np.array([[ax, 0, bx], [0, ay, by]], np.float64)
        return cv2.warpAffine(
            self.grid.astype(np.float32),
            matrix,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def alpha(self, picture: Image.Image | np.ndarray) -> np.ndarray:
        """The soft alpha (float32 0-1, the picture's height × width) of the person in
        ``picture``, which shows this mask's region at any size."""
        rgb = picture if isinstance(picture, np.ndarray) else _rgb(picture)
        h, w = rgb.shape[:2]
        small = _work_size(w, h)
        return refine(rgb, self.coarse(*small))

    def to_dict(self) -> dict:
        buffer = io.BytesIO()
        Image.fromarray(self.grid).convert("1").save(buffer, "PNG", optimize=True)
        return {
            "width": self.width,
            "height": self.height,
            "grid": base64.b64encode(buffer.getvalue()).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict) -> PersonMask:
        with Image.open(io.BytesIO(base64.b64decode(data["grid"]))) as png:
            grid = np.asarray(png.convert("L")) > 127
        return cls(grid, int(data["width"]), int(data["height"]))


def _rgb(image: Image.Image) -> np.ndarray:
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def find(image: Image.Image) -> PersonMask:
    """Run the model on ``image`` (any size) and keep its yes/no grid."""
    model = litert.model(MODEL)
    rgb = _rgb(image)
    size = model.input_size
    shrinking = rgb.shape[1] >= size[0] and rgb.shape[0] >= size[1]
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    (out,) = model.run(small.astype(np.float32) / 255.0)
    return PersonMask(np.ascontiguousarray(out[..., 0] > 0.5), image.width, image.height)


def alpha(image: Image.Image, mask: PersonMask | None = None) -> np.ndarray:
    """The soft alpha (float32 0-1, height × width) of the person in ``image``: from
    ``mask`` when it was found already (in this picture, or a crop or resize of it)."""
    return (mask or find(image)).alpha(image)


def _work_size(width: int, height: int) -> tuple[int, int]:
    factor = max(1, round(max(width, height) / WORK_SIDE))
    return max(1, round(width / factor)), max(1, round(height / factor))


def refine(rgb: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """Snap a coarse 0-1 mask to the picture's own edges: a guided filter (He, Sun and Tang,
    2010) with the picture's colours as the guide. Within a small window the output is a
    linear function of the colour, so a hair against a pale sky keeps its own soft edge
    where the coarse mask only had a staircase; the colour guide (not just brightness) also
    follows a dark navy cap against a dark blue flag.

    The filter's coefficients are smooth, so they are worked out at about 256 px on the long
    side (``coarse`` may come at that size) and only applied to the full-size picture: the
    "fast guided filter" (He and Sun, 2015)."""
    h, w = rgb.shape[:2]
    small = _work_size(w, h)
    guide = cv2.resize(rgb, small, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    p = (
        coarse
        if coarse.shape[::-1] == small
        else cv2.resize(coarse, small, interpolation=cv2.INTER_AREA)
    )
    radius = max(1, round(max(small) / 256))
    window = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, window, borderType=cv2.BORDER_REFLECT)

    chans = [np.ascontiguousarray(guide[..., c]) for c in range(3)]
    mu = [mean(c) for c in chans]
    mean_p = mean(p)
    cov = [mean(c * p) - m * mean_p for c, m in zip(chans, mu, strict=True)]
    # The colours' 3 × 3 covariance in each window (symmetric: six maps), plus EPSILON.
    s = {}
    for i in range(3):
        for j in range(i, 3):
            s[i, j] = mean(chans[i] * chans[j]) - mu[i] * mu[j] + (EPSILON if i == j else 0.0)
    # a = S⁻¹ cov, by the adjugate: no per-pixel solver.
    c00 = s[1, 1] * s[2, 2] - s[1, 2] * s[1, 2]
    c01 = s[0, 2] * s[1, 2] - s[0, 1] * s[2, 2]
    c02 = s[0, 1] * s[1, 2] - s[0, 2] * s[1, 1]
    c11 = s[0, 0] * s[2, 2] - s[0, 2] * s[0, 2]
    c12 = s[0, 2] * s[0, 1] - s[0, 0] * s[1, 2]
    c22 = s[0, 0] * s[1, 1] - s[0, 1] * s[0, 1]
    det = s[0, 0] * c00 + s[0, 1] * c01 + s[0, 2] * c02
    a = [
        (c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) / det,
        (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) / det,
        (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) / det,
    ]
    b = mean_p - a[0] * mu[0] - a[1] * mu[1] - a[2] * mu[2]
    # Applied to the 0-255 picture: a / 255 instead of dividing millions of pixels.
    a = cv2.merge([mean(x) / 255.0 for x in a])
    b = mean(b)
    if small != (w, h):
        a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    weighted = cv2.multiply(a, rgb.astype(np.float32))
    out = cv2.add(cv2.transform(weighted, np.ones((1, 3), np.float32)), b)
    return np.clip(out, 0.0, 1.0, out=out)


# How much colour variation counts as an edge worth following (on 0-1 colours): smaller
# follows fainter edges, larger smooths more.
EPSILON = 1e-3
