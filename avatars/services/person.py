"""Where the person is, found once: in the selfie when its first version is drawn, in each
version after it is shown (beside its likeness) — kept like the faces, so a background edit
or a cut-out of that version never runs the model again."""

from __future__ import annotations

from PIL import Image

from avatars import person
from avatars.models import Avatar, Turn
from avatars.person import PersonMask


def source_person_find(*, avatar: Avatar, source: Image.Image) -> PersonMask:
    """The selfie's person mask: kept on the avatar after the first look."""
    if avatar.source_person:
        return PersonMask.from_dict(avatar.source_person)
    found = person.find(source)
    avatar.source_person = found.to_dict()
    # Not onto an avatar a moderator removed meanwhile (its selfie went with it).
    Avatar.objects.filter(pk=avatar.pk).exclude(source="").update(
        source_person=avatar.source_person
    )
    return found


def version_person(turn: Turn | None) -> PersonMask | None:
    """The person mask found in a finished version's own picture, if found yet."""
    if turn is None or not turn.person:
        return None
    return PersonMask.from_dict(turn.person)


def turn_person_find(*, turn: Turn, image: Image.Image) -> PersonMask | None:
    """Find and keep the person in a finished version's picture (None: it was removed or
    deleted meanwhile, and nothing is kept)."""
    found = person.find(image)
    kept = Turn.objects.filter(pk=turn.pk).exclude(image="").update(person=found.to_dict())
    if not kept:
        return None
    turn.person = found.to_dict()
    return found
