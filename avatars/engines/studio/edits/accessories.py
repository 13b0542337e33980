"""Glasses, hats and facial hair drawn onto a face, placed and sized by its landmarks.

Every shape is built in a face-aligned frame — origin on the face, x along the line between
the eyes, one unit = the distance between the eyes — then rotated with the head's tilt and
drawn anti-aliased with OpenCV onto a colour layer with its own alpha, which is composited
over the picture at the end. Nothing is random except seeded texture, so the same face gets
the same glasses every time.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from avatars import face_mesh
from avatars.faces import Face

from ..common import RGB

FRAME: RGB = (40, 32, 28)
SHIFT = 4  # cv2 sub-pixel bits
SCALE = 1 << SHIFT


class Layer:
    """A colour layer plus alpha over an image, composited with :meth:`over`."""

    def __init__(self, height: int, width: int):
        self.colour = np.zeros((height, width, 3), np.uint8)
        self.alpha = np.zeros((height, width), np.uint8)

    def fill(self, points: np.ndarray, colour: RGB, alpha: float = 1.0) -> None:
        pts = [np.round(points * SCALE).astype(np.int32)]
        cv2.fillPoly(self.colour, pts, colour, cv2.LINE_AA, SHIFT)
        cv2.fillPoly(self.alpha, pts, round(alpha * 255), cv2.LINE_AA, SHIFT)

    def stroke(self, points: np.ndarray, colour: RGB, width: float, closed: bool = True) -> None:
        pts = [np.round(points * SCALE).astype(np.int32)]
        thickness = max(1, round(width))
        cv2.polylines(self.colour, pts, closed, colour, thickness, cv2.LINE_AA, SHIFT)
        cv2.polylines(self.alpha, pts, closed, 255, thickness, cv2.LINE_AA, SHIFT)

    def erase(self, points: np.ndarray) -> None:
        pts = [np.round(points * SCALE).astype(np.int32)]
        cv2.fillPoly(self.alpha, pts, 0, cv2.LINE_AA, SHIFT)

    def over(self, rgb: np.ndarray) -> np.ndarray:
        a = (self.alpha.astype(np.float32) / 255.0)[..., None]
        out = rgb.astype(np.float32) * (1 - a) + self.colour.astype(np.float32) * a
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class Frame:
    """Face-aligned coordinates: ``to_image(u, v)`` with u, v in eye-distance units."""

    def __init__(self, origin: tuple[float, float], unit: float, degrees: float):
        self.ox, self.oy = origin
        self.unit = unit
        theta = math.radians(degrees)
        self.cos, self.sin = math.cos(theta), math.sin(theta)

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        u, v = uv[:, 0] * self.unit, uv[:, 1] * self.unit
        x = self.ox + u * self.cos - v * self.sin
        y = self.oy + u * self.sin + v * self.cos
        return np.stack([x, y], axis=1)

    def px(self, units: float) -> float:
        return units * self.unit


def ellipse(cx: float, cy: float, rx: float, ry: float, start=0.0, end=360.0, n=72) -> np.ndarray:
    t = np.radians(np.linspace(start, end, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def superellipse(cx: float, cy: float, rx: float, ry: float, power: float, n=96) -> np.ndarray:
    """A rounded rectangle: |x/rx|^p + |y/ry|^p = 1 (p=2 is an ellipse; bigger is boxier)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = np.sign(c) * np.abs(c) ** (2 / power)
    y = np.sign(s) * np.abs(s) ** (2 / power)
    return np.stack([cx + rx * x, cy + ry * y], axis=1)


def star(cx: float, cy: float, r: float, points: int = 5) -> np.ndarray:
    t = np.linspace(-np.pi / 2, 3 * np.pi / 2, points * 2, endpoint=False)
    radius = np.where(np.arange(points * 2) % 2 == 0, r, r * 0.45)
    return np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], axis=1)


def poly(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, dtype=np.float64)


def _eye_frame(face: Face) -> Frame:
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    return Frame(((lx + rx) / 2, (ly + ry) / 2), max(face.eye_distance, 4.0), face.roll_degrees)


# --- glasses -------------------------------------------------------------------------------


def glasses(
    rgb: np.ndarray, faces: tuple[Face, ...], variant: str, frame: RGB | None = None
) -> np.ndarray:
    layer = Layer(*rgb.shape[:2])
    for face in faces:
        _glasses(layer, _eye_frame(face), variant, frame or FRAME)
    return layer.over(rgb)


