"""Avatars: create from an upload, rename, delete (with their files and a receipt of them)."""

from __future__ import annotations

from typing import BinaryIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from accounts.models import DeletionReceipt, User
from accounts.receipts import Deletion
from avatars import images
from avatars.engines.base import ENGINES, STYLE_STRENGTH_DEFAULT, EngineError, get_engine
from avatars.models import Avatar, Style
from avatars.moderation.flags import avatar_flag_check
from avatars.retention.services import avatar_deletion, avatar_files_add, avatar_receipt_record
from avatars.services.decoding import decode_slot
from avatars.services.limits import (
    instruction_check,
    style_strength_check,
    user_can_generate_check,
    user_lock,
    user_unfinished_check,
    user_unfinished_reserve,
)
from avatars.services.takes import takes_count_check, takes_create
from avatars.services.turns import turn_quota_check
from pixme.errors import ApplicationError


def source_normalise(*, upload: BinaryIO, size: int | None = None) -> images.NormalisedImage:
    """Check and clean an upload, turning a refusal into the app's one error type. The
    decoding waits for one of the process's slots (:mod:`avatars.services.decoding`)."""
    try:
        return images.normalise_upload(upload, size=size, decoding=decode_slot())
    except images.ImageRejected as exc:
        raise ApplicationError(exc.message, code="bad_image") from None


def engine_check(*, engine: str, style: Style) -> None:
    if engine not in ENGINES or not get_engine(engine).configured():
        raise ApplicationError(f"The {engine!r} engine isn't available on this site.")
    if not style.enabled:
        raise ApplicationError(f"The {style.name} style isn't available right now.")
    if not get_engine(engine).supports_style(style.recipe):
        raise ApplicationError(
            f"The {style.name} style isn't available with the {ENGINES[engine][0]} engine yet."
        )


def engine_options_check(
    *, engine: str, model: str = "", aspect_ratio: str = "", image_size: str = ""
) -> tuple[str, str, str]:
    """Check the model, shape and resolution against what the engine's model offers.
    Returns them resolved (the model named in full, options it can't take refused)."""
    chosen = get_engine(engine)
    try:
        resolved = chosen.resolve_model(model)
    except EngineError as exc:
        raise ApplicationError(exc.message, code="bad_option") from None
    caps = chosen.capabilities(resolved)
    if aspect_ratio and aspect_ratio not in caps["aspect_ratios"]:
        offered = ", ".join(caps["aspect_ratios"]) or "only your photo's own shape"
        raise ApplicationError(
            f"{resolved or chosen.label} can't draw a {aspect_ratio} picture. "
            f"It offers: {offered}.",
            code="bad_option",
        )
    if image_size and image_size not in caps["image_sizes"]:
        offered = ", ".join(caps["image_sizes"]) or "only its default"
        raise ApplicationError(
            f"{resolved or chosen.label} can't draw at {image_size}. It offers: {offered}.",
            code="bad_option",
        )
    return resolved, aspect_ratio, image_size


def avatar_create(
    *,
    owner: User,
    upload: BinaryIO,
    style: Style,
    engine: str = "studio",
    model: str = "",
    instruction: str = "",
    aspect_ratio: str = "",
    image_size: str = "",
    title: str = "",
    upload_size: int | None = None,
    variants: int = 1,
    style_strength: int = STYLE_STRENGTH_DEFAULT,
) -> Avatar:
    """Check the upload, store a clean copy, and queue version 1 — or versions 1 to
    ``variants``: several takes of the same request, drawn differently in one job (see
    :mod:`avatars.services.takes`)."""
    takes_count_check(variants=variants)
    style_strength = style_strength_check(style_strength=style_strength)
    instruction_check(instruction=instruction)
    user_can_generate_check(user=owner)
    engine_check(engine=engine, style=style)
    model, aspect_ratio, image_size = engine_options_check(
        engine=engine, model=model, aspect_ratio=aspect_ratio, image_size=image_size
    )
    turn_quota_check(user=owner, engine=engine)
    # Early, counting this user's other uploads still being read: a refused photo is never
    # decoded, and uploads sent at once can't all pass the cap before any is written.
    with user_unfinished_reserve(user=owner, adding=variants):
        normalised = source_normalise(upload=upload, size=upload_size)
        # The face is found by the job (its first stage), not here: the upload answers at once.
        with transaction.atomic():
            user_lock(user=owner)
            # Again, under the lock: a create in another process counts.
            user_unfinished_check(user=owner, adding=variants)
            number = (Avatar.objects.filter(owner=owner).aggregate(n=Max("number"))["n"] or 0) + 1
            avatar = Avatar(owner=owner, number=number, style=style, title=title[:120])
            avatar.source.save(
                "source.jpg", ContentFile(images.encode_source(normalised.image)), save=False
            )
            # Set explicitly: ImageField's width_field bookkeeping runs before the file exists.
            avatar.source_width, avatar.source_height = normalised.image.size
            avatar.save()
            takes_create(
                avatar=avatar,
                variants=variants,
                instruction=instruction.strip(),
                engine=engine,
                model=model,
                aspect_ratio=aspect_ratio,
                image_size=image_size,
                style_strength=style_strength,
            )
            avatar_flag_check(avatar=avatar, instruction=instruction.strip())
    return avatar


def avatar_delete(*, avatar: Avatar, account: Deletion | None = None) -> DeletionReceipt | None:
    """Delete an avatar and every version; their files go once this commits (django-cleanup,
    see pixme.media_files), as they do for any other way a row is deleted. Each file is read
    for the owner's signed receipt first (returned) — or, when the whole ``account`` goes,
    for that account's receipt."""
    with transaction.atomic():
        # Lock the avatar first: a job finishing now either committed its version before
        # (its files are deleted with it, and on the receipt) or finds the avatar gone and
        # removes its own.
        locked = Avatar.objects.select_for_update().select_related("owner", "style")
        avatar = locked.filter(pk=avatar.pk).first()
        if avatar is None:  # deleted a moment ago, with its receipt
            return None
        if account is not None:
            avatar_files_add(deletion=account, avatar=avatar)
            avatar.delete()
            return None
        deletion = avatar_deletion(
            avatar=avatar, reason=DeletionReceipt.Reason.USER, why="You deleted it."
        )
        avatar.delete()
        return avatar_receipt_record(avatar=avatar, deletion=deletion)
