"""Turns: request an edit, retry, cancel, revert, and queue again what a dead runner left.

The Turn row is the job's state and the single source of truth; the job that draws a version
is :mod:`avatars.services.turn_run`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from accounts.services import profile_for_user, user_suspension_check
from avatars.engines.base import (
    EngineError,
    get_engine,
)
from avatars.live import events
from avatars.models import Avatar, Turn
from avatars.moderation.flags import avatar_flag_check
from avatars.moderation.rules import avatar_moderation_check
from avatars.selectors import turn_retryable
from avatars.services.current import avatar_current_set
from avatars.services.limits import (
    instruction_check,
    style_strength_check,
    user_can_generate_check,
    user_lock,
    user_unfinished_check,
)
from avatars.services.turn_run import turn_enqueue, turn_text_reset_publish
from avatars.signals import turn_finished_announce
from avatars.stages import stage_words
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)


# Every path the render jobs (render_turn, render_takes) are stored under, then and now.
RENDER_TASK_PATHS = (
    "avatars.services.turn_run.render_turn",
    "avatars.services.takes.render_takes",
    "avatars.tasks.render_turn",
    "avatars.tasks.render_takes",
)


def turn_quota_check(*, user: User, engine: str) -> None:
    """Refuse when the user has spent today's generations with a generative engine."""
    if engine == "studio":
        return  # offline and free: no quota
    limit = profile_for_user(user=user).daily_quota
    if limit is None:
        limit = settings.PIXME_DAILY_QUOTA
    since = timezone.now() - timedelta(days=1)
    used = (
        Turn.objects.filter(avatar__owner=user, engine=engine, created_at__gte=since)
        .exclude(status=Turn.Status.CANCELLED)
        .count()
    )
    if used >= limit:
        raise ApplicationError(
            f"You've used your {limit} {engine} generations for today. "
            "Try again tomorrow, or use the offline Studio engine.",
            code="quota",
        )


@transaction.atomic
def turn_request_edit(
    *,
    avatar: Avatar,
    instruction: str,
    parent: Turn | None = None,
    engine: str | None = None,
    style_strength: int | None = None,
) -> Turn:
    """Queue an edit of ``parent`` (default: the current version) as a new version, drawn at
    ``style_strength`` (default: the parent's, so an edit doesn't change the balance)."""
    avatar_moderation_check(avatar=avatar, doing="edited")
    if style_strength is not None:
        style_strength = style_strength_check(style_strength=style_strength)
    instruction = instruction.strip()
    if not instruction:
        raise ApplicationError("Tell us what to change, for example “add round glasses”.")
    instruction_check(instruction=instruction)  # before the engine reads a word of it
    # Read the parent afresh: the caller's objects may predate the job that finished it.
    parent_id = (
        parent.pk
        if parent is not None
        else (Avatar.objects.filter(pk=avatar.pk).values_list("current_turn_id", flat=True).first())
    )
    parent = Turn.objects.filter(pk=parent_id).first() if parent_id else None
    if parent is None or parent.status != Turn.Status.SUCCEEDED or parent.avatar_id != avatar.pk:
        raise ApplicationError("There's no finished version to edit yet.")
    engine = engine or parent.engine
    turn_edit_check(avatar=avatar, instruction=instruction, engine=engine)
    user_lock(user=avatar.owner)  # serialise this user's requests: the checks below hold
    user_can_generate_check(user=avatar.owner)
    Avatar.objects.select_for_update().filter(pk=avatar.pk).first()  # serialise numbering
    # Again under the lock a moderator's decision takes too: a hide committed meanwhile counts.
    avatar_moderation_check(avatar=avatar, doing="edited")
    turn_quota_check(user=avatar.owner, engine=engine)  # under the lock: no double spend
    user_unfinished_check(user=avatar.owner)
    number = (avatar.turns.aggregate(n=Max("number"))["n"] or 0) + 1
    turn = Turn.objects.create(
        avatar=avatar,
        parent=parent,
        number=number,
        kind=Turn.Kind.EDIT,
        instruction=instruction,
        engine=engine,
        model=parent.model if engine == parent.engine else "",
        aspect_ratio=parent.aspect_ratio,
        image_size=parent.image_size,
        style_strength=parent.style_strength if style_strength is None else style_strength,
        message="Waiting for a free drawing desk",
    )
    turn_enqueue(turn=turn)
    avatar_flag_check(avatar=avatar, instruction=instruction)
    return turn


def turn_edit_check(*, avatar: Avatar, instruction: str, engine: str) -> None:
    """Refuse, before a version number is taken or anything queued, an edit the engine could
    only refuse when it came to draw it (the studio's parser: "make me taller")."""
    profile = profile_for_user(user=avatar.owner)
    try:
        get_engine(engine).edit_check(instruction, caption=profile.caption or profile.display_name)
    except EngineError as exc:
        raise ApplicationError(exc.message, code="bad_instruction") from None


