"""Downloads: each format of a version encoded once and kept, never per request."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image

from avatars import images
from avatars.models import Turn
from avatars.provenance.services import turn_credentials_try
from pixme.media_files import prune_empty_folder


def turn_webp_store(*, turn: Turn, image: Image.Image | None = None) -> FieldFile:
    """Encode the version's full-size WebP and keep it with the version (done once)."""
    if image is None:
        with turn.image.open("rb") as fh:
            image = images.open_stored(fh.read())
    data = images.encode_webp(
        image, engine=turn.engine, style=turn.avatar.style.slug, model=turn.model or turn.engine
    )
    # Last: any re-encode after it would drop the manifest.
    data, signed = turn_credentials_try(turn, data, mime="image/webp")
    if not signed:
        Turn.objects.filter(pk=turn.pk).update(signed=False)
    turn.webp.save(f"v{turn.number}.webp", ContentFile(data), save=False)
    if not Turn.objects.filter(pk=turn.pk, webp="").exclude(image="").update(webp=turn.webp.name):
        # Another request stored one first (keep theirs), or the version was removed or
        # deleted meanwhile (then there is none: the views answer 404).
        name = turn.webp.name
        turn.webp.delete(save=False)
        prune_empty_folder(storage=turn.webp.storage, name=name)
        turn.webp = Turn.objects.filter(pk=turn.pk).values_list("webp", flat=True).first() or ""
    return turn.webp


def turn_webp(*, turn: Turn) -> FieldFile:
    """The version's WebP download: the stored one, made now for versions from before.
    Empty when the version's picture is gone (removed by a moderator, deleted)."""
    if turn.webp:
        return turn.webp
    return turn_webp_store(turn=turn)
