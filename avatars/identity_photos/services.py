"""Identity photos: add (uploaded or taken with the webcam, one angle at a time), replace,
delete, list; and what the rest of the app reads of them — their embeddings for the
likeness, their pictures for Gemini — and their part in the account's export and deletion.

A photo is kept only if it is one face, turned as asked, level, sharp and lit
(:func:`avatars.identity.identity_photo_check`); the refusal says what to change. Its face
is found once, with its embedding, when it is added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import DeletionReceipt, User
from accounts.receipts import Deletion, receipt_create
from accounts.services import user_suspension_check
from avatars import faces, images
from avatars.identity import ANGLES, identity_photo_check
from avatars.models import IdentityPhoto
from avatars.services.avatars import source_normalise
from avatars.services.limits import user_lock
from pixme.errors import ApplicationError

if TYPE_CHECKING:
    from accounts.leaving import ExportWriter

# Gemini's image models keep at most five people's images consistent (the selfie among
# them: avatars.engines.gemini.model_table); five also covers the guided sequence's angles.
MAX_PHOTOS = 5


def identity_photo_list(*, user: User) -> QuerySet[IdentityPhoto]:
    return IdentityPhoto.objects.filter(owner=user)


def identity_photo_get(*, user: User, photo_id: int) -> IdentityPhoto:
    """One of the user's photos; anyone else's is as if it didn't exist (DoesNotExist)."""
    return IdentityPhoto.objects.get(owner=user, pk=photo_id)


def identity_photo_create(
    *,
    owner: User,
    upload: BinaryIO,
    angle: str = "",
    size: int | None = None,
    replacing: IdentityPhoto | None = None,
) -> IdentityPhoto:
    """Check an upload as an identity photo for ``angle`` and keep it (in ``replacing``'s
    place, if given). No angle: any way the face is turned that shows both eyes, kept as the
    angle seen. Refusals are ApplicationErrors in words: ``bad_image`` (not a photo we
    read), ``no_face``, ``bad_photo`` (what to change), ``too_many`` (a sixth)."""
    if angle and angle not in ANGLES:
        raise ApplicationError(
            f"The angle is one of {', '.join(ANGLES)}, not {angle!r}.", code="bad_option"
        )
    if replacing is not None and replacing.owner_id != owner.pk:
        raise IdentityPhoto.DoesNotExist
    user_suspension_check(user=owner, doing="add identity photos")
    if replacing is None:
        _room_check(owner=owner)  # before the photo is decoded: a sixth costs nothing
    image = source_normalise(upload=upload, size=size).image
    found = faces.analyse(image)
    check = identity_photo_check(image, angle or "other", found=found)
    if not check.ok:
        raise ApplicationError(
            " ".join(check.problems), code="no_face" if not check.faces else "bad_photo"
        )
    seen = {
        "yaw": round(check.yaw, 1),
        "roll": round(check.roll, 1),
        "sharpness": round(check.sharpness, 1),
        "brightness": round(check.brightness, 1),
        "smiling": check.smiling,
    }
    with transaction.atomic():
        user_lock(user=owner)
        if replacing is None:
            _room_check(owner=owner)  # again, holding the lock: two at once make no sixth
        else:
            # Deleted meanwhile (another tab): the new one takes a free place, if any.
            replaced = IdentityPhoto.objects.filter(pk=replacing.pk).first()
            if replaced is None:
                _room_check(owner=owner)
            else:
                _deleted_with_receipt(replaced, why="You replaced it with a new photo.")
        photo = IdentityPhoto(
            owner=owner,
            angle=angle or check.seen or "other",
            width=image.width,
            height=image.height,
            faces=found.to_dict(),
            seen=seen,
        )
        photo.photo.save("identity.jpg", ContentFile(images.encode_source(image)), save=False)
        photo.save()
    return photo


def _room_check(*, owner: User) -> None:
    if IdentityPhoto.objects.filter(owner=owner).count() >= MAX_PHOTOS:
        raise ApplicationError(
            f"You have {MAX_PHOTOS} identity photos, the most we keep: delete or replace one "
            "to add another.",
            code="too_many",
        )


@transaction.atomic
def identity_photo_delete(*, photo: IdentityPhoto) -> None:
    """Delete a photo (its file goes once the deletion is committed), with its owner's signed
    receipt (accounts.receipts)."""
    with transaction.atomic():
        _deleted_with_receipt(photo, why="You deleted it.")


def _deleted_with_receipt(photo: IdentityPhoto, *, why: str) -> None:
    """Read the photo's file for its receipt, then delete it (in the caller's transaction)."""
    deletion = Deletion(
        kind=DeletionReceipt.Kind.PHOTO,
        reason=DeletionReceipt.Reason.USER,
        why=why,
        subject=f"Your identity photo ({photo.get_angle_display().lower()})",
        about={"identity_photo": photo.pk},
        also_deleted=["the measurements of your face taken from it"],
    )
    deletion.add(photo.photo, "identity photo")
    photo.delete()
    receipt_create(user=photo.owner, deletion=deletion)


# --- the account's export and deletion (accounts.signals) -----------------------------


def account_identity_photos_export(*, user: User, writer: ExportWriter, **kwargs) -> dict:
    return {
        "identity_photos": [
            {
                "id": photo.pk,
                "angle": photo.angle,
                "created_at": photo.created_at.isoformat(),
                "photo": writer.copy(
                    photo.photo,
                    f"identity-photos/{index}-{photo.angle}.jpg",
                    when=photo.created_at,
                ),
            }
            for index, photo in enumerate(identity_photo_list(user=user), start=1)
        ]
    }


def account_identity_photos_delete(*, user: User, deletion: Deletion, **kwargs) -> None:
    """Every identity photo of the account's, each file read into its receipt first."""
    photos = list(identity_photo_list(user=user))
    for photo in photos:
        deletion.add(photo.photo, f"identity photo ({photo.get_angle_display().lower()})")
    IdentityPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
