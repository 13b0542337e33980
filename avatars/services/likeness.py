"""Faces, found once: the selfie's when its first version is drawn, each version's when its
likeness is measured — after the version is shown, off the path to "done"."""

from __future__ import annotations

import dataclasses
import logging

from PIL import Image

from avatars import faces
from avatars.faces import FaceAnalysis
from avatars.identity import likeness_to_photos
from avatars.identity_photos.selectors import identity_embeddings
from avatars.models import Avatar, Turn

logger = logging.getLogger(__name__)


def source_faces_find(*, avatar: Avatar, source: Image.Image) -> FaceAnalysis:
    """The selfie's faces (boxes and landmarks): kept on the avatar after the first look.

    Every later version and edit reuses them; the identity embedding, which only the
    likeness needs, is added after the first version is shown (:func:`turn_likeness_measure`).
    """
    if avatar.source_faces:
        return FaceAnalysis.from_dict(avatar.source_faces)
    found = faces.analyse(source, with_embedding=False)
    avatar.source_faces, avatar.face_note = found.to_dict(), found.note
    Avatar.objects.filter(pk=avatar.pk).update(
        source_faces=avatar.source_faces, face_note=avatar.face_note
    )
    return found


def version_faces(turn: Turn | None) -> FaceAnalysis | None:
    """The faces found in a finished version's own picture, if measured."""
    if turn is None or not turn.faces:
        return None
    return FaceAnalysis.from_dict(turn.faces)


def _source_with_embedding(avatar: Avatar) -> FaceAnalysis | None:
    if not avatar.source_faces:
        return None
    source = FaceAnalysis.from_dict(avatar.source_faces)
    if source.embedding is not None or source.face is None or not avatar.source:
        return source
    with avatar.source.open("rb") as fh:
        selfie = Image.open(fh)
        selfie.load()
    # The face is known already: only its embedding is computed, never a second detection.
    source = dataclasses.replace(source, embedding=faces.embed(selfie.convert("RGB"), source.face))
    # Not onto an avatar a moderator removed meanwhile (its selfie and faces went with it).
    Avatar.objects.filter(pk=avatar.pk).exclude(source="").update(source_faces=source.to_dict())
    avatar.source_faces = source.to_dict()
    return source


def turn_likeness_measure(*, turn: Turn, image: Image.Image) -> float | None:
    """Measure a finished version's likeness and keep it with its faces (the after-work
    announces it when it is all done: avatars.services.after_work).

    To the selfie alone; or, when the owner has identity photos, the mean of the distances
    to the selfie and to each of them (avatars.identity's ``RANKING``, the selfie counted as
    one of the photos), with how many photos were compared — and takes are ranked by it.
    """
    source = _source_with_embedding(turn.avatar)
    if source is None:
        return None
    distance, found = faces.likeness_and_faces(source, image)
    identity = identity_embeddings(user_id=turn.avatar.owner_id) if distance is not None else []
    if identity:
        distance = likeness_to_photos([source.embedding, *identity], found.embedding).value()
    kept = (
        Turn.objects.filter(pk=turn.pk)
        .exclude(image="")
        .update(likeness=distance, likeness_photos=len(identity), faces=found.to_dict())
    )
    if not kept:  # removed by a moderator, or deleted, while it was measured
        return None
    turn.likeness, turn.likeness_photos, turn.faces = distance, len(identity), found.to_dict()
    return distance


def source_embedding_keep(*, avatar: Avatar) -> None:
    """Before the selfie goes while its avatar stays: its face embedding, computed now if no
    likeness was measured yet, is kept on the avatar, so later versions' likeness can still be
    measured against it (avatars.retention)."""
    _source_with_embedding(avatar)
