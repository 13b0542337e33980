"""Skin tone: measured on the face's own skin in CIELAB, and compared between a photo and a
version of it.

Where: both cheeks and the lower forehead, as MediaPipe's face mesh places them
(:mod:`avatars.face_mesh`) — below the eyes and beside the nose, between the brows and the
hairline — so eyes, brows, lips, nostrils, a beard line and most glasses stay out. Inside
those patches near-black ink is left out, then the darkest and lightest ``TRIM`` percent
(what is left of hair, a glasses rim, a hat's brim, a shine, a deep shadow), then whatever
is far from the patches' median colour (a sunglasses lens or a beard reaching the cheek),
and the mean of the rest is the skin's colour; in a drawing, its flat colours and halftone
dots together, as an eye mixes them.

How: each pixel in CIE L*a*b* (D65, sRGB), the mean of what is kept. The size of a change
is the CIEDE2000 colour difference ΔE00 (CIE 142-2001, computed by ``coloraide``), the
difference people see between two colours, whatever the skin: a ΔE00 of 1 is about the
smallest step an eye tells apart side by side. Its direction is told by the individual
typology angle, ITA° = atan((L* − 50) / b*), the dermatologists' measure of constitutive skin
colour (Chardon et al., 1991): it runs from above 55° (very light) to below −30° (dark) along
the line real skin tones lie on, so a change of ITA says "lighter" or "darker" in the sense a
person means it, where ΔL* alone would also count a yellowed or greyed skin. ITA alone would
not do for the size: it hardly moves when chroma changes (a greyed or oversaturated face)
and it is not perceptually uniform (a degree of ITA is a big change on dark skin, a small
one on light skin); ΔE00 is.

The tolerance (``TOLERANCE``): ΔE00 at most 8. Stylised pictures recolour by design — flat
colours, quantised palettes, a little extra saturation — so the photographic "acceptable
match" of 2-3 ΔE00 is not the line; a change of about one skin-type category on the ITA
scale is (e.g. 64/11/17 → 57/12/19, light → intermediate, is ΔE00 ≈ 7.7). Under 8 the skin
stays in its own category; at and beyond it, it reads as somebody else's skin. How the
studio's styles measure against it, light to dark: README, "Skin tone".

Styles that change colour on purpose (Zombie, Neon, Manga's greys, Vintage's sepia, Pop
Art's palettes, Pencil Sketch's graphite: ``NATURAL_COLOUR`` in each style's module) are
measured all the same but exempt: nothing is said about them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from avatars import face_mesh
from avatars.faces import Face

# The face mesh's points around each patch (MediaPipe's canonical indices; the person's
# right cheek is on the image's left).
CHEEKS = (
    (117, 118, 101, 36, 205, 187, 123),
    (346, 347, 330, 266, 425, 411, 352),
)
FOREHEAD = (108, 151, 337, 336, 9, 107)
# The darkest and lightest share (percent) of a patch left out: hair, a rim, a shine.
TRIM = 15
# Farther than this from the patch's median colour (ΔE76) is something over the skin.
OUTLIER = 40.0
# Darker than this (L*) is ink or a cast shadow: the darkest skin measured is L* 25-30.
INK = 12.0
# Too few pixels to say anything (a face a few pixels wide).
MIN_PIXELS = 30
TOLERANCE = 8.0  # ΔE00: see the module's docstring
# A part of a change (lightness, chroma or hue, in ΔE00 units) smaller than this is not named.
NOTICE = 2.0


@dataclass(frozen=True)
class SkinTone:
    """The typical skin colour of one face (CIE L*a*b*, D65) and how many pixels it is of."""

    lightness: float
    a: float
    b: float
    pixels: int

    @property
    def lab(self) -> tuple[float, float, float]:
        return (self.lightness, self.a, self.b)

    @property
    def ita(self) -> float:
        """The individual typology angle in degrees (higher is lighter skin)."""
        return math.degrees(math.atan2(self.lightness - 50, self.b))

    @property
    def chroma(self) -> float:
        return math.hypot(self.a, self.b)


@dataclass(frozen=True)
class SkinCheck:
    """A version's skin against the photo's: ``delta`` (ΔE00), ``within`` ``TOLERANCE``,
    ``exempt`` (the style changes colour on purpose), ``direction`` (what changed most
    first: "lighter", "darker", "greyer", "more saturated", "redder", "more yellow")."""

    delta: float
    within: bool
    exempt: bool
    direction: tuple[str, ...]
    photo: SkinTone
    version: SkinTone

    @property
    def words(self) -> str:
        """What a page says ('' when there is nothing to say: within, or exempt)."""
        return skin_words(within=self.within, exempt=self.exempt, direction=self.direction)

    def to_dict(self) -> dict:
        return {
            "delta": round(self.delta, 2),
            "within": self.within,
            "exempt": self.exempt,
            "direction": list(self.direction),
        }


def skin_words(*, within: bool, exempt: bool, direction: tuple[str, ...] | list[str]) -> str:
    """A version's skin note in words ('' when there is nothing to say: within, or exempt)."""
    if within or exempt or not direction:
        return ""
    return f"Your skin came out {' and '.join(direction[:2])} than in your photo."


