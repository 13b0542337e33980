"""Where things are in a picture, as masks the styles draw with: around a face, its skin, an
outline of a shape."""

from __future__ import annotations

import cv2
import numpy as np

from avatars.faces import FaceAnalysis

from .common import WORK_SIDE, grow, shrink


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
