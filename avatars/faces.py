"""Face detection, landmarks and identity embeddings with dlib.

The models ship inside installed packages: dlib's built-in HOG detector, and the 5-point
landmark and ResNet embedding models of ``face-recognition-models``. Nothing is downloaded.
We use the 5-point landmark model because the 68-point one was trained on data whose licence
excludes commercial use. Detection runs on a copy at most ``WORK_SIZE`` px on its long side
(about 30-100 ms on one core) and coordinates are scaled back to the full image.

A process remembers its last few answers, keyed by a hash of the pixels (``RECENT``): the same
pixels come back more often than one would think. A user tries several styles from one selfie
(each new avatar finds its face again), the create page's style slider sends the same photo
for every preview it asks, and the studio draws the same picture from the same photo and style
(whose likeness is measured on it). Hashing a 1024² picture takes about 4 ms (2048²: 30);
finding its face and embedding 100-260.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from functools import cache

import numpy as np
from PIL import Image

WORK_SIZE = 640
# HOG scores: a real frontal face scores ~0.5-2; the astronaut's suit patch scores ~0.1.
MIN_SCORE = 0.3
# dlib's own rule for its embeddings: under 0.6 is the same person.
SAME_PERSON = 0.6
STRONG_LIKENESS = 0.45

_lock = threading.Lock()
# Answers kept per process, newest last (see the module's docstring); their own lock, so that a
# lookup never waits behind another thread's search.
RECENT = 16
_recent: OrderedDict[tuple, object] = OrderedDict()
_recent_lock = threading.Lock()


def _pixels(image: Image.Image) -> bytes:
    """A digest of the picture's pixels (with its mode, size and any palette): equal only for
    equal pictures."""
    digest = hashlib.blake2b(f"{image.mode} {image.size}".encode(), digest_size=20)
    if image.palette is not None:
        digest.update(bytes(image.getpalette() or ()))
    digest.update(image.tobytes())
    return digest.digest()


def _remembered(key: tuple):
    with _recent_lock:
        value = _recent.get(key)
        if value is not None:
            _recent.move_to_end(key)
        return value


def _remember(key: tuple, value) -> None:
    with _recent_lock:
        _recent[key] = value
        while len(_recent) > RECENT:
            _recent.popitem(last=False)


@cache
def _models():
    import dlib
    import face_recognition_models as frm

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
    )


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom in full-image pixels
    landmarks: tuple[tuple[int, int], ...]  # dlib 5-point order
    score: float

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    @property
    def left_eye(self) -> tuple[float, float]:
        """The eye on the image's left (the person's right eye)."""
        (x1, y1), (x2, y2) = self.landmarks[2], self.landmarks[3]
        return ((x1 + x2) / 2, (y1 + y2) / 2)

    @property
    def right_eye(self) -> tuple[float, float]:
        """The eye on the image's right."""
        (x1, y1), (x2, y2) = self.landmarks[0], self.landmarks[1]
        return ((x1 + x2) / 2, (y1 + y2) / 2)

    @property
    def nose(self) -> tuple[int, int]:
        return self.landmarks[4]

    @property
    def eye_distance(self) -> float:
        (lx, ly), (rx, ry) = self.left_eye, self.right_eye
        return float(np.hypot(rx - lx, ry - ly))

    def moved(self, dx: float, dy: float) -> Face:
        """The same face ``dx``, ``dy`` pixels along (a crop moves it by minus its corner)."""
        return Face(
            box=tuple(round(v + d) for v, d in zip(self.box, (dx, dy, dx, dy), strict=True)),
            landmarks=tuple((round(x + dx), round(y + dy)) for x, y in self.landmarks),
            score=self.score,
        )

    @property
    def roll_degrees(self) -> float:
        """Head tilt: positive when the image-right eye sits lower."""
        (lx, ly), (rx, ry) = self.left_eye, self.right_eye
        return float(np.degrees(np.arctan2(ry - ly, rx - lx)))


@dataclass(frozen=True)
class FaceAnalysis:
    width: int
    height: int
    faces: tuple[Face, ...] = ()
    embedding: tuple[float, ...] | None = field(default=None, repr=False)

    @property
    def face(self) -> Face | None:
        """The face we work with: the largest one."""
        if not self.faces:
            return None
        return max(self.faces, key=lambda f: f.width * f.height)

    @property
    def note(self) -> str:
        """What to tell the user before any generation is spent ('' when exactly one face)."""
        if not self.faces:
            return "We couldn't find a face — the style will still apply to the whole photo."
        if len(self.faces) > 1:
            return f"{len(self.faces)} faces found: we used the largest."
        return ""

    def scaled_to(self, width: int, height: int) -> FaceAnalysis:
        """The same faces in an image resized to ``width`` × ``height``."""
        sx, sy = width / self.width, height / self.height
        faces = tuple(
            Face(
                box=(
                    round(f.box[0] * sx),
                    round(f.box[1] * sy),
                    round(f.box[2] * sx),
                    round(f.box[3] * sy),
                ),
                landmarks=tuple((round(x * sx), round(y * sy)) for x, y in f.landmarks),
                score=f.score,
            )
            for f in self.faces
        )
        return FaceAnalysis(width, height, faces, self.embedding)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FaceAnalysis:
        faces = tuple(
            Face(
                box=tuple(f["box"]),
                landmarks=tuple(tuple(p) for p in f["landmarks"]),
                score=f["score"],
            )
            for f in data.get("faces", ())
        )
        emb = data.get("embedding")
        return cls(data["width"], data["height"], faces, tuple(emb) if emb else None)


