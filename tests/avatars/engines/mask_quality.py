"""Person masks scored against masks drawn by hand (tests/avatars/engines/masks/*.json).

The portraits are every photo of a person that ships in an installed package: scikit-image's
astronaut (Eileen Collins) and cameraman, and matplotlib's Grace Hopper. That is three, so
three more are made by pasting each person (cut by their hand-drawn outline) onto another
background that ships with scikit-image — grass, bricks, a cup of coffee — where the
outline is then exactly right by construction.

The reference outlines were clicked by eye on enlarged, gridded views of each photo, not
taken from any algorithm: hair, a held helmet and a held camera are the person; a tripod, a
flag and a wall are not. Their own error is a few pixels, so the boundary score allows
``TOLERANCE`` of the picture's diagonal.

:func:`grabcut_mask` is the studio's cut before issue #25 (GrabCut seeded from the face box),
kept here, word for word, as the baseline the model is measured against.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from avatars.faces import FaceAnalysis

MASKS = Path(__file__).resolve().parent / "masks"
TOLERANCE = 0.01  # of the diagonal: a boundary pixel this close to the reference's counts


@dataclass(frozen=True)
class Portrait:
    name: str
    rgb: np.ndarray
    reference: np.ndarray  # bool: the person


def _photo(name: str) -> np.ndarray:
    from matplotlib import cbook
    from skimage import data

    if name == "astronaut":
        return data.astronaut()
    if name == "camera":
        return cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2RGB)
    if name == "hopper":
        with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
            return np.asarray(im.convert("RGB"))
    raise KeyError(name)


def _backdrop(name: str, height: int, width: int) -> np.ndarray:
    from skimage import data

    picture = getattr(data, name)()
    if picture.ndim == 2:
        picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB)
    return cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)


def reference(name: str) -> np.ndarray:
    """The hand-drawn mask of a photo: its outlines filled, less its holes."""
    spec = json.loads((MASKS / f"{name}.json").read_text())
    width, height = spec["size"]
    mask = np.zeros((height, width), np.uint8)
    shift = 4
    for key, value in (("polygons", 1), ("holes", 0)):
        for polygon in spec.get(key, []):
            points = np.round(np.asarray(polygon) * (1 << shift)).astype(np.int32)
            cv2.fillPoly(mask, [points], value, cv2.LINE_8, shift)
    return mask > 0


# The pasted ones: (name, person, backdrop from skimage.data).
COMPOSITES = (
    ("astronaut-on-grass", "astronaut", "grass"),
    ("hopper-on-bricks", "hopper", "brick"),
    ("camera-on-coffee", "camera", "coffee"),
)


def portraits() -> list[Portrait]:
    found = []
    for name in ("astronaut", "hopper", "camera"):
        found.append(Portrait(name, _photo(name), reference(name)))
    for name, person, backdrop in COMPOSITES:
        rgb, ref = _photo(person), reference(person)
        back = _backdrop(backdrop, *ref.shape)
        pasted = np.where(ref[..., None], rgb, back)
        found.append(Portrait(name, np.ascontiguousarray(pasted), ref))
    return found


def iou(predicted: np.ndarray, ref: np.ndarray) -> float:
    return float((predicted & ref).sum() / max(1, (predicted | ref).sum()))


def _edge(mask: np.ndarray) -> np.ndarray:
    """The mask's own boundary pixels; the picture's frame is no boundary."""
    padded = np.pad(mask.astype(np.uint8), 1, mode="edge")
    kernel = np.ones((3, 3), np.uint8)
    gradient = cv2.dilate(padded, kernel) != cv2.erode(padded, kernel)
    return gradient[1:-1, 1:-1] & mask


def boundary_f(predicted: np.ndarray, ref: np.ndarray, tolerance: float = TOLERANCE) -> float:
    """The boundary F-score (Perazzi et al., DAVIS 2016): the share of each outline within
    ``tolerance`` × the diagonal of the other, as the harmonic mean of the two shares."""
    reach = tolerance * float(np.hypot(*ref.shape))
    edge_p, edge_r = _edge(predicted), _edge(ref)
    if not edge_p.any() or not edge_r.any():
        return 0.0
    to_r = cv2.distanceTransform((~edge_r).astype(np.uint8), cv2.DIST_L2, 5)
    to_p = cv2.distanceTransform((~edge_p).astype(np.uint8), cv2.DIST_L2, 5)
    precision = float((to_r[edge_p] <= reach).mean())
    recall = float((to_p[edge_r] <= reach).mean())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def grabcut_mask(rgb: np.ndarray, faces: FaceAnalysis) -> np.ndarray:
    """The studio's person mask before issue #25: float 0..1 (h, w), GrabCut on a copy at
    most 384 px long, seeded from the face box (the face is the person, a column under the
    chin probably is, everything outside a head-and-shoulders box is not)."""
    face = faces.face
    if face is None:
        raise ValueError("GrabCut needs a face to seed from")
    h, w = rgb.shape[:2]
    scale = min(1.0, 384 / max(h, w))
    small = cv2.resize(
        rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = small.shape[:2]
    mask = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    x0, t, r, b = (round(v * scale) for v in face.box)
    fw, fh = max(1, r - x0), max(1, b - t)
    cx = (x0 + r) // 2
    mask[min(sh, b + fh // 3) :, max(0, x0 - int(1.6 * fw)) : min(sw, r + int(1.6 * fw))] = (
        cv2.GC_PR_FGD
    )
    mask[
        max(0, t - int(0.7 * fh)) : min(sh, b + fh // 3),
        max(0, x0 - int(0.4 * fw)) : min(sw, r + int(0.4 * fw)),
    ] = cv2.GC_PR_FGD
    mask[: max(0, t - int(0.9 * fh))] = cv2.GC_BGD
    mask[: max(0, b), : max(0, x0 - int(1.2 * fw))] = cv2.GC_BGD
    mask[: max(0, b), min(sw, r + int(1.2 * fw)) :] = cv2.GC_BGD
    edge = max(2, sw // 30)
    mask[: max(0, b), :edge] = cv2.GC_BGD
    mask[: max(0, b), sw - edge :] = cv2.GC_BGD
    top_band = mask[: max(2, sh // 40)]
    top_band[:, : max(0, x0 - int(0.4 * fw))] = cv2.GC_BGD
    top_band[:, min(sw, r + int(0.4 * fw)) :] = cv2.GC_BGD
    for other in faces.faces:
        ol, ot, orr, ob = (round(v * scale) for v in other.box)
        mask[max(0, ot) : max(0, ob), max(0, ol) : max(0, orr)] = cv2.GC_FGD
    mask[min(sh, b) :, max(0, cx - fw // 4) : min(sw, cx + fw // 4)] = cv2.GC_FGD
    seed = (max(0, min(sh - 1, (t + b) // 2)), max(0, min(sw - 1, cx)))
    if not (mask == cv2.GC_BGD).any() or not np.isin(mask, (cv2.GC_BGD, cv2.GC_PR_BGD)).any():
        return np.ones((h, w), np.float32)
    cv2.setRNGSeed(12345)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    with contextlib.suppress(cv2.error):
        cv2.grabCut(small, mask, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, kernel)
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, kernel)
    count, labels = cv2.connectedComponents(fg)
    if count > 2:
        label = labels[seed]
        if label == 0:
            sizes = np.bincount(labels.ravel())[1:]
            label = 1 + int(np.argmax(sizes))
        fg = (labels == label).astype(np.uint8)
    count, labels = cv2.connectedComponents((fg == 0).astype(np.uint8))
    if count > 1:
        border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        fg = np.where(np.isin(labels, border[border > 0]), 0, 1).astype(np.uint8)
    full = cv2.resize(fg.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    feather = max(3, round(max(h, w) / 300)) * 2 + 1
    return np.clip(cv2.GaussianBlur(full, (feather, feather), 0), 0, 1)


# --- landmarks -------------------------------------------------------------------------------

TURNS = (0, 12, -12, 25)  # degrees: each marked photo upright and turned, at twice the size


def marked_faces():
    """(name, degrees, picture, [left pupil, right pupil, hat line]) for each marked photo,
    upright and turned (the marks turned with it), at 2× so a face is as big as on a 1K
    avatar."""
    marks = json.loads((MASKS / "landmarks.json").read_text())
    for name in ("astronaut", "hopper"):
        rgb = _photo(name)
        points = np.array(
            [marks[name][k] for k in ("left_pupil", "right_pupil", "hat_line")], np.float64
        )
        h, w = rgb.shape[:2]
        for degrees in TURNS:
            matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 2.0)
            matrix[0, 2] += w / 2
            matrix[1, 2] += h / 2
            turned = cv2.warpAffine(
                rgb, matrix, (2 * w, 2 * h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
            )
            yield name, degrees, turned, points @ matrix[:, :2].T + matrix[:, 2]


def placement_errors(rgb: np.ndarray, marks: np.ndarray) -> dict | None:
    """How far, in eye-distances (the marked pupils' distance), each way of placing glasses
    and hats lands from the marks: dlib's eye corners and its fixed hat rule (the brim 1.15
    eye-distances above the eyes, resting 0.2 below that) against the face mesh's eye
    outlines and forehead."""
    from avatars import face_mesh
    from avatars.engines.studio.edits.accessories import BRIM_REST
    from avatars.faces import analyse

    face = analyse(Image.fromarray(rgb), with_embedding=False).face
    if face is None:
        return None
    mesh = face_mesh.mesh(rgb, face)
    if mesh is None:
        return None
    unit = float(np.hypot(*(marks[1] - marks[0])))
    left, right = np.array(face.left_eye), np.array(face.right_eye)
    angle = np.radians(face.roll_degrees)
    up = np.array([np.sin(angle), -np.cos(angle)])
    rule = (left + right) / 2 + (1.15 - BRIM_REST) * face.eye_distance * up

    def off(a, b) -> float:
        return float(np.hypot(*(np.asarray(a) - b))) / unit

    return {
        "eyes_dlib": (off(left, marks[0]) + off(right, marks[1])) / 2,
        "eyes_mesh": (off(mesh.left_eye, marks[0]) + off(mesh.right_eye, marks[1])) / 2,
        "hat_rule": off(rule, marks[2]),
        "hat_mesh": off(mesh.forehead, marks[2]),
    }
