"""Screens and grain the styles print with: halftone dots, line screens, seeded noise, a
vignette. Deterministic: noise comes from fixed seeds."""

from __future__ import annotations

import cv2
import numpy as np


def _grid(shape) -> tuple[np.ndarray, np.ndarray]:
    """Column and row coordinates as a row and a column (they broadcast to ``shape``)."""
    h, w = shape
    return np.arange(w, dtype=np.float32)[None, :], np.arange(h, dtype=np.float32)[:, None]


def dot_screen(shape, *, spacing: float, angle_degrees: float = 45.0):
    """Distance (in cell units, 0 at a dot centre, ~0.7 at the farthest point) to the nearest
    dot of a rotated square grid with ``spacing`` pixels between dots."""
    xx, yy = _grid(shape)
    a = np.radians(angle_degrees)
    cos, sin = np.float32(np.cos(a) / spacing), np.float32(np.sin(a) / spacing)
    u = xx * cos + yy * sin
    v = yy * cos - xx * sin
    u -= np.round(u)
    v -= np.round(v)
    return np.sqrt(u * u + v * v)


def line_screen(shape, *, spacing: float, angle_degrees: float):
    """Distance (cell units, 0-0.5) to the nearest line of a rotated line screen."""
    xx, yy = _grid(shape)
    a = np.radians(angle_degrees)
    u = xx * np.float32(np.cos(a) / spacing) + yy * np.float32(np.sin(a) / spacing)
    u -= np.round(u)
    return np.abs(u, out=u)


def noise(shape, *, seed: int, scale: float = 1.0) -> np.ndarray:
    """Deterministic grain, float32 with mean 0 and std ~1, optionally blurred by ``scale``.

    Drawn from a uniform distribution (a quarter of the cost of a normal one; as grain the
    two look the same, and blurred they are the same). Blurred grain has no detail finer
    than ``scale``, so it is drawn at a fraction of the size and scaled up."""
    h, w = shape
    factor = max(1, int(scale / 2.5))
    small = (max(1, -(-h // factor)), max(1, -(-w // factor)))
    n = np.random.default_rng(seed).random(small, dtype=np.float32)
    n -= 0.5
    if scale <= 1:
        n *= np.float32(12**0.5)
        return n
    sigma = scale / factor
    k = int(sigma * 3) | 1
    n = cv2.GaussianBlur(n, (k, k), sigma)
    if factor > 1:
        n = cv2.resize(n, (small[1] * factor, small[0] * factor), interpolation=cv2.INTER_CUBIC)
        n = np.ascontiguousarray(n[:h, :w])
    n /= n.std() + 1e-6
    return n


def vignette(shape, strength: float = 0.5, center=None) -> np.ndarray:
    """A multiplier map: 1 in the centre, 1 - strength in the far corners."""
    h, w = shape
    cy, cx = center or (h / 2, w / 2)
    xx, yy = _grid(shape)
    # r² = (dx² + dy²) / 2 with dx, dy in half-sizes: no square root needed.
    r2 = (((xx - cx) / (w / 2)) ** 2 + ((yy - cy) / (h / 2)) ** 2) / 2
    return 1 - strength * np.minimum(r2, 1)
