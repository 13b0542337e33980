"""What the rest of the app reads of a user's identity photos: their embeddings for the
likeness (avatars.services.likeness), their pictures for an engine's references
(avatars.services.context). Apart from the services, which decode uploads through
avatars.services (whose likeness reads these)."""

from __future__ import annotations

from avatars import faces, images
from avatars.identity import ANGLES
from avatars.models import IdentityPhoto


def identity_embeddings(*, user_id: int) -> list[tuple[float, ...]]:
    """The identity embeddings of the user's photos, oldest first (each found when added)."""
    found = []
    for analysis in IdentityPhoto.objects.filter(owner_id=user_id).values_list("faces", flat=True):
        embedding = faces.FaceAnalysis.from_dict(analysis).embedding
        if embedding is not None:
            found.append(tuple(embedding))
    return found


def identity_pictures(*, user_id: int, limit: int) -> list[images.Image.Image]:
    """Up to ``limit`` of the user's photos as pictures (the guided sequence's order: front,
    left, right, smile, other; oldest first within an angle), for an engine to hold the
    identity with."""
    order = {angle: index for index, angle in enumerate(ANGLES)}
    photos = sorted(
        IdentityPhoto.objects.filter(owner_id=user_id),
        key=lambda p: (order.get(p.angle, len(order)), p.created_at, p.pk),
    )
    pictures = []
    for photo in photos[:limit]:
        with photo.photo.open("rb") as fh:
            pictures.append(images.open_stored(fh.read()))
    return pictures