def _glasses(layer: Layer, f: Frame, variant: str, frame: RGB) -> None:
    line = max(2.0, f.px(0.055))
    if variant == "sunglasses":
        lenses = [superellipse(side * 0.5, 0.04, 0.46, 0.34, 2.6) for side in (-1, 1)]
        for lens in lenses:
            layer.fill(f.to_image(lens), (18, 20, 26), 0.9)
            shine = superellipse(0, 0, 0.12, 0.05, 2)
            layer.fill(f.to_image(shine + lens.mean(0) + (-0.16, -0.14)), (210, 220, 235), 0.55)
    else:
        if variant == "square":
            lenses = [superellipse(side * 0.5, 0.02, 0.43, 0.31, 4.5) for side in (-1, 1)]
        else:
            lenses = [ellipse(side * 0.5, 0.0, 0.39, 0.37) for side in (-1, 1)]
        # Clear lenses: only a glint in the upper corner, so the eyes stay as they were
        # (a tint over the eyes costs likeness).
        for lens in lenses:
            glint = ellipse(0, 0, 0.07, 0.035) + lens.mean(0) + (-0.2, -0.2)
            layer.fill(f.to_image(glint), (240, 245, 250), 0.5)
    for lens in lenses:
        layer.stroke(f.to_image(lens), frame, line)
    inner = 0.5 - (0.46 if variant == "sunglasses" else 0.43 if variant == "square" else 0.39)
    bridge = ellipse(0, 0.02, inner, 0.12, 200, 340, 16)
    layer.stroke(f.to_image(bridge), frame, line, closed=False)
    for side in (-1, 1):
        outer = 0.5 + (0.46 if variant == "sunglasses" else 0.43 if variant == "square" else 0.39)
        temple = poly((side * outer, -0.08), (side * 1.02, -0.12))
        layer.stroke(f.to_image(temple), frame, line, closed=False)


# --- hats ----------------------------------------------------------------------------------


# How tall each hat is above its brim, in the hat's units (for "is there room for it?").
HAT_HEIGHT = {"top-hat": 2.0, "cap": 1.2, "wizard": 3.15, "crown": 1.1}


class NoRoom(Exception):
    """The hat would fall (almost) entirely outside the picture."""


BRIM_REST = 0.2  # eye-distances from the top of the forehead up to the brim's middle


def brim_point(rgb: np.ndarray, face: Face) -> np.ndarray:
    """Where a hat's brim sits: the top of the forehead as MediaPipe's face mesh finds it
    (in whole pixels, so the model's last decimals can't move the hat), or, when the mesh
    sees no face there (a style can hide it), 1.15 eye-distances above the eyes.

    Measured against hand-marked hat lines (Grace Hopper's own hat band, the astronaut's
    hairline; upright and turned by up to 25°): the line the brim rests on is 0.32
    eye-distances from the mark by the mesh, 0.47 by the fixed rule (bench/person_mask.py).
    The eyes stay dlib's: its corners put the glasses 0.04 eye-distances from the marked
    pupils, the mesh's eye outlines 0.05."""
    eyes = _eye_frame(face)
    found = face_mesh.mesh(rgb, face)
    if found is None:
        return eyes.to_image(poly((0.0, -1.15)))[0]
    # The brim's own thickness goes above that line: it rests on the forehead.
    lift = eyes.to_image(poly((0.0, -BRIM_REST)))[0] - eyes.to_image(poly((0.0, 0.0)))[0]
    return np.round(np.asarray(found.forehead, np.float64) + lift)


def hat(
    rgb: np.ndarray,
    faces: tuple[Face, ...],
    variant: str,
    accent: RGB | None,
    colour: RGB | None = None,
) -> np.ndarray:
    """Draw the hat on every face; :class:`NoRoom` when no face has room above it."""
    layer = Layer(*rgb.shape[:2])
    visible = []
    for face in faces:
        eyes = _eye_frame(face)
        # The brim sits on the forehead, tilted with the head; a hat is drawn at 1.3× the
        # eye distance so it spans the head with its hair, not just the face.
        brim = brim_point(rgb, face)
        f = Frame((brim[0], brim[1]), eyes.unit * 1.3, face.roll_degrees)
        height = HAT_HEIGHT.get(variant, 2.0)
        top = f.to_image(poly((0.0, -height)))[0][1]
        # Enough of it shows to read as that hat: its lower third, or 0.7 units (brim, band).
        shown = (brim[1] - max(top, 0.0)) / f.unit
        visible.append(shown / min(height * 0.35, 0.7))
        draw = {"crown": _crown, "wizard": _wizard, "cap": _cap}.get(variant, _top_hat)
        draw(layer, f, accent, colour)
    if not visible or max(visible) < 1.0:
        raise NoRoom
    return layer.over(rgb)


