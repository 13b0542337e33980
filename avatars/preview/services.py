"""A preview of a style at a style strength, from a photo being chosen or an avatar's own
selfie: the studio's fast drawing (avatars.engines.studio.preview) at most 256 px, as WebP,
with its likeness to the photo. Nothing is stored and nothing is queued."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from avatars import faces, images
from avatars.engines.base import STYLE_STRENGTH_DEFAULT, EngineError, get_engine
from avatars.engines.studio.preview import PREVIEW_SIDE, studio_preview
from avatars.models import Avatar, Style
from avatars.person import PersonMask
from avatars.services.avatars import source_normalise
from avatars.services.likeness import source_faces_find
from avatars.services.limits import style_strength_check
from pixme.errors import ApplicationError

# Small and fast: a preview is looked at for a moment, and drawn again at the next move.
WEBP_QUALITY = 80


@dataclass(frozen=True)
class PreviewPicture:
    webp: bytes
    width: int
    height: int
    likeness: float | None  # the face-embedding distance to the photo's face (None: no face)
    words: str  # "strong likeness, compared with your photo" ('' when not measured)
    measured: bool  # whether the likeness was asked for
    approximation: bool  # the chosen engine draws its own picture: this is the studio's


def _decoded_small(stored: bytes) -> Image.Image:
    """A stored selfie (our own JPEG) decoded at no less than twice the preview's side: JPEG
    decodes at 1/2, 1/4 or 1/8 of its size for a fraction of the work of the whole."""
    with Image.open(io.BytesIO(stored)) as opened:
        opened.draft("RGB", (PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
        return opened.convert("RGB")


def preview_draw(
    *,
    style: Style,
    style_strength: object = STYLE_STRENGTH_DEFAULT,
    engine: str = "studio",
    photo: BinaryIO | None = None,
    photo_size: int | None = None,
    avatar: Avatar | None = None,
    with_likeness: bool = True,
) -> PreviewPicture:
    """Draw ``style`` at ``style_strength`` from ``photo`` (an upload, checked like any) or
    from ``avatar``'s selfie (the caller has checked it is the user's), with the likeness of
    what was drawn. ``engine`` is the one the user chose: with any but the studio the
    preview is the studio's approximation and says so. ``with_likeness=False``: the picture
    alone, several times faster (the frames of a drag; the likeness when the slider rests)."""
    strength = style_strength_check(style_strength=style_strength)
    if (photo is None) == (avatar is None):
        raise ApplicationError("Send a photo, or name one of your avatars, to preview.")
    if not style.enabled:
        raise ApplicationError(f"The {style.name} style isn't available right now.")
    if not get_engine("studio").supports_style(style.recipe):
        raise ApplicationError(f"There is no preview of the {style.name} style yet.")
    person = None
    if avatar is not None:
        if not avatar.source:
            raise ApplicationError("This avatar's photo is gone: there is nothing to preview.")
        with avatar.source.open("rb") as fh:
            stored = fh.read()
        # The faces are kept after the first version; until then they are found here once,
        # on the whole photo. The preview itself needs no more than twice its side.
        if avatar.source_faces:
            source = _decoded_small(stored)
            found = source_faces_find(avatar=avatar, source=source)
        else:
            found = source_faces_find(avatar=avatar, source=images.open_stored(stored))
            source = _decoded_small(stored)
        if avatar.source_person:
            person = PersonMask.from_dict(avatar.source_person)
    else:
        source = source_normalise(upload=photo, size=photo_size).image
        found = faces.analyse(source, with_embedding=True)
    try:
        drawn = studio_preview(
            photo=source,
            faces=found,
            style_slug=style.recipe,
            style_strength=strength,
            person=person,
            side=PREVIEW_SIDE,
            with_likeness=with_likeness,
        )
    except EngineError as exc:
        raise ApplicationError(exc.message, code="bad_option") from None
    words = drawn.words if with_likeness else ""
    if drawn.likeness is not None:
        # The hook the identity photos fill lives with the versions' words (selectors).
        words = f"{words}, {faces.likeness_compared_words(photos=1)}"
    return PreviewPicture(
        webp=images.encode_webp(
            drawn.image, engine="studio", style=style.slug, model="", quality=WEBP_QUALITY
        ),
        width=drawn.image.width,
        height=drawn.image.height,
        likeness=drawn.likeness,
        words=words,
        measured=with_likeness,
        approximation=engine != "studio",
    )
