"""Takes: one create drawn several ways at once ("make 1–4 versions").

Each take is a version of its own: a generate turn on its own branch (no parent) with its
``variant`` (0, 1, …), which engines read to make takes differ. It reports its own progress
and can be cancelled, retried or edited like any version. One job draws them one after
another; once all are drawn and measured (each take's likeness is its after-work, done by a
job of its own), the take most like the selfie becomes current — unless the user already chose
one meanwhile.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django_tasks import task

from accounts.models import User
from avatars.engines.base import STYLE_STRENGTH_DEFAULT
from avatars.models import Avatar, Turn
from avatars.selectors import take_queryset, take_rank
from avatars.services.current import avatar_current_set
from avatars.services.turn_run import turn_enqueue, turn_run
from avatars.services.turns import turn_quota_check
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)

MAX_TAKES = 4


def takes_count_check(*, variants: int) -> None:
    if isinstance(variants, bool) or not isinstance(variants, int):
        raise ApplicationError(f"Ask for 1 to {MAX_TAKES} takes.", code="bad_option")
    if not 1 <= variants <= MAX_TAKES:
        raise ApplicationError(
            f"Ask for 1 to {MAX_TAKES} takes, not {variants}.", code="bad_option"
        )


def takes_create(
    *,
    avatar: Avatar,
    variants: int,
    instruction: str,
    engine: str,
    model: str,
    aspect_ratio: str,
    image_size: str,
    style_strength: int = STYLE_STRENGTH_DEFAULT,
) -> list[Turn]:
    """Versions 1…``variants`` of a new avatar, queued to be drawn in one job.

    Call inside the create's transaction, holding the owner's lock: each take after the first
    is checked against the daily quota with the takes made so far counted, so a refusal
    rolls back the whole create and nothing is written.
    """
    takes = []
    for variant in range(variants):
        if variant:
            _quota_check_more(user=avatar.owner, engine=engine, fits=variant)
        takes.append(
            Turn.objects.create(
                avatar=avatar,
                number=variant + 1,
                kind=Turn.Kind.GENERATE,
                variant=variant,
                instruction=instruction,
                engine=engine,
                model=model,
                aspect_ratio=aspect_ratio,
                image_size=image_size,
                style_strength=style_strength,
                message="Waiting for a free drawing desk",
            )
        )
    if variants == 1:
        turn_enqueue(turn=takes[0])
    else:
        turn_ids = [take.pk for take in takes]
        transaction.on_commit(lambda: render_takes.enqueue(turn_ids))
    return takes


def _quota_check_more(*, user: User, engine: str, fits: int) -> None:
    """The daily quota's own check (the takes made so far already count), in words that
    say how many takes would fit."""
    try:
        turn_quota_check(user=user, engine=engine)
    except ApplicationError as exc:
        left = "1 generation" if fits == 1 else f"{fits} generations"
        raise ApplicationError(
            f"You have {left} left today with {engine}: ask for {fits} "
            f"{'take' if fits == 1 else 'takes'} or fewer, or use the offline Studio engine.",
            code=exc.code,
        ) from None


@task()
def render_takes(turn_ids: list[int]) -> None:
    """The job: thin, it calls the service (jobs stored as avatars.tasks.render_takes too)."""
    takes_render(turn_ids=turn_ids)


def takes_render(*, turn_ids: list[int]) -> None:
    """Draw each take in order (each claimed and reported as its own version), then make the
    best of them current if every take's likeness is measured by now (else the last
    after-work to finish does)."""
    for turn_id in turn_ids:
        turn_run(turn_id=turn_id)
    takes_settle(turn_id=turn_ids[0])


def takes_best_choose(*, turn_ids: list[int]) -> Turn | None:
    """Make the finished take most like the selfie current, if the site's own choice stands.

    The first take to finish became current (the others never take over: see
    turns._turn_succeed), so while that one is still current nobody chose: the best takes its
    place. If the user chose since (kept another take, or an edit finished), their choice
    stays. One conditional update, so a choice made at this very moment is never overwritten.
    Returns the take made current, if any.
    """
    done = list(Turn.objects.filter(pk__in=turn_ids, status=Turn.Status.SUCCEEDED))
    if len(done) < 2:
        return None
    best = min(done, key=take_rank)
    shown_first = min(done, key=lambda t: (t.finished_at, t.pk))
    current = Avatar.objects.filter(pk=best.avatar_id).values_list("current_turn_id", flat=True)
    if best.pk in (shown_first.pk, current.first()):
        return best  # shown already (settled twice: by the render job and the last after-work)
    if not avatar_current_set(turn=best, replacing=shown_first.pk, announce=True):
        logger.info("takes %s: the user chose a version meanwhile; kept it", turn_ids)
        return None
    return best


def takes_settle(*, turn_id: int) -> Turn | None:
    """After a take was drawn, or its likeness measured: once none of its avatar's takes is
    left to draw or to measure, the best of them becomes current. Called by whichever of
    those jobs ends last (a take re-queued alone after a restart included); each looks after
    writing its own end, so one of them always sees all done."""
    avatar_id = Turn.objects.filter(pk=turn_id).values_list("avatar_id", flat=True).first()
    takes = take_queryset(avatar_id=avatar_id)
    if avatar_id is None or not takes.filter(pk=turn_id).exists():
        return None
    unsettled = Q(status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING]) | Q(
        status=Turn.Status.SUCCEEDED, after_work__in=[Turn.AfterWork.QUEUED, Turn.AfterWork.RUNNING]
    )
    if takes.count() < 2 or takes.filter(unsettled).exists():
        return None
    return takes_best_choose(turn_ids=list(takes.values_list("pk", flat=True)))


def takes_settle_when_finished(*, turn, **kwargs) -> None:
    """A version ended (turn_finished: drawn and measured, failed, or cancelled): if it is a
    take and the last of its avatar's to end, the best of them is chosen — a take re-queued
    alone after a restart included."""
    takes_settle(turn_id=turn.pk)