def _shaded(layer: Layer, f: Frame, shape: np.ndarray, colour: RGB, outline: RGB) -> None:
    layer.fill(f.to_image(shape), colour)
    layer.stroke(f.to_image(shape), outline, max(2.0, f.px(0.05)))


def _lighter(colour: RGB, amount: float) -> RGB:
    return tuple(round(c + (255 - c) * amount) for c in colour)  # type: ignore[return-value]


def _darker(colour: RGB, factor: float = 0.55) -> RGB:
    return tuple(int(c * factor) for c in colour)  # type: ignore[return-value]


def _top_hat(layer: Layer, f: Frame, accent: RGB | None, colour: RGB | None) -> None:
    black = colour or (24, 24, 30)
    edge = _darker(black, 0.35)
    _shaded(layer, f, ellipse(0, 0, 1.5, 0.24), black, edge)
    crown = np.concatenate(
        [
            poly((-0.95, 0.0), (-0.9, -1.95)),
            ellipse(0, -1.95, 0.9, 0.16, 180, 360, 24)[1:-1],
            poly((0.9, -1.95), (0.95, 0.0)),
        ]
    )
    _shaded(layer, f, crown, black, edge)
    band = poly((-0.94, -0.05), (-0.93, -0.38), (0.93, -0.38), (0.94, -0.05))
    layer.fill(f.to_image(band), accent or (150, 28, 38))
    layer.fill(
        f.to_image(poly((-0.55, -0.5), (-0.5, -1.8), (-0.35, -1.8), (-0.4, -0.5))),
        (70, 70, 84),
        0.8,
    )


def _cap(layer: Layer, f: Frame, accent: RGB | None, colour: RGB | None) -> None:
    colour = colour or accent or (200, 42, 42)
    edge = _darker(colour, 0.45)
    bill = ellipse(0, 0.02, 1.35, 0.36, 0, 180, 40)
    _shaded(layer, f, bill, _darker(colour, 0.8), edge)
    dome = ellipse(0, 0.05, 1.18, 1.15, 180, 360, 60)
    _shaded(layer, f, dome, colour, edge)
    for x in (-0.45, 0.45):
        seam = np.stack([np.linspace(x, x * 0.1, 12), np.linspace(0.0, -1.08, 12)], axis=1)
        layer.stroke(f.to_image(seam), edge, max(1.0, f.px(0.03)), closed=False)
    _shaded(layer, f, ellipse(0, -1.12, 0.13, 0.08), _darker(colour, 0.8), edge)


def _wizard(layer: Layer, f: Frame, accent: RGB | None, colour: RGB | None) -> None:
    colour = colour or accent or (48, 56, 150)
    edge = _darker(colour, 0.45)
    cone = poly(
        (-1.15, -0.05),
        (-0.55, -1.6),
        (0.15, -2.8),
        (0.45, -3.15),
        (0.35, -2.6),
        (0.55, -1.5),
        (1.15, -0.05),
    )
    _shaded(layer, f, cone, colour, edge)
    _shaded(layer, f, ellipse(0, 0, 1.65, 0.27), _darker(colour, 0.8), edge)
    gold = (250, 214, 70)
    for cx, cy, r in (
        (-0.35, -0.7, 0.22),
        (0.35, -1.25, 0.16),
        (0.05, -2.0, 0.13),
        (0.5, -0.45, 0.1),
    ):
        layer.fill(f.to_image(star(cx, cy, r)), gold)
    moon = ellipse(-0.45, -1.5, 0.2, 0.2)
    layer.fill(f.to_image(moon), gold)
    layer.fill(f.to_image(ellipse(-0.36, -1.56, 0.17, 0.17)), colour)


