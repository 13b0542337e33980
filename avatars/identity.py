"""A person's identity as several photos: likeness against all of them, takes ranked by it, and
whether a photo is one worth keeping as an identity photo.

Likeness to several photos. Each photo's dlib embedding is compared with the version's
(:func:`avatars.faces.embedding_distance`); the distances can be summed up three ways — the
nearest photo, the mean of the distances, the distance to the mean of the embeddings — and
``RANKING`` is the one used: the mean of the distances, with the selfie a version was drawn
from counted as one of the photos (the caller adds its embedding). On a held-out set of our
own (``bench/identity_ranking.py``: takes of known fidelity drawn from a photo that is not
among the identity photos) no summary of the identity photos ranked takes better than one
photo by more than the noise, and the photo the takes were drawn from ranked them best; the
mean of the distances to it and to the identity photos came next, with the nearest photo.
The mean is kept because it uses every photo (the nearest is one photo's reading, whichever
it is) and so truly says "compared with your N photos". README, "Several photos of you",
has the figures, and why a set made from one photo can't show more.

An identity photo (:func:`identity_photo_check`): one face, turned the way the guided capture
asked (front, or a three-quarter turn to the person's left or right: the head's yaw, from
where the nose sits between the sides of the face in MediaPipe's face mesh), sharp (the
variance of the Laplacian on the face) and lit (the face's mean luminance) — each refusal
in words a person can act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from avatars import face_mesh
from avatars.faces import FaceAnalysis, analyse, likeness_words

Embedding = Sequence[float]

RANKINGS = ("mean", "centroid", "nearest")
RANKING = "mean"  # see the module's docstring


@dataclass(frozen=True)
class SetLikeness:
    """A version's likeness to every identity photo, summed up three ways (distances: smaller
    is more alike)."""

    nearest: float
    mean: float
    centroid: float
    photos: int

    def value(self, how: str = RANKING) -> float:
        return {"nearest": self.nearest, "mean": self.mean, "centroid": self.centroid}[how]

    @property
    def words(self) -> str:
        """What the version's likeness says, and what it was compared with."""
        compared = (
            "compared with your photo"
            if self.photos == 1
            else f"compared with your {self.photos} identity photos"
        )
        return f"{likeness_words(self.value())}, {compared}"


def _matrix(embeddings: Sequence[Embedding]) -> np.ndarray:
    matrix = np.asarray(embeddings, np.float64)
    if matrix.ndim != 2 or not len(matrix):
        raise ValueError("at least one identity embedding is needed")
    return matrix


def likeness_to_photos(identity: Sequence[Embedding], version: Embedding) -> SetLikeness:
    """``version``'s likeness to each of the ``identity`` photos' embeddings."""
    photos = _matrix(identity)
    target = np.asarray(version, np.float64)
    distances = np.linalg.norm(photos - target, axis=1)
    return SetLikeness(
        nearest=float(distances.min()),
        mean=float(distances.mean()),
        centroid=float(np.linalg.norm(photos.mean(axis=0) - target)),
        photos=len(photos),
    )


def takes_ranked(
    identity: Sequence[Embedding], takes: Sequence[Embedding | None], how: str = RANKING
) -> list[int]:
    """The takes' positions, most like the person first (a take with no face found last, in
    their own order; ties keep their order)."""
    if how not in RANKINGS:
        raise ValueError(f"rank by one of {', '.join(RANKINGS)}, not {how!r}")
    photos = _matrix(identity)
    scores = [
        math.inf if take is None else likeness_to_photos(photos, take).value(how) for take in takes
    ]
    return sorted(range(len(takes)), key=lambda i: (scores[i], i))


# --- identity photos ------------------------------------------------------------------------

ANGLES = ("front", "left", "right", "smile", "other")
# The head's yaw in degrees (positive: turned to the person's own left, in a photo that is
# not mirrored). Front and smiling photos face the camera; a three-quarter view turns 20-50°;
# beyond 50° dlib and the face mesh lose the far eye. The two portraits here face the camera
# at 0.3° and -1.2° (mirrored: -2.0° and -3.4°).
FRONT_YAW = 12.0
THREE_QUARTER = (20.0, 50.0)
MAX_ROLL = 15.0  # head tilt, degrees: the portraits tilt 3.3°; turned 25°, they read 22-28°
# The variance of the Laplacian of the face, grey, at 160 px wide: the astronaut's soft
# portrait reads 98 and Grace Hopper's 1312; blurred by 2 px they read 12 and 215, by 4 px
# 5 and 42, shrunk to a quarter and back 19 and 357.
SHARP = 50.0
FACE_SIDE = 160
# The face's mean luminance (0-255): the portraits read 171 and 130; at 30% of their light
# 51 and 39; at 220%, 211 (the astronaut's face is lost to white).
LIT = (70.0, 200.0)
# The mouth's width over the eyes' distance: the astronaut smiling reads 1.03, Grace Hopper
# with her mouth closed 0.84-0.89.
SMILE = 0.95
# MediaPipe's face mesh: the nose tip, the sides of the face, the corners of the mouth.
NOSE_TIP, FACE_LEFT, FACE_RIGHT, MOUTH_LEFT, MOUTH_RIGHT = 1, 234, 454, 61, 291


