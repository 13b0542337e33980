"""A cut-out of a picture: the person on a transparent ground, optionally with a die-cut white
outline and a soft shadow — NumPy, OpenCV and Pillow on images in memory, so the site's
service and ``pixme_render --cutout`` draw the same pixels.

The person's alpha comes from the person mask (:func:`avatars.person.alpha`: soft, hair
included). Where it is soft, the old background's tint is taken out of the person's colours
first (:func:`~avatars.engines.studio.edits.background.unmix`), as for a new background:
otherwise every wisp of hair would carry a halo of the old wall onto whatever the cut-out is
laid on.

The outline is the silhouette grown by ``outline`` pixels (a distance transform: rounded,
anti-aliased, and it closes gaps narrower than twice its width, as a die cutter's blade
would); the shadow is that silhouette blurred, shifted down and to the right and laid under
it at ``SHADOW_OPACITY``. The canvas grows by what they need, so neither is ever clipped: a
bust cut off by the picture's bottom edge gets its outline along that edge too.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from avatars.engines.studio.common import wide_blur
from avatars.engines.studio.edits.background import unmix

MAX_OUTLINE = 64  # px
SHADOW_OPACITY = 0.45
# Under this the alpha rounds to 0 in 8 bits: nothing of the person shows there.
VISIBLE = 0.5 / 255
# person_only: the parts kept (a share of the largest), how near them (px), on what grid.
PART = 0.01
NEAR = 12
GRID = 4


def shadow_geometry(long_side: int) -> tuple[float, int, int]:
    """The shadow's blur (sigma) and its offset (x, y) for a picture of that long side: the
    same look at any size (about 10, 6 and 9 px at 1024)."""
    sigma = max(1.5, long_side / 100)
    return sigma, max(1, round(long_side / 170)), max(1, round(long_side / 110))


def cutout_pad(*, long_side: int, outline: int, shadow: bool) -> int:
    """How many pixels the canvas grows on each side for the outline and the shadow."""
    pad = outline + (1 if outline else 0)
    if shadow:
        sigma, dx, dy = shadow_geometry(long_side)
        pad += math.ceil(3 * sigma) + max(dx, dy)
    return pad


def person_only(alpha: np.ndarray) -> np.ndarray:
    """``alpha`` without the specks the mask leaves in the background (a few hundred pixels of
    a flag or a poster, up to 0.15% of the person on the sample portraits): a die cutter cuts
    one shape, and an outline round each speck reads as litter. Kept: every part at least
    ``PART`` of the largest (a raised hand apart from the body stays) and whatever lies within
    ``NEAR`` of them — found on a grid of every ``GRID``-th pixel, which costs about 1 ms at
    1024² where a full-size search cost several."""
    grid = alpha[::GRID, ::GRID] >= 0.5
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        grid.astype(np.uint8), connectivity=8
    )
    if count <= 2:  # nobody, or one shape
        return alpha
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = np.isin(labels, 1 + np.nonzero(areas >= PART * areas.max())[0]).astype(np.uint8)
    reach = 2 * NEAR // GRID + 1
    kept = cv2.dilate(kept, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    h, w = alpha.shape
    near = cv2.resize(kept, (w, h), interpolation=cv2.INTER_NEAREST)
    return cv2.multiply(alpha, near.astype(np.float32))


def cutout_draw(
    rgb: np.ndarray, alpha: np.ndarray, *, outline: int = 0, shadow: bool = False
) -> Image.Image:
    """The RGBA cut-out of ``rgb`` (uint8, h × w × 3) by ``alpha`` (float32 0-1, h × w), on a
    canvas grown by :func:`cutout_pad` on each side. Only the person's bounding box (grown by
    that pad) is worked on: the rest of the canvas is transparent anyway."""
    if not 0 <= outline <= MAX_OUTLINE:
        raise ValueError(f"outline must be 0-{MAX_OUTLINE} px")
    alpha = person_only(alpha)
    h, w = alpha.shape
    pad = cutout_pad(long_side=max(h, w), outline=outline, shadow=shadow)
    out = np.zeros((h + 2 * pad, w + 2 * pad, 4), np.uint8)
    rows, cols = (
        np.nonzero(alpha.max(axis=1) >= VISIBLE)[0],
        np.nonzero(alpha.max(axis=0) >= VISIBLE)[0],
    )
    if not rows.size:
        return Image.fromarray(out, "RGBA")
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    colours = cv2.convertScaleAbs(unmix(rgb, alpha)[top:bottom, left:right])  # rounds
    coverage = cv2.convertScaleAbs(alpha[top:bottom, left:right], alpha=255.0)
    if not (outline or shadow):
        out[pad + top : pad + bottom, pad + left : pad + right] = cv2.merge(
            [*cv2.split(colours), coverage]
        )
        return Image.fromarray(out, "RGBA")
    # Layers "over" one another, bottom to top: the shadow (black), the outline (white), the
    # person, by Pillow's alpha_composite in 8 bits. The same in float32 NumPy took 15-25 ms
    # more of one core at 1024² (a cut-out is drawn in its request); the two differ by a
    # level or two, and more only where the alpha is under 5/255 (invisible).
    size = (bottom - top + 2 * pad, right - left + 2 * pad)
    person = np.zeros((*size, 4), np.uint8)
    person[pad:-pad, pad:-pad] = cv2.merge([*cv2.split(colours), coverage])
    picture = Image.fromarray(person, "RGBA")
    if outline:
        outside = np.full(size, 255, np.uint8)
        outside[pad:-pad, pad:-pad] = cv2.compare(coverage, 128, cv2.CMP_LT)
        ring = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_5)
        # 255 within ``outline`` px of the person, fading to 0 over the next pixel.
        edge = cv2.convertScaleAbs(
            cv2.min(ring, outline + 0.5), alpha=-255.0, beta=(outline + 0.5) * 255.0
        )
        # White where it shows; black (as the rest of the canvas) where it doesn't.
        paint = Image.fromarray(cv2.compare(edge, 0, cv2.CMP_GT))
        white = Image.merge("RGBA", [paint] * 3 + [Image.fromarray(edge)])
        picture = Image.alpha_composite(white, picture)
    if shadow:
        sigma, dx, dy = shadow_geometry(max(h, w))
        cover = np.asarray(picture.getchannel("A"), np.float32)
        blurred = wide_blur(cover, sigma) * SHADOW_OPACITY
        below = np.zeros(size, np.uint8)
        below[dy:, dx:] = cv2.convertScaleAbs(blurred[:-dy, :-dx])
        dark = Image.merge("RGBA", [Image.new("L", picture.size, 0)] * 3 + [Image.fromarray(below)])
        picture = Image.alpha_composite(dark, picture)
    out[top : bottom + 2 * pad, left : right + 2 * pad] = np.asarray(picture)
    return Image.fromarray(out, "RGBA")
