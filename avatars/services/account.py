"""The avatars' part of a person's account (accounts.signals): what their profile may choose
(an engine, a model), what a profile change means for their avatars (blocked words flag the
shared ones), and their avatars in the export and in the account's deletion.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch

from accounts.models import Profile, User
from accounts.receipts import Deletion
from avatars.engines.base import EngineError, configured_engines, get_engine
from avatars.models import Avatar, Report, Turn
from avatars.moderation.flags import profile_flag_check
from avatars.moderation.rules import avatar_moderation_refusal
from avatars.services.avatars import avatar_delete
from avatars.services.limits import user_lock
from pixme.errors import ApplicationError

if TYPE_CHECKING:
    from accounts.leaving import ExportWriter


def profile_engine_check(*, profile: Profile, data: dict, **kwargs) -> None:
    """A profile's default engine must be one this site offers, and its model one that engine
    draws with (an old model name is read as its replacement)."""
    engine = data.get("default_engine")
    if engine:
        offered = [slug for slug, _label in configured_engines()]
        if engine not in offered:
            raise ApplicationError(
                f"There's no engine {engine!r} here. Choose one of: {', '.join(offered)}."
            )
        if engine != profile.default_engine and "default_model" not in data:
            data["default_model"] = ""  # the old engine's model means nothing to the new one
    if data.get("default_model"):
        try:
            data["default_model"] = get_engine(engine or profile.default_engine).resolve_model(
                data["default_model"]
            )
        except EngineError as exc:
            raise ApplicationError(exc.message, code="bad_option") from None


def profile_changed_flag(*, profile: Profile, fields: set[str], **kwargs) -> None:
    profile_flag_check(profile=profile, changed=fields)


def profile_engine_choices(**kwargs) -> dict:
    return {"engines": configured_engines()}


def account_avatars_export(*, user: User, writer: ExportWriter, **kwargs) -> dict:
    """The user's avatars with their history, each selfie and version's PNG as stored beside
    it, and the reports they made. Thumbnails stay out: they are small copies of the PNGs. A
    hidden or removed avatar's versions stay out too, as its downloads do: it is listed with
    the decision, saying why in the download's words (``pictures_left_out``; the rule:
    avatars.moderation.rules)."""
    avatars = (
        Avatar.objects.filter(owner=user)
        .select_related("style")
        .prefetch_related(Prefetch("turns", queryset=Turn.objects.order_by("number")))
        .order_by("created_at", "id")
    )
    return {
        "avatars": [_avatar_history(writer, avatar) for avatar in avatars],
        "reports": _reports(user),
    }


def account_avatars_delete(*, user: User, deletion: Deletion, **kwargs) -> None:
    """Every avatar of the user's, each through avatar_delete (which locks it and reads its
    files into the account's receipt, ``deletion``); no new one can start while the account
    goes."""
    user_lock(user=user)
    avatars = list(Avatar.objects.filter(owner=user).order_by("created_at", "id"))
    for avatar in avatars:
        avatar_delete(avatar=avatar, account=deletion)
    if avatars:
        deletion.also_deleted.append(
            f"{len(avatars)} avatar{'s' if len(avatars) != 1 else ''} with their history, "
            "and the measurements of your face taken from their photos"
        )


def _avatar_history(writer: ExportWriter, avatar: Avatar) -> dict:
    folder = f"avatars/{avatar.pk}-{avatar.style.slug}"
    turns = list(avatar.turns.all())
    numbers = {turn.pk: turn.number for turn in turns}
    left_out = avatar_moderation_refusal(avatar=avatar, doing="downloaded")
    return {
        "id": avatar.pk,
        "title": avatar.title,
        "style": avatar.style.slug,
        "style_name": avatar.style.name,
        "created_at": avatar.created_at.isoformat(),
        "visibility": avatar.visibility,
        "moderation": avatar.moderation,
        "moderation_reason": avatar.moderation_reason,
        "face_note": avatar.face_note,
        # The photo the owner gave us comes back even from a hidden avatar (its page shows it
        # to them too): the decision is about what we drew.
        "selfie": writer.copy(avatar.source, f"{folder}/selfie.jpg", when=avatar.created_at),
        "photo_deleted_at": _iso(avatar.photo_deleted_at),
        "pictures_left_out": left_out,
        "current_version": numbers.get(avatar.current_turn_id),
        "versions": [
            _version(writer, folder, turn, numbers, with_image=left_out is None) for turn in turns
        ],
    }


def _version(
    writer: ExportWriter, folder: str, turn: Turn, numbers: dict[int, int], *, with_image: bool
) -> dict:
    extension = turn.image.name.rsplit(".", 1)[-1] if turn.image else "png"
    image = None
    if with_image:
        image = writer.copy(
            turn.image,
            f"{folder}/v{turn.number}.{extension}",
            when=turn.finished_at or turn.created_at,
        )
    return {
        "number": turn.number,
        "parent": numbers.get(turn.parent_id),
        "kind": turn.kind,
        "instruction": turn.instruction,
        "engine": turn.engine,
        "model": turn.model,
        "aspect_ratio": turn.aspect_ratio,
        "image_size": turn.image_size,
        "status": turn.status,
        "model_text": turn.model_text,
        "likeness": turn.likeness,
        "style_strength": turn.style_strength,
        "skin_tone": turn.skin_tone,
        "error_code": turn.error_code,
        "error_message": turn.error_message,
        "width": turn.width,
        "height": turn.height,
        "created_at": _iso(turn.created_at),
        "started_at": _iso(turn.started_at),
        "finished_at": _iso(turn.finished_at),
        "image": image,
    }


def _reports(user: User) -> list[dict]:
    return [
        {"reason": r.reason, "note": r.note, "created_at": _iso(r.created_at)}
        for r in Report.objects.filter(reporter=user).order_by("created_at")
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