@dataclass(frozen=True)
class PhotoCheck:
    """Whether a photo is a good identity photo for the ``angle`` asked, and what was seen:
    ``problems`` are sentences a person can act on (none when ``ok``)."""

    angle: str
    problems: tuple[str, ...]
    faces: int = 0
    yaw: float | None = None  # degrees, positive to the person's own left
    roll: float | None = None
    sharpness: float | None = None
    brightness: float | None = None
    smiling: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def seen(self) -> str:
        """Which way the face is turned, in ANGLES' words ('' when no face)."""
        if self.yaw is None:
            return ""
        if abs(self.yaw) <= FRONT_YAW:
            return "smile" if self.smiling else "front"
        return "left" if self.yaw > 0 else "right"


def head_pose(points: np.ndarray, face) -> tuple[float, float]:
    """(yaw, mouth width) of a face from its mesh: the yaw from where the nose tip sits
    between the sides of the face, along the eyes' line (half way: facing the camera; at a
    side: turned 90°); the mouth's width in eye distances."""
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    d = max(1e-6, math.hypot(rx - lx, ry - ly))
    along = points @ np.array([(rx - lx) / d, (ry - ly) / d])
    width = along[FACE_RIGHT] - along[FACE_LEFT]
    if width <= 0:
        return 0.0, 0.0
    share = (along[NOSE_TIP] - along[FACE_LEFT]) / width
    yaw = math.degrees(math.asin(float(np.clip(2 * share - 1, -1, 1))))
    return yaw, float((along[MOUTH_RIGHT] - along[MOUTH_LEFT]) / d)


def identity_photo_check(
    image: Image.Image, angle: str = "front", found: FaceAnalysis | None = None
) -> PhotoCheck:
    """Check ``image`` as an identity photo taken for ``angle`` (one of ANGLES): one face,
    turned as asked, level, sharp and lit. ``found``: its faces, when the caller has them
    already (a photo being kept needs its embedding too: one detection serves both)."""
    if angle not in ANGLES:
        raise ValueError(f"angle is one of {', '.join(ANGLES)}, not {angle!r}")
    if found is None:
        found = analyse(image, with_embedding=False)
    if not found.faces:
        return PhotoCheck(angle, ("We can't find a face: face the camera, in good light.",))
    if len(found.faces) > 1:
        return PhotoCheck(
            angle,
            (f"We see {len(found.faces)} faces: an identity photo shows only you.",),
            faces=len(found.faces),
        )
    face = found.face
    left, top, right, bottom = face.box
    grey = np.asarray(
        image.convert("L").crop((left, top, right, bottom)).resize((FACE_SIDE, FACE_SIDE)),
        np.float32,
    )
    brightness = float(grey.mean())
    sharpness = float(cv2.Laplacian(grey, cv2.CV_32F).var())
    mesh = face_mesh.mesh(image, face)
    yaw, mouth = head_pose(mesh.points, face) if mesh is not None else (None, None)
    problems = []
    if brightness < LIT[0]:
        problems.append("It's too dark to see your face well: turn towards a light.")
    elif brightness > LIT[1]:
        problems.append("Your face is washed out by the light: step out of the glare.")
    elif sharpness < SHARP:
        problems.append("The photo is blurred: hold still, or wipe the lens.")
    if abs(face.roll_degrees) > MAX_ROLL:
        problems.append("Hold your head level, not tilted to one side.")
    if yaw is None:
        problems.append("We can't make out your face clearly: face the camera.")
    else:
        problems += _turn_problems(angle, yaw, mouth >= SMILE)
    return PhotoCheck(
        angle,
        tuple(problems),
        faces=1,
        yaw=yaw,
        roll=face.roll_degrees,
        sharpness=sharpness,
        brightness=brightness,
        smiling=None if mouth is None else mouth >= SMILE,
    )


def _turn_problems(angle: str, yaw: float, smiling: bool) -> list[str]:
    low, high = THREE_QUARTER
    if abs(yaw) > high:
        return ["You've turned too far: we need to see both your eyes."]
    if angle in ("front", "smile") and abs(yaw) > FRONT_YAW:
        return ["Look straight at the camera."]
    if angle == "smile" and not smiling:
        return ["Give us a smile."]
    if angle in ("left", "right"):
        wanted = 1 if angle == "left" else -1
        if yaw * wanted < low:
            return [f"Turn your head a little to your {angle}, about a third of the way."]
    return []