def _crown(layer: Layer, f: Frame, accent: RGB | None, colour: RGB | None) -> None:
    gold = colour or (236, 184, 42)
    edge = _darker(gold, 0.55)
    shape = poly(
        (-1.0, 0.0),
        (-1.08, -0.95),
        (-0.62, -0.45),
        (-0.3, -1.1),
        (0.0, -0.5),
        (0.3, -1.1),
        (0.62, -0.45),
        (1.08, -0.95),
        (1.0, 0.0),
    )
    _shaded(layer, f, shape, gold, edge)
    band = poly((-1.0, 0.0), (-1.02, -0.3), (1.02, -0.3), (1.0, 0.0))
    _shaded(layer, f, band, _lighter(gold, 0.25), edge)
    jewels = [
        (-0.6, -0.15, (200, 30, 50)),
        (0.0, -0.15, accent or (30, 90, 200)),
        (0.6, -0.15, (200, 30, 50)),
    ]
    for cx, cy, colour in jewels:
        _shaded(layer, f, ellipse(cx, cy, 0.12, 0.1), colour, edge)
    for cx, cy in ((-1.08, -0.95), (-0.3, -1.1), (0.3, -1.1), (1.08, -0.95)):
        _shaded(layer, f, ellipse(cx, cy, 0.09, 0.09), (255, 240, 200), edge)


# --- facial hair ---------------------------------------------------------------------------


def hair_colour(rgb: np.ndarray, face: Face) -> RGB:
    """A dark version of the hair above the face box (the colour of the person's hair)."""
    left, top, right, _bottom = face.box
    h = face.height
    y0, y1 = max(0, top - h // 4), max(0, top - h // 20)
    x0, x1 = max(0, left + face.width // 4), min(rgb.shape[1], right - face.width // 4)
    region = rgb[y0:y1, x0:x1].reshape(-1, 3)
    if len(region) < 16:
        return (58, 40, 28)
    colour = np.median(region, axis=0)
    luma = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
    if luma > 55:
        colour = colour * (55 / luma)
    return tuple(int(c) for c in colour)  # type: ignore[return-value]


def facial_hair(rgb: np.ndarray, faces: tuple[Face, ...], variant: str) -> np.ndarray:
    layer = Layer(*rgb.shape[:2])
    for face in faces:
        colour = hair_colour(rgb, face)
        eyes = _eye_frame(face)
        nose = face.nose
        f = Frame((float(nose[0]), float(nose[1])), eyes.unit, face.roll_degrees)
        if variant == "beard":
            # In eye-distance units the mouth is about 0.33 below the base of the nose and
            # the chin about 1.0: a full chin, jaw-line sideburns, the mouth left clear.
            beard = np.concatenate(
                [
                    poly((-1.02, -0.55), (-0.97, 0.2)),
                    ellipse(0, 0.2, 0.95, 1.08, 175, 5, 40),
                    poly((0.97, 0.2), (1.02, -0.55), (0.84, -0.5), (0.66, 0.3)),
                    ellipse(0, 0.3, 0.62, 0.27, 10, 170, 30),
                    poly((-0.66, 0.3), (-0.84, -0.5)),
                ]
            )
            layer.fill(f.to_image(beard), colour, 0.92)
            _moustache(layer, f, colour)
            layer.erase(f.to_image(ellipse(0, 0.34, 0.26, 0.09)))
        else:
            _moustache(layer, f, colour)
    return _textured(layer, rgb)


def _moustache(layer: Layer, f: Frame, colour: RGB) -> None:
    for side in (-1, 1):
        lobe = ellipse(side * 0.22, 0.11, 0.25, 0.09)
        t = math.radians(-16 * side)
        rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        lobe = (lobe - (side * 0.22, 0.11)) @ rot.T + (side * 0.22, 0.11)
        layer.fill(f.to_image(lobe), colour)
        curl = ellipse(side * 0.47, 0.04, 0.075, 0.06)
        layer.fill(f.to_image(curl), colour)


def _textured(layer: Layer, rgb: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(7)
    h, w = layer.alpha.shape
    strands = rng.normal(0, 1, (h, max(1, w // 2))).astype(np.float32)
    strands = cv2.resize(strands, (w, h), interpolation=cv2.INTER_LINEAR)
    strands = cv2.GaussianBlur(strands, (1, 7), 0)
    shade = np.clip(1 + strands[..., None] * 0.35, 0.4, 1.6)
    layer.colour = np.clip(layer.colour.astype(np.float32) * shade, 0, 255).astype(np.uint8)
    return layer.over(rgb)
