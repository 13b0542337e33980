"""How long a photo is kept, and the receipts of what the avatars app deletes.

Each person chooses how long their photo — the selfie an avatar is drawn from — is kept
(accounts.retention): until they delete the avatar (``keep``), once its first drawing is done
(``when_done``), or 30 days after the upload (``days_30``). :func:`photo_delete` is the one way
a photo goes while its avatar stays (that choice, or the owner's own "delete my photo"): the
avatar, its versions and its shares stay, edits and new takes are drawn from the first version
from then on (avatars.services.context), the reel starts from it, and the page says when the
photo went.

What goes with the photo: the selfie file; the reel, whose first frame is the selfie (made again
from the first version if the owner shares it); and the outline of the person found in the
selfie, a silhouette of the photo that only drawing from it needs. What stays: the face analysis
of the selfie — where the face was, and the 128-number face embedding (computed now if it
never was) — so every later version's likeness can still be measured: numbers, not a picture,
from which the photo can't be drawn again; they go with the avatar. The receipt says both.

When: ``when_done`` at once, when the last of the avatar's first takes is drawn and measured
(the ``turn_finished`` a version's after-work sends, seconds after "done", in that same job);
the 30 days by the sweep (:func:`photos_sweep`, registered with jobs.periodic: every
``pixme_recover`` on the deployment's timer, and the embedded background runner at its start and
every PIXME_SWEEP_SECONDS). The sweep also deletes a ``when_done`` photo whose moment was missed
(a crash between), and 30 days is the longest ``when_done`` keeps a photo whose drawing never
succeeded. A person who changes their choice has it applied to the photos they have at once, by
a job (:func:`photos_sweep_for_user`).

Every deletion of the avatars app — a photo, an avatar by its owner, an avatar a moderator
removed, the avatars of an account that goes — reads each file for its receipt just before it
goes (accounts.receipts).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from accounts.models import DeletionReceipt, PhotoRetention, Profile
from accounts.receipts import Deletion, receipt_create
from accounts.retention import RETENTION_DAYS, retention_for, retention_owner_filter
from avatars.models import Avatar, Cutout, PictureSize, Reel, StickerPack, Turn
from avatars.reels.services import reel_path, reel_request
from avatars.services.likeness import source_embedding_keep
from pixme.errors import ApplicationError
from pixme.media_files import prune_empty_folder

logger = logging.getLogger(__name__)

Kind, Reason = DeletionReceipt.Kind, DeletionReceipt.Reason

RETENTION_WHY = {
    PhotoRetention.WHEN_DONE: "You chose to have your photo deleted once your avatar was done.",
    PhotoRetention.DAYS_30: "You chose to have your photo deleted 30 days after you uploaded it.",
}
PHOTO_ALSO_DELETED = [
    "the outline of you found in the photo (used only to draw from it)",
]
PHOTO_KEPT = [
    "the avatar, its versions and its share links: new versions are drawn from the first one",
    "the measurements of your face taken from the photo (where it was, and a 128-number "
    "signature of it: not a picture), so each new version's likeness can still be measured; "
    "they go when you delete the avatar",
]


def photo_delete(*, avatar: Avatar, reason: str, why: str = "") -> DeletionReceipt | None:
    """Delete ``avatar``'s photo and keep the avatar (see the module). Returns the receipt, or
    None when the photo was gone already. The file leaves the storage once this commits."""
    # Before the photo goes, and outside the lock (it reads the photo): the face embedding
    # every later version's likeness is measured against.
    source_embedding_keep(avatar=avatar)
    with transaction.atomic():
        avatar = (
            Avatar.objects.select_for_update()
            .select_related("owner", "style")
            .filter(pk=avatar.pk)
            .first()
        )
        if avatar is None or not avatar.source:
            return None
        deletion = Deletion(
            kind=Kind.PHOTO,
            reason=reason,
            why=why or "You deleted it.",
            subject=f"The photo of {avatar}",
            about={"avatar": avatar.pk},
            also_deleted=list(PHOTO_ALSO_DELETED),
            kept=list(PHOTO_KEPT),
        )
        deletion.add(avatar.source, "photo")
        reel = Reel.objects.filter(avatar=avatar).first()
        if reel is not None:  # its first frame is the photo: it goes too (django-cleanup)
            deletion.add(reel.webp, "reel (WebP), which began with the photo")
            deletion.add(reel.gif, "reel (GIF), which began with the photo")
            reel.delete()
        now = timezone.now()
        Avatar.objects.filter(pk=avatar.pk).update(
            source="", source_person=None, photo_deleted_at=now, updated_at=now
        )
        receipt = receipt_create(user=avatar.owner, deletion=deletion)
        stored = [(avatar.source.storage, avatar.source.name)]
        avatar_id = avatar.pk
        transaction.on_commit(lambda: _files_delete(stored))
        transaction.on_commit(lambda: _shared_reel_again(avatar_id))
    logger.info("avatar %s: photo deleted (%s)", avatar_id, reason)
    return receipt


def _files_delete(stored) -> None:
    for storage, name in stored:
        storage.delete(name)
        prune_empty_folder(storage=storage, name=name)


def _shared_reel_again(avatar_id: int) -> None:
    """A reel shown on the avatar's link is made again, from the first version."""
    avatar = Avatar.objects.filter(pk=avatar_id).first()
    if avatar is None or not (avatar.share_reel and avatar.share_token):
        return
    try:
        reel_request(avatar=avatar)
    except ApplicationError as exc:  # one version only, moderated: the link shows no reel
        logger.info("avatar %s: no reel to share now: %s", avatar_id, exc.message)


