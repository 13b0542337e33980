"""Downloads: each format of a version encoded once and kept, never per request."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image

from avatars import images
from avatars.models import Turn


def turn_webp_store(*, turn: Turn, image: Image.Image | None = None) -> FieldFile:
    """Encode the version's full-size WebP and keep it with the version (done once)."""
    if image is None:
        with turn.image.open("rb") as fh:
            image = images.open_stored(fh.read())
    data = images.encode_webp(
        image, engine=turn.engine, style=turn.avatar.style.slug, model=turn.model or turn.engine
    )
    turn.webp.save(f"v{turn.number}.webp", ContentFile(data), save=False)
    if not Turn.objects.filter(pk=turn.pk, webp="").update(webp=turn.webp.name):
        # Another request stored one first (or the version is gone): keep theirs.
        turn.webp.delete(save=False)
        turn.refresh_from_db(fields=["webp"])
    return turn.webp


def turn_webp(*, turn: Turn) -> FieldFile:
    """The version's WebP download: the stored one, made now for versions from before."""
    if turn.webp:
        return turn.webp
    return turn_webp_store(turn=turn)
