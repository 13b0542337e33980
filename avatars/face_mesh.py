"""MediaPipe's face mesh: 468 landmarks of a face already found by dlib.

The model (``face_landmark``, Apache 2.0, run by LiteRT: see :mod:`avatars.litert`) looks at a
192 × 192 crop around one face, turned so the eyes are level, and places 468 points on it. The
crop comes from the dlib face we keep (its box and eyes), the way MediaPipe's own graph crops
from its detector: no second face detector runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from avatars import litert
from avatars.faces import Face

MODEL = "face_landmark"
# The crop around dlib's box: dlib's box runs from the brows to the chin; the mesh wants the
# whole head with a margin (MediaPipe's graph grows its detector's box 1.5 times).
GROW = 1.75
LIFT = 0.12  # of the box's height: the crop's centre moves up, to hold the forehead
# Under this presence score the crop holds no face the model believes in.
MIN_PRESENCE = 0.5
# MediaPipe's indices (FACEMESH_RIGHT_EYE / LEFT_EYE: the person's right is the image's left).
LEFT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
FOREHEAD = 10  # the top of the forehead, mid-face


@dataclass(frozen=True, eq=False)
class Mesh:
    points: np.ndarray  # (468, 2) float32, image pixels
    presence: float

    @property
    def left_eye(self) -> tuple[float, float]:
        """The centre of the eye on the image's left: the mean of its outline."""
        x, y = self.points[list(LEFT_EYE)].mean(axis=0)
        return float(x), float(y)

    @property
    def right_eye(self) -> tuple[float, float]:
        x, y = self.points[list(RIGHT_EYE)].mean(axis=0)
        return float(x), float(y)

    @property
    def forehead(self) -> tuple[float, float]:
        x, y = self.points[FOREHEAD]
        return float(x), float(y)


def _crop(face: Face) -> np.ndarray:
    """The 2 × 3 matrix taking image pixels to the model's 192 × 192 crop."""
    model = litert.model(MODEL)
    side = model.input_size[0]
    left, top, right, bottom = face.box
    size = max(right - left, bottom - top) * GROW
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    angle = np.arctan2(ry - ly, rx - lx)
    # The centre moves towards the forehead: "up" for the face is square to the eyes' line.
    lift = LIFT * (bottom - top)
    cx = (left + right) / 2 + lift * np.sin(angle)
    cy = (top + bottom) / 2 - lift * np.cos(angle)
    scale = side / size
    cos, sin = np.cos(-angle) * scale, np.sin(-angle) * scale
    return np.array(
        [
            [cos, -sin, side / 2 - (cos * cx - sin * cy)],
            [sin, cos, side / 2 - (sin * cx + cos * cy)],
        ],
        np.float64,
    )


def mesh(image: Image.Image | np.ndarray, face: Face) -> Mesh | None:
    """The 468 points of ``face`` in ``image`` (None when the model sees no face there)."""
    rgb = image if isinstance(image, np.ndarray) else np.asarray(image.convert("RGB"))
    model = litert.model(MODEL)
    side = model.input_size[0]
    matrix = _crop(face)
    crop = cv2.warpAffine(
        rgb, matrix, (side, side), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    points, presence = model.run(crop.astype(np.float32) / 255.0)
    score = float(1 / (1 + np.exp(-presence.ravel()[0])))
    if score < MIN_PRESENCE:
        return None
    xy = points.reshape(-1, 3)[:, :2].astype(np.float64)
    back = cv2.invertAffineTransform(matrix)
    image_xy = xy @ back[:, :2].T + back[:, 2]
    return Mesh(image_xy.astype(np.float32), score)