# --- when ---------------------------------------------------------------------------------

_TAKES = {"kind": Turn.Kind.GENERATE, "parent": None}
_UNSETTLED = Q(status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]) | Q(
    status=Turn.Status.SUCCEEDED, after_work__in=[Turn.AfterWork.QUEUED, Turn.AfterWork.RUNNING]
)


def _first_drawing_done() -> Q:
    """Avatars whose first drawing is done: a take of it succeeded, and none of its takes is
    still to draw or to measure (the likeness needs the photo)."""
    takes = Turn.objects.filter(avatar=OuterRef("pk"), **_TAKES)
    return Q(Exists(takes.filter(status=Turn.Status.SUCCEEDED))) & ~Q(
        Exists(takes.filter(_UNSETTLED))
    )


def photo_delete_when_done(*, turn: Turn, **kwargs) -> None:
    """``turn_finished``: the moment an owner who chose ``when_done`` has their avatar done,
    its photo goes — in the job that measured the last take, seconds after "done". A failure
    here is logged and never undoes that job's end: the sweep deletes it later."""
    avatar = (
        Avatar.objects.exclude(source="")
        .filter(_first_drawing_done(), pk=turn.avatar_id)
        .select_related("owner", "style")
        .first()
    )
    if avatar is None:
        return
    profile = Profile.objects.filter(user_id=avatar.owner_id).first()
    if retention_for(profile=profile) != PhotoRetention.WHEN_DONE:
        return
    try:
        with transaction.atomic():  # its own savepoint inside the after-work's transaction
            photo_delete(
                avatar=avatar,
                reason=Reason.RETENTION,
                why=RETENTION_WHY[PhotoRetention.WHEN_DONE],
            )
    except Exception:
        logger.exception("avatar %s: could not delete the photo once done", avatar.pk)


def photos_due(*, now: datetime | None = None, user_id: int | None = None) -> list[int]:
    """The avatars whose photo is due to go: ``days_30`` (and ``when_done``) past 30 days
    since the upload, and ``when_done`` whose first drawing is done."""
    cutoff = (now or timezone.now()) - RETENTION_DAYS
    kept = Avatar.objects.exclude(source="")
    if user_id is not None:
        kept = kept.filter(owner_id=user_id)
    thirty = retention_owner_filter(value=PhotoRetention.DAYS_30)
    when_done = retention_owner_filter(value=PhotoRetention.WHEN_DONE)
    due = kept.filter((thirty | when_done) & Q(created_at__lte=cutoff)) | kept.filter(
        when_done & _first_drawing_done()
    )
    return sorted(set(due.values_list("pk", flat=True)))


def _why(avatar: Avatar) -> str:
    profile = Profile.objects.filter(user_id=avatar.owner_id).first()
    return RETENTION_WHY.get(retention_for(profile=profile), RETENTION_WHY[PhotoRetention.DAYS_30])


def photos_sweep(*, now: datetime | None = None, user_id: int | None = None) -> list[int]:
    """Delete every photo due (:func:`photos_due`), each in its own transaction with its
    receipt; one that fails is logged and left for the next sweep. Returns the avatars'
    ids whose photo went. On local media and on an object store alike (the storage API)."""
    deleted = []
    for avatar_id in photos_due(now=now, user_id=user_id):
        avatar = Avatar.objects.filter(pk=avatar_id).first()
        if avatar is None:
            continue
        try:
            if photo_delete(avatar=avatar, reason=Reason.RETENTION, why=_why(avatar)):
                deleted.append(avatar_id)
        except Exception:
            logger.exception(
                "avatar %s: could not delete its photo; the next sweep tries", avatar_id
            )
    return deleted


