"""After-work: what a version still needs once it is shown — its likeness to the selfie, its
skin tone against the photo's, where the person is in it, and its stored WebP download (signed
last, after its encode) — done by a job of its own on the background queue, so the runner that
draws is free for the next render the moment "done" is out.

The Turn row says what is left (``after_work``: queued, running, or nothing), set in the same
update that marks the version succeeded: a crash loses none of it, since recovery re-queues
after-work left queued or running, as it does renders. A job claims the after-work with one
conditional update, so a job queued twice does it once. Webhooks hear of the version when its
after-work is done, so what they are sent carries the likeness, as before.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from PIL import Image

from avatars import images
from avatars.live import events
from avatars.models import Turn
from avatars.selectors import turn_likeness_words
from avatars.services.downloads import turn_webp_store
from avatars.services.likeness import turn_likeness_measure
from avatars.services.person import turn_person_find
from avatars.services.skin import turn_skin_measure
from avatars.signals import turn_finished_announce

logger = logging.getLogger(__name__)


# On the background queue, below the renders (a worker that takes both queues draws first).
@task(queue_name=settings.PIXME_BACKGROUND_QUEUE, priority=-10)
def after_work(turn_id: int) -> None:
    """The job: thin, it calls the service. Once done it announces the version
    (``turn_finished``): the last take measured, its avatar's best take is chosen."""
    turn_after_work_run(turn_id=turn_id)


def turn_after_work_enqueue(*, turn_id: int) -> None:
    """Queue the after-work of a version whose success is committed (its row says queued)."""
    after_work.enqueue(turn_id)


def turn_after_work_run(*, turn_id: int) -> Turn | None:
    """Claim a version's after-work and do it: the likeness, then the WebP. Returns the turn,
    or None when there was nothing to claim (done already, or by another job)."""
    claimed = Turn.objects.filter(pk=turn_id, after_work=Turn.AfterWork.QUEUED).update(
        after_work=Turn.AfterWork.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return None
    turn = Turn.objects.select_related("avatar", "avatar__style").filter(pk=turn_id).first()
    if turn is None:
        return None  # deleted meanwhile
    # Each step failing costs only that step: the version itself is done and shown.
    try:
        image = _picture(turn)
    except Exception:
        logger.exception("turn %s: could not read its picture", turn_id)
        image = None
    if image is not None:
        try:
            turn_likeness_measure(turn=turn, image=image)
        except Exception:
            logger.exception("turn %s: could not measure the likeness", turn_id)
        try:
            turn_skin_measure(turn=turn, image=image)  # after the likeness: its faces
        except Exception:
            logger.exception("turn %s: could not measure the skin tone", turn_id)
        try:
            turn_person_find(turn=turn, image=image)  # for its background edits and cut-outs
        except Exception:
            logger.exception("turn %s: could not find the person", turn_id)
        try:
            if not Turn.objects.filter(pk=turn_id).exclude(webp="").exists():
                turn_webp_store(turn=turn, image=image)  # unless a download made it already
        except Exception:
            logger.exception("turn %s: could not store the WebP download", turn_id)
    with transaction.atomic():
        # Only this claim's end is announced: recovery may have handed a stalled one on.
        done = Turn.objects.filter(pk=turn_id, after_work=Turn.AfterWork.RUNNING).update(
            after_work=Turn.AfterWork.NONE
        )
        turn.refresh_from_db()
        if done:
            # Inside the transaction: the webhooks' deliveries are written with the end of
            # the after-work, or neither is and recovery does both again.
            turn_finished_announce(turn=turn)
    if done:
        # Once it is all done, so a page that reloads on it no longer finds it pending.
        events.publish(
            turn.avatar_id,
            events.LikenessEvent(
                type=events.EventType.LIKENESS,
                turn=turn.pk,
                likeness=turn.likeness,
                words=turn_likeness_words(turn),
            ),
        )
    return turn


def _picture(turn: Turn) -> Image.Image | None:
    """The version's picture, from its stored PNG (None: removed by a moderator meanwhile)."""
    if not turn.image:
        return None
    with turn.image.open("rb") as fh:
        return images.open_stored(fh.read())


def turn_after_work_requeue() -> list[int]:
    """Queue again every after-work the database says is queued: one whose job a dead runner
    never got to queue (it died between "done" and the enqueue). Harmless when its job is
    queued already: the second finds it claimed."""
    queued = list(
        Turn.objects.filter(after_work=Turn.AfterWork.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for turn_id in queued:
        turn_after_work_enqueue(turn_id=turn_id)
    return queued


def turn_after_work_recover(*, stale_after: float | None = None) -> list[int]:
    """Re-queue after-work a dead process left running, and queue what is left queued.

    With ``stale_after=None`` (the embedded background runner starting: it is the only one,
    so whatever is running belongs to a dead one) every running after-work is; with
    ``stale_after`` seconds (scale-out, ``pixme_recover``) only after-work claimed that long
    ago (it takes about a second). Their job records are marked failed, as for renders.
    """
    from jobs.task_records import task_result_fail_dead

    running = Turn.objects.filter(after_work=Turn.AfterWork.RUNNING)
    cutoff = None
    if stale_after is not None:
        cutoff = timezone.now() - timedelta(seconds=stale_after)
        running = running.filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
    dead = list(running.values_list("pk", flat=True))
    live = set(
        Turn.objects.filter(after_work=Turn.AfterWork.RUNNING)
        .exclude(pk__in=dead)
        .values_list("pk", flat=True)
    )
    task_result_fail_dead(
        task_paths=[after_work.module_path], started_before=cutoff, live_turn_ids=live
    )
    Turn.objects.filter(pk__in=dead, after_work=Turn.AfterWork.RUNNING).update(
        after_work=Turn.AfterWork.QUEUED
    )
    return turn_after_work_requeue()
