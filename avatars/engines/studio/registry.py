"""The studio's styles, by slug: one module each, every one a ``render(image, ctx)`` and a
``NATURAL_COLOUR`` flag (whether it keeps the photo's colours, skin included, or changes them
on purpose: see :mod:`avatars.skin`)."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from avatars.faces import FaceAnalysis

from . import anime, comics, manga, neon, pencil_sketch, pixel_art, pop_art, vintage, zombie
from .common import StyleContext

StyleRender = Callable[[Image.Image, StyleContext], Image.Image]

_MODULES = {
    "comics": ("Comics", comics),
    "manga": ("Manga", manga),
    "zombie": ("Zombie", zombie),
    "pop-art": ("Pop Art", pop_art),
    "pixel-art": ("Pixel Art", pixel_art),
    "pencil-sketch": ("Pencil Sketch", pencil_sketch),
    "anime": ("Anime", anime),
    "vintage": ("Vintage", vintage),
    "neon": ("Neon", neon),
}
STYLES: dict[str, tuple[str, StyleRender]] = {
    slug: (name, module.render) for slug, (name, module) in _MODULES.items()
}
# Styles that keep natural colour: a face's skin must come out its own tone in them.
NATURAL_COLOUR: dict[str, bool] = {
    slug: module.NATURAL_COLOUR for slug, (_name, module) in _MODULES.items()
}


def faces_drawn(slug: str, faces: FaceAnalysis, width: int, height: int) -> FaceAnalysis:
    """Where ``faces`` — found in the picture a style was given — are in what it drew
    (``width`` × ``height``), without looking for them again: every style draws over the
    picture in place, Pixel Art trims a few pixels from each side to whole cells (centred),
    Pop Art repeats it in four panels (the first is taken)."""
    if slug == "pop-art":
        faces = pop_art.first_panel(faces)
    dx, dy = (faces.width - width) // 2, (faces.height - height) // 2
    if (dx, dy) == (0, 0):
        return faces
    moved = tuple(face.moved(-dx, -dy) for face in faces.faces)
    return FaceAnalysis(width, height, moved, faces.embedding)