def _work_copy(image: Image.Image) -> tuple[np.ndarray, float]:
    rgb = image.convert("RGB")
    scale = min(1.0, WORK_SIZE / max(rgb.size))
    if scale < 1.0:
        rgb = rgb.resize(
            (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
            Image.Resampling.BILINEAR,
        )
    return np.ascontiguousarray(np.asarray(rgb)), scale


def analyse(image: Image.Image, *, with_embedding: bool = True) -> FaceAnalysis:
    """Detect faces (with landmarks) and, optionally, the largest face's identity embedding."""
    pixels = _pixels(image)
    # An answer with the embedding serves an ask without it too.
    found = _remembered(("analyse", pixels, True))
    if found is None and not with_embedding:
        found = _remembered(("analyse", pixels, False))
    if found is None:
        found = _analyse(image, with_embedding=with_embedding)
        _remember(("analyse", pixels, with_embedding), found)
    return found if with_embedding else replace(found, embedding=None)


def _analyse(image: Image.Image, *, with_embedding: bool) -> FaceAnalysis:
    detector, predictor, recogniser = _models()
    work, scale = _work_copy(image)
    with _lock:
        rects, scores, _kinds = detector.run(work, 1, 0.0)
        found = []
        for rect, score in zip(rects, scores, strict=True):
            if score < MIN_SCORE:
                continue
            shape = predictor(work, rect)
            found.append((rect, shape, float(score)))
        embedding = None
        if found and with_embedding:
            rect, shape, _ = max(found, key=lambda t: t[0].width() * t[0].height())
            embedding = tuple(float(v) for v in recogniser.compute_face_descriptor(work, shape))
    faces = tuple(
        Face(
            box=(
                max(0, round(r.left() / scale)),
                max(0, round(r.top() / scale)),
                min(image.width, round(r.right() / scale)),
                min(image.height, round(r.bottom() / scale)),
            ),
            landmarks=tuple((round(p.x / scale), round(p.y / scale)) for p in s.parts()),
            score=sc,
        )
        for r, s, sc in found
    )
    return FaceAnalysis(image.width, image.height, faces, embedding)


def embed(image: Image.Image, face: Face) -> tuple[float, ...]:
    """The identity embedding of a face already found in ``image`` (no detection again):
    its box and 5 landmarks are mapped onto the same working copy ``analyse`` uses."""
    import dlib

    key = ("embed", _pixels(image), face.box, face.landmarks)
    known = _remembered(key)
    if known is not None:
        return known
    _detector, _predictor, recogniser = _models()
    work, scale = _work_copy(image)
    rect = dlib.rectangle(*(round(v * scale) for v in face.box))
    points = [dlib.point(round(x * scale), round(y * scale)) for x, y in face.landmarks]
    shape = dlib.full_object_detection(rect, points)
    with _lock:
        embedding = tuple(float(v) for v in recogniser.compute_face_descriptor(work, shape))
    _remember(key, embedding)
    return embedding


def embedding_distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def likeness(source: FaceAnalysis, version: Image.Image) -> float | None:
    """Identity distance between the selfie's face and the version's (None: no face to compare)."""
    return likeness_and_faces(source, version)[0]


def likeness_and_faces(
    source: FaceAnalysis, version: Image.Image
) -> tuple[float | None, FaceAnalysis]:
    """The likeness, and the faces found in the version (kept for its edits)."""
    found = analyse(version, with_embedding=source.embedding is not None)
    if source.embedding is None or found.embedding is None:
        return None, found
    return embedding_distance(source.embedding, found.embedding), found


def likeness_compared_words(*, photos: int = 1) -> str:
    """What a likeness was measured against, in words: the selfie, or several photos of the
    person (``photos`` of them: avatars.identity's several-photo likeness)."""
    if photos <= 1:
        return "compared with your photo"
    return f"compared with your {photos} identity photos"


def likeness_words(distance: float | None) -> str:
    if distance is None:
        return "no face found"
    if distance < STRONG_LIKENESS:
        return "strong likeness"
    if distance < SAME_PERSON:
        return "fair likeness"
    return "weak likeness"