def mesh_points(image: Image.Image | np.ndarray, face: Face) -> np.ndarray | None:
    """The face mesh's 468 points (x, y) of ``face`` in ``image``; None when the model sees
    no face there."""
    found = face_mesh.mesh(image, face)
    return None if found is None else found.points


def region(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """The cheeks and lower forehead as a boolean mask of ``shape`` (rows, columns)."""
    mask = np.zeros(shape, np.uint8)
    polygons = [np.round(points[list(p)]).astype(np.int32) for p in (*CHEEKS, FOREHEAD)]
    cv2.fillPoly(mask, polygons, 1)
    return mask.astype(bool)


def skin_tone(image: Image.Image, points: np.ndarray) -> SkinTone | None:
    """The skin colour of the face whose mesh ``points`` are given, in ``image``; None when
    too little of it shows."""
    rgb = np.asarray(image.convert("RGB"))
    inside = region(rgb.shape[:2], points)
    if inside.sum() < MIN_PIXELS:
        return None
    lightness, a, b, kept = typical(lab_of(rgb[inside]))
    return SkinTone(lightness, a, b, kept)


def lab_of(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of any number of sRGB uint8 colours, as an (N, 3) float32 array."""
    pixels = np.ascontiguousarray(rgb.reshape(-1, 1, 3), np.float32) / 255
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2Lab).reshape(-1, 3)


def typical(lab: np.ndarray) -> tuple[float, float, float, int]:
    """The skin's colour among ``lab`` pixels: ink (near-black, never skin) left out, then
    the darkest and lightest ``TRIM`` percent, then the means; and how many pixels that was.
    Means, not the most common colour nor medians: a drawing's cheek may be two flat
    colours in near-equal parts, and both of those would jump from one to the other as the
    patch shifts by a pixel; a mean moves smoothly, as an eye mixes the two."""
    if not len(lab):
        raise ValueError("no pixels to read a skin colour from")
    inked = lab[:, 0] < INK
    if (~inked).sum() >= MIN_PIXELS:
        lab = lab[~inked]
    low, high = np.percentile(lab[:, 0], (TRIM, 100 - TRIM))
    kept = lab[(lab[:, 0] >= low) & (lab[:, 0] <= high)]
    if not len(kept):  # a handful of pixels (a sprite's cells) may all fall outside
        kept = lab
    # What is far from the patch's median colour is not skin: a sunglasses lens or a beard
    # over the cheek, however much of it there is (short of half).
    near = np.linalg.norm(kept - np.median(kept, axis=0), axis=1) <= OUTLIER
    if near.sum() >= MIN_PIXELS:
        kept = kept[near]
    lightness, a, b = (float(kept[:, i].mean()) for i in range(3))
    return lightness, a, b, int(len(kept))


def delta_e(one: SkinTone, other: SkinTone) -> float:
    """CIEDE2000 between two skin colours."""
    from coloraide import Color

    return float(Color("lab-d65", list(one.lab)).delta_e(Color("lab-d65", list(other.lab)),
                                                          method="2000"))  # fmt: skip


def direction(photo: SkinTone, version: SkinTone) -> tuple[str, ...]:
    """How ``version`` differs from ``photo``, the largest change first: each of CIEDE2000's
    three parts — lightness, chroma, hue, each divided by its weighting function — that
    reaches ``NOTICE``. Lightness is told as ITA tells it ("lighter" when the angle opens)."""
    lightness = (photo.lightness + version.lightness) / 2
    chroma = (photo.chroma + version.chroma) / 2
    hue = math.degrees(math.atan2((photo.b + version.b) / 2, (photo.a + version.a) / 2)) % 360
    turn = (
        1
        - 0.17 * math.cos(math.radians(hue - 30))
        + 0.24 * math.cos(math.radians(2 * hue))
        + 0.32 * math.cos(math.radians(3 * hue + 6))
        - 0.20 * math.cos(math.radians(4 * hue - 63))
    )
    spread = (lightness - 50) ** 2
    weights = (
        1 + 0.015 * spread / math.sqrt(20 + spread),  # S_L
        1 + 0.045 * chroma,  # S_C
        1 + 0.015 * chroma * turn,  # S_H
    )
    hue_turn = math.atan2(version.b, version.a) - math.atan2(photo.b, photo.a)
    hue_turn = (hue_turn + math.pi) % (2 * math.pi) - math.pi
    parts = (
        (version.ita - photo.ita, version.lightness - photo.lightness, "lighter", "darker"),
        (0.0, version.chroma - photo.chroma, "more saturated", "greyer"),
        # Towards b* (yellow) or a* (red), as an arc at the mean chroma.
        (0.0, hue_turn * chroma, "more yellow", "redder"),
    )
    changes = []
    for (ita, size, up, down), weight in zip(parts, weights, strict=True):
        if abs(size) / weight >= NOTICE:
            rising = ita > 0 if ita else size > 0
            changes.append((abs(size) / weight, up if rising else down))
    return tuple(word for _size, word in sorted(changes, reverse=True))


def exempt(style_slug: str) -> bool:
    """Whether ``style_slug`` changes colour on purpose (its skin is not held to the photo's).
    A style the studio doesn't know keeps natural colour."""
    from avatars.engines.studio.registry import NATURAL_COLOUR

    return not NATURAL_COLOUR.get(style_slug, True)


def similar_points(points: np.ndarray, source: Face, target: Face) -> np.ndarray:
    """``points`` placed on ``source`` carried over to ``target`` by the rotation, scale and
    shift that take one face's five landmarks onto the other's."""
    matrix, _inliers = cv2.estimateAffinePartial2D(
        np.asarray(source.landmarks, np.float32), np.asarray(target.landmarks, np.float32)
    )
    return (points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def skin_compare(
    *,
    photo: Image.Image,
    photo_face: Face,
    version: Image.Image,
    version_face: Face | None,
    style_slug: str,
    photo_points: np.ndarray | None = None,
    version_points: np.ndarray | None = None,
) -> SkinCheck | None:
    """The version's skin against the photo's, or None when either shows no face to measure
    (``version_face`` None: no face was found in the version).

    The version's skin is found by the face mesh on its own face; where a style leaves the
    model nothing it believes is a face (pixels, cels), the photo's mesh is carried over to
    the version's face by their landmarks. ``photo_points``: the photo's mesh if found
    already; ``version_points``: where the version's face is known to be the photo's (the
    studio draws over the photo in place: its mesh, moved as the face moved), which is surer
    than the mesh of a drawing."""
    if version_face is None:
        return None
    if photo_points is None:
        photo_points = mesh_points(photo, photo_face)
    if photo_points is None:
        return None
    photo_tone = skin_tone(photo, photo_points)
    points = version_points if version_points is not None else mesh_points(version, version_face)
    if points is None:
        points = similar_points(photo_points, photo_face, version_face)
    version_tone = skin_tone(version, points)
    if photo_tone is None or version_tone is None:
        return None
    delta = delta_e(photo_tone, version_tone)
    return SkinCheck(
        delta=delta,
        within=delta <= TOLERANCE,
        exempt=exempt(style_slug),
        direction=direction(photo_tone, version_tone),
        photo=photo_tone,
        version=version_tone,
    )