@transaction.atomic
def turn_retry(*, turn: Turn) -> Turn:
    """Put a failed or cancelled turn back in the queue."""
    user_lock(user=turn.avatar.owner)
    user_can_generate_check(user=turn.avatar.owner)
    # Under the avatar's lock, which a moderator's decision takes too.
    Avatar.objects.select_for_update().filter(pk=turn.avatar_id).first()
    avatar_moderation_check(avatar=turn.avatar, doing="retried")
    current = Turn.objects.select_for_update().filter(pk=turn.pk).first()
    if current is not None and current.status == Turn.Status.CANCELLED:
        # A cancelled turn stopped counting against the daily quota; it counts again now.
        turn_quota_check(user=current.avatar.owner, engine=current.engine)
    if current is not None and current.is_finished:
        user_unfinished_check(user=current.avatar.owner)
    if current is not None and current.is_finished and not turn_retryable(turn=current):
        raise ApplicationError(
            "Trying again would fail the same way; make a new edit instead.", code="not_retryable"
        )
    updated = Turn.objects.filter(
        pk=turn.pk, status__in=[Turn.Status.FAILED, Turn.Status.CANCELLED]
    ).update(
        status=Turn.Status.QUEUED,
        stage="",
        percent=0,
        error_code="",
        error_message="",
        message="Waiting for a free drawing desk",
        model_text="",
        attempts=0,
        finished_at=None,
    )
    if not updated:
        raise ApplicationError("Only a failed or cancelled version can be retried.")
    turn.refresh_from_db()
    turn_enqueue(turn=turn)
    transaction.on_commit(lambda: _publish_requeued(turn))
    return turn


def _publish_requeued(turn: Turn) -> None:
    """Tell open pages a retried turn is queued again, its old text and error gone."""
    turn_text_reset_publish(turn)
    events.publish(
        turn.avatar_id,
        events.ProgressEvent(
            type=events.EventType.PROGRESS,
            turn=turn.pk,
            status=turn.status,
            stage=turn.stage,
            words=stage_words(stage=turn.stage, status=turn.status),
            percent=turn.percent,
            message=turn.message,
        ),
    )


def turn_cancel(*, turn: Turn) -> Turn:
    """Cancel a queued or running turn; a running job notices at its next progress report."""
    updated = Turn.objects.filter(
        pk=turn.pk, status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]
    ).update(status=Turn.Status.CANCELLED, message="Cancelled", finished_at=timezone.now())
    if not updated:
        raise ApplicationError("This version has already finished.")
    turn.refresh_from_db()
    events.publish(
        turn.avatar_id,
        events.FailedEvent(
            type=events.EventType.FAILED,
            turn=turn.pk,
            code="cancelled",
            message="Cancelled",
            retryable=True,
        ),
    )
    turn_finished_announce(turn=turn)
    return turn


def turn_revert(*, avatar: Avatar, turn: Turn) -> Avatar:
    """Make an older version current again; nothing is deleted."""
    user_suspension_check(user=avatar.owner, doing="change your avatars")
    avatar_moderation_check(avatar=avatar, doing="changed")
    if turn.avatar_id != avatar.pk or turn.status != Turn.Status.SUCCEEDED:
        raise ApplicationError("Only a finished version of this avatar can be made current.")
    avatar_current_set(turn=turn)
    avatar.current_turn = turn
    return avatar


def turn_recover_unfinished(*, stale_after: float | None = None) -> list[int]:
    """Re-queue turns a dead process left queued or running.

    With ``stale_after=None`` (the embedded server at start-up: it is the only process that
    runs jobs, so whatever is running belongs to a dead one) every unfinished turn is
    re-queued. With ``stale_after`` seconds (scale-out, ``manage.py pixme_recover`` on a
    timer) only running turns whose job has not reported for that long are, so live workers'
    turns are left alone. Re-queuing a queued turn is harmless: a second task finds it
    claimed and does nothing. The dead jobs' task records are marked failed.
    """
    from jobs.task_records import task_result_fail_dead

    running = Turn.objects.filter(status=Turn.Status.RUNNING)
    cutoff = None
    if stale_after is not None:
        cutoff = timezone.now() - timedelta(seconds=stale_after)
        running = running.filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        )
    dead = list(running.values_list("pk", flat=True))
    live = set(
        Turn.objects.filter(status=Turn.Status.RUNNING)
        .exclude(pk__in=dead)
        .values_list("pk", flat=True)
    )
    task_result_fail_dead(task_paths=RENDER_TASK_PATHS, started_before=cutoff, live_turn_ids=live)
    queued = list(Turn.objects.filter(status=Turn.Status.QUEUED).values_list("pk", flat=True))
    stale = sorted(dead + queued)
    if dead:
        Turn.objects.filter(pk__in=dead, status=Turn.Status.RUNNING).update(
            status=Turn.Status.QUEUED,
            message="Resuming after a restart",
            stage="",
            percent=0,
            model_text="",
        )
    if stale:
        with transaction.atomic():
            for turn_id in stale:
                turn_enqueue(turn=Turn(pk=turn_id))
    return stale
