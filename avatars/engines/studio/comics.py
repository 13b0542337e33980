"""Comics: bold ink outlines from edges (and a bolder one around the person), flat quantised
colour, Ben-Day halftone dots."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from .common import (
    StyleContext,
    grow,
    ink_lines,
    kmeans_colours,
    paint,
    pull_toward_palette,
    saturate,
    smooth_reduced,
    to_array,
)
from .masks import outline
from .screens import dot_screen
from .skin_tone import face_skin, keep_skin_tone

INK = np.array([18, 14, 22], np.uint8)
# The grey level of skin that takes hardly any dots (a light skin's, as the dots were tuned).
SKIN_DOTS = 150

# Whether skin must keep its tone here (avatars.skin):
# Flat colours drawn from the photo's own: skin stays its tone.
NATURAL_COLOUR = True


class Take(NamedTuple):
    colours: int  # flat colours
    saturation: float
    dots: float  # the dot screen's pitch: the picture's size over this
    angle: float  # the dot screen's angle, degrees
    ink: int  # the ink threshold's offset: lower draws more lines


# The classic page first; then fewer, louder colours on a coarse screen; a finer, quieter
# print; a four-colour poster with heavy ink.
TAKES = (
    Take(8, 1.35, 110, 45, 6),
    Take(6, 1.6, 75, 15, 5),
    Take(11, 1.15, 150, 75, 7),
    Take(5, 1.8, 60, 30, 4),
)


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    size = max(h, w)
    take = ctx.take(TAKES)
    # Strength: closer to the photo is more flat colours, truer colour, a finer screen and
    # less ink; stronger is fewer, louder colours, coarse dots and heavy ink.
    colours = ctx.at(min(2 * take.colours, 20), take.colours, max(3, take.colours - 3))
    saturation = ctx.at(1.0, take.saturation, take.saturation * 1.2)
    ink = take.ink
    ctx.step(10, "Smoothing skin and shapes")
    smoothed = smooth_reduced(rgb, passes=ctx.at(1, 2, 3), strength=ctx.at(40, 70, 90))
    flat = grow(saturate(smoothed, saturation, 1.05), w, h)
    ctx.step(35, "Flattening the colours")
    centres, labels = kmeans_colours(flat, colours)
    centres = pull_toward_palette(centres, ctx.palette, ctx.at(0.3, 0.55, 0.75))
    ctx.step(60, "Printing the halftone dots")
    # Ben-Day dots in the shadows: darker areas get bigger dots of a deeper shade.
    lum = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (0, 0), size / 400)
    lum = lum.astype(np.float32)
    skin = face_skin(rgb, ctx.faces, ctx.person_area(rgb))
    if skin is not None and (lift := SKIN_DOTS - float(np.median(lum[skin[2]]))) > 0:
        # Dots shade what is darker than the skin itself, not darker than light skin: on
        # darker skin, dots keyed to one lightness for all covered the face and darkened it.
        lum += cv2.GaussianBlur(skin[1].astype(np.float32), (0, 0), size / 300) * lift
    shadow = np.clip((150 - lum) / 110, 0, 1)
    pitch = ctx.at(take.dots * 1.6, take.dots, take.dots * 0.7)
    dist = dot_screen(lum.shape, spacing=max(5.0, size / pitch), angle_degrees=take.angle)
    radius = 0.18 + 0.42 * shadow
    dots = (dist < radius) & (shadow > 0.05)
    ctx.step(80, "Inking the outlines")
    lines = ink_lines(rgb, c=ink, thicken=max(1, round(size / ctx.at(768, 512, 256))))
    edges = cv2.Canny(cv2.GaussianBlur(to_gray(flat), (5, 5), 0), 60, 140) > 0
    edges = cv2.dilate(edges.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
    # One palette: the flat colours, their dot shades, then ink; each pixel picks one.
    shades = (centres.astype(np.float32) * 0.55).astype(np.uint8)
    palette = np.vstack([centres, shades, INK[None]])
    index = labels + dots.astype(np.uint8) * colours
    index[lines | edges] = 2 * colours
    person = ctx.person_alpha(rgb)
    if person is not None:
        # A bold ink line around the figure, as a penciller would ink it: the person reads
        # first, whatever the background does.
        index[outline(person, size / ctx.at(250, 170, 110))] = 2 * colours
    # The face's skin in the photo's own tone (the flat colours drifted from it).
    # A comic stays flat: at most 24 colours by default, a few more where there are more cels.
    palette, index = keep_skin_tone(
        palette,
        index,
        rgb,
        ctx.faces,
        fixed=(2 * colours,),
        room=max(24, len(palette) + 4),
        found_skin=skin,
    )
    return Image.fromarray(paint(index, palette), "RGB")


def to_gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
