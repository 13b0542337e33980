"""Keeping the person's skin tone through a style that keeps natural colour: read where
:mod:`avatars.skin` reads it (the cheeks and forehead), pulled back where a style moved it."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from avatars.faces import FaceAnalysis

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