@task(queue_name=settings.PIXME_BACKGROUND_QUEUE, priority=-10)
def photos_sweep_for_user(user_id: int) -> None:
    """The job: thin, it calls the service."""
    photos_sweep(user_id=user_id)


def photos_retention_changed(*, profile: Profile, fields: set[str], **kwargs) -> None:
    """``profile_changed``: a new choice applies to the photos the person has now, by a job
    on the background queue (nobody waits on it; the sweep would get there too)."""
    if "photo_retention" not in fields:
        return
    user_id = profile.user_id
    transaction.on_commit(lambda: photos_sweep_for_user.enqueue(user_id))


def avatar_photo_status(*, avatar: Avatar) -> dict:
    """What the avatar's page says of its photo: when it was deleted, or what will become of
    it (``plan``, in words; empty when it is kept until the avatar goes), and whether a reel
    can be made without it (it then needs two versions on the current path)."""
    if avatar.source:
        profile = Profile.objects.filter(user_id=avatar.owner_id).first()
        retention = retention_for(profile=profile)
        plan = ""
        if retention == PhotoRetention.WHEN_DONE:
            plan = "Your photo will be deleted once this avatar is drawn, as you chose."
        elif retention == PhotoRetention.DAYS_30:
            when = timezone.localtime(avatar.created_at + RETENTION_DAYS)
            plan = f"Your photo will be deleted on {when.day} {when:%b %Y}, as you chose."
        return {"deleted_at": None, "plan": plan, "reel_possible": True}
    return {
        "deleted_at": avatar.photo_deleted_at,
        "plan": "",
        "reel_possible": len(reel_path(avatar=avatar)) >= 2,
    }


# --- receipts of avatars ------------------------------------------------------------------


def avatar_files_add(*, deletion: Deletion, avatar: Avatar) -> None:
    """Read every stored file of ``avatar`` into ``deletion`` before they go: the photo, each
    version's picture, thumbnail, WebP download, picture-URL squares and cut-outs, the reel,
    and the sticker packs holding one of its versions (they go with it)."""
    deletion.add(avatar.source, f"{avatar}: photo")
    for turn in avatar.turns.order_by("number"):
        deletion.add(turn.image, f"{avatar}: version {turn.number}")
        deletion.add(turn.thumbnail, f"{avatar}: version {turn.number} thumbnail")
        deletion.add(turn.webp, f"{avatar}: version {turn.number} WebP download")
    squares = PictureSize.objects.filter(turn__avatar=avatar).select_related("turn")
    for size in squares.order_by("turn__number", "side", "fmt", "pk"):
        deletion.add(
            size.file,
            f"{avatar}: version {size.turn.number} square, {size.side} px {size.get_fmt_display()}",
        )
    cutouts = Cutout.objects.filter(turn__avatar=avatar).select_related("turn")
    for cutout in cutouts.order_by("turn__number", "pk"):
        deletion.add(cutout.file, f"{avatar}: version {cutout.turn.number} cut-out")
    reel = Reel.objects.filter(avatar=avatar).first()
    if reel is not None:
        deletion.add(reel.webp, f"{avatar}: reel (WebP)")
        deletion.add(reel.gif, f"{avatar}: reel (GIF)")
    packs = StickerPack.objects.filter(items__turn__avatar=avatar).distinct()
    for pack in packs.order_by("pk"):
        deletion.add(pack.file, f"sticker pack #{pack.pk} ({pack.get_messenger_display()})")


def avatar_deletion(*, avatar: Avatar, reason: str, why: str) -> Deletion:
    """The receipt's account of deleting ``avatar`` (its files read now): call it under the
    avatar's lock, just before they go."""
    deletion = Deletion(
        kind=Kind.AVATAR,
        reason=reason,
        why=why,
        subject=str(avatar),
        about={"avatar": avatar.pk},
        also_deleted=[
            "its history: every version's instruction, the engines' words, likeness and "
            "share links",
            "the measurements of your face taken from its photo",
        ],
    )
    avatar_files_add(deletion=deletion, avatar=avatar)
    return deletion


def avatar_receipt_record(*, avatar: Avatar, deletion: Deletion) -> DeletionReceipt:
    """Keep ``deletion``'s signed receipt for the avatar's owner (in the deletion's
    transaction)."""
    return receipt_create(user=avatar.owner, deletion=deletion)
