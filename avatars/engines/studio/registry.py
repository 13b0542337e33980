"""The studio's styles, by slug: one module each, every one a ``render(image, ctx)``."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from . import anime, comics, manga, neon, pencil_sketch, pixel_art, pop_art, vintage, zombie
from .common import StyleContext

StyleRender = Callable[[Image.Image, StyleContext], Image.Image]

STYLES: dict[str, tuple[str, StyleRender]] = {
    "comics": ("Comics", comics.render),
    "manga": ("Manga", manga.render),
    "zombie": ("Zombie", zombie.render),
    "pop-art": ("Pop Art", pop_art.render),
    "pixel-art": ("Pixel Art", pixel_art.render),
    "pencil-sketch": ("Pencil Sketch", pencil_sketch.render),
    "anime": ("Anime", anime.render),
    "vintage": ("Vintage", vintage.render),
    "neon": ("Neon", neon.render),
}
