"""A quick look before anything is spent: the studio at low resolution, and its likeness.

What a "more me ↔ more style" slider shows while it is dragged (and what a preview API
returns): the style drawn at ``PREVIEW_SIDE`` px on the long side from a photo whose face was
found already (the site keeps it: ``Avatar.source_faces``, with its embedding after the first
version), and the likeness of what was drawn. Nothing is searched for again: the face is
where the style drew it (:func:`.registry.faces_drawn`), so its embedding is read there.

That reading is one pass of dlib's network, 70-75 ms of one core here, more than the picture
(2-30 ms at 256 px): ``with_likeness=False`` draws the picture alone, for the frames of a
drag, and the likeness is asked for when the slider rests (``bench/preview.py``). It is the
likeness of the small picture, which reads less alike than the avatar will at full size,
most for a face small in its photo: the figures are in README ("Style strength").

With Gemini as the engine this is the studio's approximation of the style, and says so
where it is shown; the model draws its own picture.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PIL import Image

from avatars import faces as face_analysis
from avatars.engines.base import STYLE_STRENGTH_DEFAULT, BadRequest, style_strength_check
from avatars.faces import FaceAnalysis, embedding_distance, likeness_words
from avatars.person import PersonMask

from . import crop_to_ratio, hex_to_rgb
from .common import StyleContext
from .registry import STYLES, faces_drawn
from .sizes import fit_to_side

PREVIEW_SIDE = 256


@dataclass(frozen=True)
class Preview:
    image: Image.Image  # RGB, at most PREVIEW_SIDE on its long side
    likeness: float | None  # the face's distance to the photo's (None: no face in the photo)

    @property
    def words(self) -> str:
        return likeness_words(self.likeness)


def studio_preview(
    *,
    photo: Image.Image,
    faces: FaceAnalysis,
    style_slug: str,
    style_strength: int = STYLE_STRENGTH_DEFAULT,
    person: PersonMask | None = None,
    palette: tuple[str, ...] = (),
    aspect_ratio: str = "",
    side: int = PREVIEW_SIDE,
    with_likeness: bool = True,
) -> Preview:
    """The studio's ``style_slug`` at ``style_strength`` drawn from ``photo`` at ``side`` px,
    and its likeness to the photo's face.

    ``faces`` are the photo's (found once, at any size of it); give them with their
    embedding, as the site keeps them, or it is computed here first (one more pass of the
    network). ``person`` is the photo's person mask, if found (the styles that use it draw
    without it otherwise). ``palette`` is the profile's ("#rrggbb"). BadRequest for a style
    the studio doesn't draw or a strength outside 0-100. ``with_likeness=False``: the
    picture alone (``likeness`` None), several times faster."""
    if style_slug not in STYLES:
        raise BadRequest(f"The studio can't draw the style {style_slug!r} yet.")
    strength = style_strength_check(style_strength)
    image = photo.convert("RGB")
    if (faces.width, faces.height) != image.size:
        faces = faces.scaled_to(*image.size)
    if with_likeness and faces.embedding is None and faces.face is not None:
        faces = dataclasses.replace(faces, embedding=face_analysis.embed(image, faces.face))
    if aspect_ratio:
        image, faces, person = crop_to_ratio(image, faces, aspect_ratio, person)
    small, small_faces = fit_to_side(image, faces, side)
    _name, style = STYLES[style_slug]
    ctx = StyleContext(
        faces=small_faces,
        palette=tuple(hex_to_rgb(c) for c in palette),
        person=person,
        strength=strength,
    )
    out = style(small, ctx)
    if not with_likeness:
        return Preview(out, None)
    drawn = faces_drawn(style_slug, small_faces, *out.size)
    if drawn.face is None or faces.embedding is None:
        return Preview(out, None)
    embedding = face_analysis.embed(out, drawn.face)
    return Preview(out, embedding_distance(faces.embedding, embedding))
