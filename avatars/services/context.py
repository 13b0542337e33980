"""Build an engine's RenderRequest from the database: profile, history, references."""

from __future__ import annotations

from accounts.models import Profile
from accounts.services import profile_for_user
from avatars import images
from avatars.engines.base import EngineError, HistoryItem, ProfileContext, RenderRequest, get_engine
from avatars.identity_photos.selectors import identity_pictures
from avatars.models import Avatar, Turn
from avatars.selectors import turn_ancestors
from avatars.services.likeness import source_faces_find, version_faces
from avatars.services.person import source_person_find, version_person


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
    source = _open(avatar.source)
    faces = source_faces_find(avatar=avatar, source=source) if avatar.source else None
    person = source_person_find(avatar=avatar, source=source) if avatar.source else None
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
