"""Build an engine's RenderRequest from the database: profile, history, references.

Once the owner's photo is deleted (avatars.retention) the avatar's first version stands in for
it: the picture an edit's history starts from, and a new take is drawn from; the request says
so (``source_is_version``), so Gemini is told it is an earlier avatar, not a selfie."""

from __future__ import annotations

from accounts.models import Profile
from accounts.services import profile_for_user
from avatars import images
from avatars.engines.base import EngineError, HistoryItem, ProfileContext, RenderRequest, get_engine
from avatars.faces import FaceAnalysis
from avatars.identity_photos.selectors import identity_pictures
from avatars.models import Avatar, Turn
from avatars.person import PersonMask
from avatars.selectors import take_queryset, take_rank, turn_ancestors
from avatars.services.likeness import source_faces_find, version_faces
from avatars.services.person import source_person_find, version_person
from pixme.errors import ApplicationError


def profile_context(*, profile: Profile) -> ProfileContext:
    return ProfileContext(
        display_name=profile.display_name,
        backstory=profile.backstory,
        palette=profile.palette_colours,
        traits=profile.traits,
        caption=profile.caption,
    )


def _open(field) -> images.Image.Image:
    with field.open("rb") as fh:
        return images.open_stored(fh.read())


def profile_references(*, profile: Profile) -> list[images.Image.Image]:
    """Up to 3 versions the user picked as identity references (their own, with an image)."""
    chosen = profile.references.select_related("avatar").filter(avatar__owner_id=profile.user_id)
    return [_open(ref.image) for ref in chosen.exclude(image="")[:3]]


def photo_stand_in(*, turn: Turn) -> Turn:
    """The version that stands in for a deleted photo when ``turn`` is drawn: the first
    version of its own branch (an edit's), else the best finished take of the avatar."""
    if turn.parent is not None:
        first = turn_ancestors(turn=turn.parent, limit=10_000)[0]
        if first.image:
            return first
    takes = take_queryset(avatar_id=turn.avatar_id).filter(status=Turn.Status.SUCCEEDED)
    drawn = sorted(takes.exclude(image=""), key=take_rank)
    if not drawn:
        deleted = turn.avatar.photo_deleted_at
        when = f" on {deleted:%d %b %Y}" if deleted else ""
        raise ApplicationError(
            f"Your photo was deleted{when}, and no version was drawn from it, so there is "
            "nothing left to draw from. Make a new avatar with a photo.",
            code="photo_deleted",
        )
    return drawn[0]


def _source(
    *, turn: Turn, avatar: Avatar
) -> tuple[images.Image.Image, FaceAnalysis | None, PersonMask | None, bool]:
    """The picture drawn from, its faces and where the person is in it, and whether it is a
    version standing in for the deleted photo."""
    if avatar.source:
        source = _open(avatar.source)
        faces = source_faces_find(avatar=avatar, source=source)
        return source, faces, source_person_find(avatar=avatar, source=source), False
    stand_in = photo_stand_in(turn=turn)
    return _open(stand_in.image), version_faces(stand_in), version_person(stand_in), True


def _identity_photos(turn: Turn) -> list[images.Image.Image]:
    """The owner's identity photos, as many as the turn's engine and model send (none read
    for an engine that takes no references)."""
    try:
        room = get_engine(turn.engine).capabilities(turn.model)["references"]
    except EngineError:
        return []  # the render itself says what is wrong with its engine or model
    return identity_pictures(user_id=turn.avatar.owner_id, limit=room) if room else []


def turn_render_request(*, turn: Turn) -> RenderRequest:
    avatar: Avatar = turn.avatar
    profile = profile_for_user(user=avatar.owner)
    source, faces, person, source_is_version = _source(turn=turn, avatar=avatar)
    history: list[HistoryItem] = []
    base_image = None
    if turn.kind == Turn.Kind.EDIT and turn.parent is not None:
        for earlier in turn_ancestors(turn=turn.parent):
            history.append(
                HistoryItem(
                    instruction=earlier.instruction,
                    model_text=earlier.model_text,
                    image=_open(earlier.image) if earlier.image else None,
                    model_content=earlier.model_content,
                )
            )
        base_image = history[-1].image if history else None
    references = profile_references(profile=profile)
    return RenderRequest(
        identity_photos=_identity_photos(turn),
        source=source,
        source_is_version=source_is_version,
        style_slug=avatar.style.recipe,
        style_prompt=avatar.style.prompt_template,
        instruction=turn.instruction,
        kind=turn.kind,
        base_image=base_image,
        history=history,
        profile=profile_context(profile=profile),
        references=references,
        faces=faces,
        base_faces=version_faces(turn.parent) if base_image is not None else None,
        person=person,
        base_person=version_person(turn.parent) if base_image is not None else None,
        model=turn.model,
        aspect_ratio=turn.aspect_ratio,
        image_size=turn.image_size,
        variant=turn.variant,
        style_strength=turn.style_strength,
    )
