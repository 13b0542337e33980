"""A cut-out of a picture: the person on a transparent ground, optionally with a die-cut white
outline and a soft shadow — pure numpy and OpenCV on images in memory, so the site's service
and ``pixme_render --cutout`` draw the same pixels.

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
WHITE = np.float32(255.0)
# Under this the alpha rounds to 0 in 8 bits: nothing of the person shows there.
VISIBLE = 0.5 / 255


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


def cutout_draw(
    rgb: np.ndarray, alpha: np.ndarray, *, outline: int = 0, shadow: bool = False
) -> Image.Image:
    """The RGBA cut-out of ``rgb`` (uint8, h × w × 3) by ``alpha`` (float32 0-1, h × w), on a
    canvas grown by :func:`cutout_pad` on each side. Only the person's bounding box (grown by
    that pad) is worked on: the rest of the canvas is transparent anyway."""
    if not 0 <= outline <= MAX_OUTLINE:
        raise ValueError(f"outline must be 0-{MAX_OUTLINE} px")
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
    colours = unmix(rgb, alpha)[top:bottom, left:right]  # the old background's tint taken out
    person = np.pad(alpha[top:bottom, left:right], pad)
    region = out[top : bottom + 2 * pad, left : right + 2 * pad]
    inner = (slice(pad, pad + bottom - top), slice(pad, pad + right - left))
    if not (outline or shadow):
        region[..., :3] = cv2.convertScaleAbs(colours)  # rounds and saturates
        region[..., 3] = cv2.convertScaleAbs(person, alpha=255.0)
        return Image.fromarray(out, "RGBA")
    # Premultiplied "over", bottom to top: the shadow (black), the outline (white), the person;
    # then back to straight colours. In place, with OpenCV: a 1024² picture is 3 M floats.
    premultiplied = np.zeros((*person.shape, 3), np.float32)
    premultiplied[inner] = cv2.multiply(colours, cv2.merge([person[inner]] * 3))
    cover = person
    if outline:
        outside = (person < 0.5).astype(np.uint8)
        ring = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_5)
        np.subtract(outline + 0.5, ring, out=ring)
        np.clip(ring, 0.0, 1.0, out=ring)
        white = cv2.multiply(ring, 1.0 - person)  # the outline's share where the person isn't
        cover = cv2.add(person, white)
        premultiplied += cv2.merge([white * WHITE] * 3)
    if shadow:
        sigma, dx, dy = shadow_geometry(max(h, w))
        blurred = wide_blur(cover, sigma)
        below = np.zeros_like(blurred)
        below[dy:, dx:] = blurred[:-dy, :-dx]
        cover = cv2.add(cover, cv2.multiply(below, 1.0 - cover, scale=SHADOW_OPACITY))
    safe = cv2.merge([np.maximum(cover, 1e-4)] * 3)
    region[..., :3] = cv2.convertScaleAbs(cv2.divide(premultiplied, safe))
    region[..., 3] = cv2.convertScaleAbs(cover, alpha=255.0)
    return Image.fromarray(out, "RGBA")
