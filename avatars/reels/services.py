"""Reels: ask for an avatar's reel, make it in a job, keep it until the path changes.

The path is the chain of versions from the first one to the current one (``parent`` links:
other branches are not on it). The reel's ``key`` hashes that path; asking again for the same
path returns the stored files, and a new edit or a revert makes a new reel on the next ask.
Only asking (:func:`reel_request`: a POST, or sharing with the reel) starts a job; looking
(:func:`reel_get`: a GET) never does. Progress goes to the avatar's page as ``reel`` events,
like any render's. Once the owner's photo is deleted (avatars.retention) the reel starts from
the first version instead of the selfie, and needs a second version to go to.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.services import user_suspension_check
from avatars import images
from avatars.live import events
from avatars.models import Avatar, Reel, Turn
from avatars.moderation.rules import avatar_moderation_check
from avatars.provenance.services import (
    COMPOSITE,
    Parent,
    derived_credentials_try,
    turn_parent,
    turn_title,
)
from avatars.reels.encode import MAX_SIDE, reel_encode
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)

# A reel left "making" this long by a process that died is started again on the next ask.
STALE_AFTER = timedelta(minutes=2)
RETRY_AFTER_SECONDS = 2
REEL_FAILED = "Something went wrong on our side while making the reel. Please try again."


def reel_path(*, avatar: Avatar) -> list[Turn]:
    """The versions from the first to the current one, following ``parent`` back."""
    turns = {t.pk: t for t in avatar.turns.filter(status=Turn.Status.SUCCEEDED).exclude(image="")}
    path, turn = [], turns.get(avatar.current_turn_id)
    while turn is not None and turn not in path:
        path.append(turn)
        turn = turns.get(turn.parent_id)
    return path[::-1]


def reel_key(*, avatar: Avatar, path: list[Turn]) -> str:
    text = ",".join([avatar.source.name] + [f"{t.pk}:{t.image.name}" for t in path])
    return hashlib.sha256(text.encode()).hexdigest()


def _publish(reel: Reel) -> None:
    events.publish(
        reel.avatar_id,
        {"type": "reel", "status": reel.status, "percent": reel.percent, "key": reel.key},
    )


def _stale(reel: Reel) -> bool:
    return reel.status == Reel.Status.RUNNING and reel.updated_at < timezone.now() - STALE_AFTER


def reel_get(*, avatar: Avatar) -> Reel | None:
    """The reel of the avatar's current path as it is — made, on its way, or failed (saying
    why) — or None when nobody has asked for it (or the process making it died): looking
    never starts a job, :func:`reel_request` does."""
    avatar_moderation_check(avatar=avatar, doing="made into a reel")
    path = reel_path(avatar=avatar)
    if not path:
        return None
    reel = Reel.objects.filter(avatar=avatar, key=reel_key(avatar=avatar, path=path)).first()
    return None if reel is None or _stale(reel) else reel


def reel_request(*, avatar: Avatar) -> Reel:
    """Ask for the avatar's reel of its current path: the stored one when it is made or on
    its way, else a new job queued for it — also when the last try failed, since asking is
    deliberate (a POST, a share; polling is :func:`reel_get`, which never starts one)."""
    avatar_moderation_check(avatar=avatar, doing="made into a reel")
    user_suspension_check(user=avatar.owner, doing="make reels")
    path = reel_path(avatar=avatar)
    if not path:
        raise ApplicationError("There's no finished version to make a reel of yet.")
    if not avatar.source and len(path) < 2:
        raise ApplicationError(
            "Your photo was deleted, so the reel starts from your first version: edit it once "
            "to have a reel to make.",
            code="photo_deleted",
        )
    key = reel_key(avatar=avatar, path=path)
    with transaction.atomic():
        reel, created = Reel.objects.select_for_update().get_or_create(
            avatar=avatar, defaults={"key": key}
        )
        failed = reel.status == Reel.Status.FAILED
        if not created and reel.key == key and not _stale(reel) and not failed:
            return reel  # made, or on its way
        old = [f for f in (reel.webp, reel.gif) if f]
        reel.key, reel.status, reel.percent, reel.error_message = key, Reel.Status.QUEUED, 0, ""
        reel.webp = reel.gif = ""
        reel.frames, reel.seconds = 0, 0
        reel.save()
        names = [(f.storage, f.name) for f in old]
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])
        _enqueue(reel)
    return reel


def _enqueue(reel: Reel) -> None:
    from avatars.reels.tasks import render_reel

    reel_id, key = reel.pk, reel.key
    transaction.on_commit(lambda: render_reel.enqueue(reel_id, key))


# The reel job as django-tasks stores it, now and before it moved.
REEL_TASK_PATHS = ("avatars.reels.tasks.render_reel", "avatars.reel_tasks.render_reel")


def reel_recover(*, stale_after: float | None = None) -> list[int]:
    """Queue again the reels a dead process left queued or being made: all of them when the
    one runner starts (``stale_after`` None), else those with no news for ``stale_after``
    seconds. The job claims its reel, so a reel queued twice is made once. The dead jobs'
    task records are marked failed, as a render's are (a soak under SIGKILL found them left
    RUNNING for ever)."""
    from jobs.task_records import task_result_fail_dead

    unfinished = Reel.objects.filter(status__in=[Reel.Status.QUEUED, Reel.Status.RUNNING])
    cutoff = None
    if stale_after is not None:
        cutoff = timezone.now() - timedelta(seconds=stale_after)
        unfinished = unfinished.filter(updated_at__lt=cutoff)
    live = Reel.objects.filter(status=Reel.Status.RUNNING).exclude(pk__in=unfinished.values("pk"))
    # Its first argument is the reel's id, as a render's is its turn's.
    task_result_fail_dead(
        task_paths=REEL_TASK_PATHS,
        started_before=cutoff,
        live_turn_ids=set(live.values_list("pk", flat=True)),
    )
    recovered = []
    with transaction.atomic():
        for reel in unfinished.order_by("pk"):
            if Reel.objects.filter(pk=reel.pk, key=reel.key, status=reel.status).update(
                status=Reel.Status.QUEUED, percent=0
            ):
                _enqueue(reel)
                recovered.append(reel.pk)
    return recovered


def reel_run(*, reel_id: int, key: str) -> Reel | None:
    """Make the reel for ``key`` (the job). Does nothing when it was made already or the
    path changed since it was asked for (a newer ask queued its own job)."""
    claimed = Reel.objects.filter(pk=reel_id, key=key, status=Reel.Status.QUEUED).update(
        status=Reel.Status.RUNNING, percent=1, updated_at=timezone.now()
    )
    if not claimed:
        return None
    reel = Reel.objects.select_related("avatar", "avatar__style").get(pk=reel_id)
    try:
        return _reel_make(reel, key)
    except Exception:
        logger.exception("reel %s could not be made", reel_id)
        Reel.objects.filter(pk=reel_id, key=key).update(
            status=Reel.Status.FAILED,
            updated_at=timezone.now(),
            error_message=REEL_FAILED,
        )
        reel.refresh_from_db()
        _publish(reel)
        return reel


def _reel_make(reel: Reel, key: str) -> Reel:
    avatar = reel.avatar
    path = reel_path(avatar=avatar)

    def report(percent: int) -> None:
        Reel.objects.filter(pk=reel.pk, key=key).update(percent=percent, updated_at=timezone.now())
        reel.percent = percent
        _publish(reel)

    report(5)
    pictures = []
    # From the selfie; once it was deleted, from the first version (reel_request checked
    # there are two pictures at least).
    first = [avatar.source] if avatar.source else []
    for field in first + [turn.image for turn in path]:
        with field.open("rb") as fh:
            picture = images.open_stored(fh.read())
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)  # all it needs
        pictures.append(picture)
    last = path[-1]
    meta = {"engine": last.engine, "style": avatar.style.slug, "model": last.model or last.engine}
    parent = turn_parent(last)
    webp = reel_encode(
        pictures,
        fmt="webp",
        progress=lambda p: report(10 + p * 45 // 100),
        finish=_signing(last, parent, "image/webp"),
        **meta,
    )
    gif = reel_encode(
        pictures,
        fmt="gif",
        progress=lambda p: report(55 + p * 40 // 100),
        finish=_signing(last, parent, "image/gif"),
        **meta,
    )
    with Image.open(io.BytesIO(webp)) as shown:
        frames = shown.n_frames
        seconds = sum(_frame_ms(shown, i) for i in range(frames)) / 1000
    reel.webp.save("reel.webp", ContentFile(webp), save=False)
    reel.gif.save("reel.gif", ContentFile(gif), save=False)
    with transaction.atomic():
        updated = Reel.objects.filter(pk=reel.pk, key=key, status=Reel.Status.RUNNING).update(
            status=Reel.Status.READY,
            percent=100,
            updated_at=timezone.now(),
            webp=reel.webp.name,
            gif=reel.gif.name,
            frames=frames,
            seconds=seconds,
        )
    if not updated:  # asked for again with a new path meanwhile, or deleted: keep nothing
        reel.webp.delete(save=False)
        reel.gif.delete(save=False)
        return reel
    reel.refresh_from_db()
    _publish(reel)
    return reel


def _signing(last: Turn, parent: Parent, mime: str):
    """The reel's last step: its Content Credentials, as made from the current version (its
    parent, so it carries the version's history) and the selfie — a composite of a photo
    and pictures a trained model made. Signing failing keeps the reel unsigned (logged)."""
    title = f"{turn_title(last)}, reel"

    def finish(data: bytes) -> bytes:
        signed, _ok = derived_credentials_try(
            last, data, mime=mime, title=title, parent=parent, source_type=COMPOSITE
        )
        return signed

    return finish


def _frame_ms(image, index: int) -> int:
    image.seek(index)
    image.load()
    return int(image.info.get("duration") or 0)


def reel_shared(*, avatar: Avatar, turn: Turn) -> Reel | None:
    """The reel a share link shows: only when the owner shared it, the link shows the current
    version, and the reel of the current path is made (it never starts a job for a stranger)."""
    if not avatar.share_reel or turn.pk != avatar.current_turn_id:
        return None
    reel = Reel.objects.filter(avatar=avatar, status=Reel.Status.READY).first()
    if reel is None or reel.key != reel_key(avatar=avatar, path=reel_path(avatar=avatar)):
        return None
    return reel


def reel_path_changed(*, avatar_id: int) -> None:
    """After the current version changed. A reel of the old path is no use any more and shows
    the selfie: it goes (its files with it), unless the owner shares the reel — then the new
    path's is made now, so strangers on the link never find it missing for long."""
    avatar = Avatar.objects.filter(pk=avatar_id).first()
    reel = Reel.objects.filter(avatar_id=avatar_id).first()
    if avatar is None or reel is None:
        return
    if avatar.share_reel and avatar.share_token:
        with contextlib.suppress(ApplicationError):  # moderated, or nothing to show: no reel
            reel_request(avatar=avatar)
        return
    path = reel_path(avatar=avatar)
    if not path or reel.key != reel_key(avatar=avatar, path=path):
        # Only a reel of another path, and only if it is still that one: a reel asked for
        # the new path meanwhile stays.
        Reel.objects.filter(pk=reel.pk, key=reel.key).delete()
