"""Output sizes: the studio draws at the size the user asked for, not the selfie's stored size.

Selfies are stored at up to 2048 px on the long side; a style's time grows with the pixels, so
drawing a 1K avatar from a 2K selfie at 2K would take four times as long for nothing. The
sizes are named as Gemini names its own (``1K``, ``2K``); the first is the default.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from avatars.engines.base import BadRequest
from avatars.faces import FaceAnalysis

IMAGE_SIZES = {"1K": 1024, "2K": 2048}  # name → long side in pixels


def output_side(image_size: str) -> int:
    """The long side in pixels for an ``image_size`` name ('' is the default, 1K)."""
    if not image_size:
        return next(iter(IMAGE_SIZES.values()))
    if image_size not in IMAGE_SIZES:
        offered = ", ".join(IMAGE_SIZES)
        raise BadRequest(f"The studio can't draw at {image_size}. It offers: {offered}.")
    return IMAGE_SIZES[image_size]


def fit_to_side(
    image: Image.Image, faces: FaceAnalysis | None, side: int
) -> tuple[Image.Image, FaceAnalysis | None]:
    """``image`` reduced so its long side is at most ``side`` (never enlarged: that would add
    no detail), with ``faces`` (if any) moved to match."""
    w, h = image.size
    if max(w, h) <= side:
        return image, faces
    scale = side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # Area averaging: alias-free when reducing, and 2048 → 1024 takes 3 ms where Pillow's
    # Lanczos took 77 ms (more than some whole styles).
    rgb = np.asarray(image.convert("RGB"))
    image = Image.fromarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), "RGB")
    return image, faces.scaled_to(*size) if faces is not None else None
