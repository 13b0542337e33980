"""Skin tone kept: each version's skin measured against the photo's (avatars.skin), after it
is shown (its after-work, beside the likeness). The retake that asks for the photo's tone
back is :mod:`avatars.services.skin_retake`."""

from __future__ import annotations

from PIL import Image

from avatars import images
from avatars.faces import FaceAnalysis
from avatars.models import Avatar, Turn
from avatars.services.likeness import version_faces
from avatars.skin import SkinCheck, skin_compare


def turn_skin_measure(*, turn: Turn, image: Image.Image) -> SkinCheck | None:
    """Measure the version's skin against the photo's and keep it on the version (None: no
    face in either to measure, and nothing is kept). Call after its likeness, which finds
    the version's faces."""
    avatar: Avatar = turn.avatar
    found = version_faces(turn)
    if not avatar.source or not avatar.source_faces or found is None or found.face is None:
        return None
    photo_faces = FaceAnalysis.from_dict(avatar.source_faces)
    with avatar.source.open("rb") as fh:
        photo = images.open_stored(fh.read())
    if photo_faces.face is None:
        return None
    if (photo_faces.width, photo_faces.height) != photo.size:
        photo_faces = photo_faces.scaled_to(*photo.size)
    if (found.width, found.height) != image.size:
        found = found.scaled_to(*image.size)
    check = skin_compare(
        photo=photo,
        photo_face=photo_faces.face,
        version=image,
        version_face=found.face,
        style_slug=avatar.style.recipe,
    )
    if check is None:
        return None
    kept = Turn.objects.filter(pk=turn.pk).exclude(image="").update(skin_tone=check.to_dict())
    if not kept:  # removed by a moderator, or deleted, while it was measured
        return None
    turn.skin_tone = check.to_dict()
    return check
