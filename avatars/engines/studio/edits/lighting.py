"""Light and colour edits: warmer, cooler, brighter, darker, more contrast, black and white."""

from __future__ import annotations

import numpy as np

from ..common import luminance


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def warmer(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float32)
    return _clip(x * (1.08, 1.01, 0.84) + (10, 4, -2))


def cooler(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float32)
    return _clip(x * (0.86, 0.99, 1.08) + (-4, 2, 12))


def brighter(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float32) / 255.0
    return _clip(255.0 * np.power(x, 0.75) * 1.03)


def darker(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float32) / 255.0
    return _clip(255.0 * np.power(x, 1.35) * 0.9)


def contrast(rgb: np.ndarray) -> np.ndarray:
    """A stronger S-curve around the picture's mean brightness; colours keep their hue."""
    x = rgb.astype(np.float32)
    mean = float(luminance(rgb).mean())
    return _clip((x - mean) * 1.35 + mean)


def softer(rgb: np.ndarray) -> np.ndarray:
    """Less contrast: pulled towards the mean brightness, shadows lifted a little."""
    x = rgb.astype(np.float32)
    mean = float(luminance(rgb).mean())
    return _clip((x - mean) * 0.75 + mean + 4)


def mono(rgb: np.ndarray) -> np.ndarray:
    y = luminance(rgb)
    return _clip(np.repeat(y[..., None], 3, axis=2))


LIGHT = {
    "warmer": (warmer, "warmed the light"),
    "cooler": (cooler, "cooled the light"),
    "brighter": (brighter, "brightened it"),
    "darker": (darker, "darkened it"),
    "contrast": (contrast, "added contrast"),
    "softer": (softer, "softened the contrast"),
}
