"""Pop Art: a 2×2 Warhol grid of posterised, high-contrast panels in four loud palettes, the
person on a flat field of each panel's light colour."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from avatars.faces import FaceAnalysis

from .common import RGB, StyleContext, ink_lines, paint, smooth, to_array
from .masks import outline

# Each palette: background, mid-tone (skin), shadow, ink — darkest last.
PALETTES: tuple[tuple[RGB, RGB, RGB, RGB], ...] = (
    ((255, 222, 0), (255, 105, 180), (0, 158, 224), (25, 20, 60)),
    ((0, 200, 120), (255, 160, 40), (220, 20, 60), (30, 10, 40)),
    ((255, 90, 30), (130, 230, 255), (120, 40, 200), (20, 20, 20)),
    ((190, 100, 255), (255, 240, 90), (0, 170, 110), (40, 0, 30)),
    # Later takes print with these too (see TAKES).
    ((0, 220, 220), (255, 120, 120), (40, 60, 200), (10, 20, 50)),
    ((255, 250, 235), (250, 60, 60), (20, 20, 20), (0, 0, 0)),
    ((255, 170, 0), (120, 255, 120), (230, 0, 120), (30, 0, 60)),
    ((150, 220, 255), (255, 210, 230), (255, 60, 0), (20, 30, 30)),
)
# Each take: which four palettes its panels print in (from PALETTES), and where the tones are
# cut (percentiles: more shadow or more light). The classic sheet first.
TAKES = (
    ((0, 1, 2, 3), (30, 62, 85)),
    ((4, 5, 6, 7), (22, 52, 80)),
    ((2, 7, 0, 5), (38, 70, 90)),
    ((6, 3, 4, 1), (26, 48, 72)),
)

# Whether skin must keep its tone here (avatars.skin):
# Each panel prints the face in a loud palette on purpose.
NATURAL_COLOUR = False


def _palettes(ctx: StyleContext):
    chosen = tuple(PALETTES[i] for i in ctx.take(TAKES)[0])
    if len(ctx.palette) < 2:
        return chosen
    # The profile's palette leads the first panel: sorted light to dark.
    own = sorted(ctx.palette[:4], key=lambda c: -(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]))
    while len(own) < 4:
        own.append(chosen[0][len(own)])
    return (tuple(own),) + chosen[1:]


def levels(cuts: tuple[float, ...], count: int) -> tuple[tuple[float, ...], np.ndarray]:
    """Where to cut the tones for ``count`` levels (percentiles) and where each level sits
    between ink (0) and the light colour (1). Four levels are the take's own cuts and the
    palette's own four colours; more keep more of the face's shading, fewer flatten it."""
    if count == 4:
        return cuts, np.array([0.0, 1 / 3, 2 / 3, 1.0])
    # The take's cuts as a curve from tone rank to percentile, read at other ranks.
    curve = np.interp(np.arange(1, count) / count, [0, 0.25, 0.5, 0.75, 1], [0, *cuts, 100])
    return tuple(curve), np.linspace(0.0, 1.0, count)


def _inks(palette, places: np.ndarray) -> np.ndarray:
    """The colours at ``places`` (0-1) along ink → shadow → mid → light."""
    path = np.array([palette[3], palette[2], palette[1], palette[0]], np.float32)
    at = places * 3
    return np.stack([np.interp(at, np.arange(4), path[:, c]) for c in range(3)], 1).round()


def render(image: Image.Image, ctx: StyleContext) -> Image.Image:
    rgb = to_array(image)
    h, w = rgb.shape[:2]
    ph, pw = h // 2, w // 2
    ctx.step(10, "Cutting four panels")
    panel = cv2.resize(rgb, (pw, ph), interpolation=cv2.INTER_AREA)
    # Strength: closer to the photo keeps its fine shapes, more tones and less ink;
    # stronger smooths them away, flattens to three tones and inks heavily.
    panel = smooth(panel, passes=ctx.at(0, 1, 2), strength=ctx.at(30, 50, 70))
    g = cv2.cvtColor(panel, cv2.COLOR_RGB2GRAY).astype(np.float32)
    g = cv2.equalizeHist(g.astype(np.uint8)).astype(np.float32)
    ctx.step(35, "Posterising")
    # Levels by the panel's own quantiles: every panel gets all its colours.
    cuts, places = levels(ctx.take(TAKES)[1], ctx.at(7, 4, 3))
    level = np.digitize(g, np.percentile(g, cuts))  # 0 darkest … lightest
    lines = ink_lines(panel, c=ctx.at(12, 8, 6))
    index = level.astype(np.uint8)
    index[lines] = 0  # ink
    person = ctx.person_alpha(rgb)
    if person is not None:
        # Warhol's screens: the figure on a flat field of the panel's light colour, with an
        # ink line around it, instead of the room behind the sitter in four loud colours.
        alpha = cv2.resize(person, (pw, ph), interpolation=cv2.INTER_AREA)
        index[alpha < 0.5] = len(places) - 1
        index[outline(alpha, max(pw, ph) / ctx.at(220, 150, 100))] = 0
    out = np.zeros((h, w, 3), np.uint8)
    for i, palette in enumerate(_palettes(ctx)):
        ctx.step(45 + 12 * i, f"Printing panel {i + 1} of 4")
        if len(places) == 4:
            ink, shadow, mid, light = palette[3], palette[2], palette[1], palette[0]
            inks = np.array([ink, shadow, mid, light], np.uint8)
        else:
            inks = _inks(palette, places).astype(np.uint8)
        y, x = (i // 2) * ph, (i % 2) * pw
        out[y : y + ph, x : x + pw] = paint(index, inks)
    # Fill any odd last row/column and draw thin gutters between the panels.
    if h > 2 * ph:
        out[2 * ph :] = out[2 * ph - 1]
    if w > 2 * pw:
        out[:, 2 * pw :] = out[:, 2 * pw - 1 : 2 * pw]
    gutter = max(2, round(min(h, w) / 200))
    out[ph - gutter // 2 : ph + (gutter + 1) // 2] = 255
    out[:, pw - gutter // 2 : pw + (gutter + 1) // 2] = 255
    return Image.fromarray(out, "RGB")


def first_panel(faces: FaceAnalysis) -> FaceAnalysis:
    """Where ``faces`` (found in the picture the style was given) land in the first panel:
    every panel is the whole picture at half its size."""
    half = faces.scaled_to(faces.width // 2, faces.height // 2)
    return FaceAnalysis(faces.width, faces.height, half.faces, faces.embedding)
