"""The render job: claim a queued version, draw it with its engine (retrying what another try
may get past), and end it — succeeded, failed or cancelled — writing the row first, then the
news of it. ``turn_run`` is what the task calls; it is idempotent (a turn that is not queued is
left alone) and always ends a claimed turn. What a version still needs once it is shown (its
likeness, its WebP) is the after-work's, another job's.
"""

from __future__ import annotations

import logging
import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from avatars import images
from avatars.engines.base import (
    MAX_ATTEMPTS,
    EngineError,
    RenderResult,
    get_engine,
    retry_wait,
)
from avatars.live import events
from avatars.live.snapshot import turn_image_url
from avatars.models import Avatar, Turn
from avatars.moderation.flags import turn_refusal_flag
from avatars.provenance.services import turn_credentials_try
from avatars.selectors import take_queryset, turn_retryable
from avatars.services.after_work import turn_after_work_enqueue
from avatars.services.context import turn_render_request
from avatars.services.current import avatar_current_set
from avatars.signals import turn_finished_announce
from avatars.stages import stage_words
from pixme.errors import ApplicationError

logger = logging.getLogger(__name__)


@task()
def render_turn(turn_id: int) -> None:
    """The job: thin, it calls the service (jobs stored as avatars.tasks.render_turn too)."""
    turn_run(turn_id=turn_id)


def turn_enqueue(*, turn: Turn) -> None:
    """Queue the job once the surrounding transaction commits (so the worker sees the row)."""
    turn_id = turn.pk
    transaction.on_commit(lambda: render_turn.enqueue(turn_id))


UNEXPECTED_FAILURE = (
    "Something went wrong on our side while drawing this version. Please try again."
)


class TurnCancelled(Exception):
    pass


def turn_text_reset_publish(turn: Turn) -> None:
    """Tell open pages the turn's text starts again (an empty delta at offset 0)."""
    events.publish(
        turn.avatar_id,
        events.TextEvent(type=events.EventType.TEXT, turn=turn.pk, delta="", offset=0),
    )


class TurnProgress:
    """The engine's progress callback: writes the row, then publishes the news of it.

    Every call writes (engines report a few dozen times per render at most), so the row is
    always as current as the last event, and a run that was cancelled — and perhaps retried
    since — finds out at its very next report instead of publishing stale progress.
    """

    def __init__(self, turn: Turn):
        self.turn = turn
        self.percent = 0
        self.stage = ""
        self.text = ""

    def mine(self):
        """This run of the turn, still running (a cancelled-and-retried turn is not mine)."""
        return Turn.objects.filter(pk=self.turn.pk, status=Turn.Status.RUNNING, run=self.turn.run)

    def reset_text(self) -> None:
        """A new attempt starts: the failed attempt's words are dropped, here and on pages."""
        self.text = ""
        if not self.mine().update(model_text="", heartbeat_at=timezone.now()):
            raise TurnCancelled
        turn_text_reset_publish(self.turn)

    def __call__(self, stage, percent, message=None, text_delta=None) -> None:
        percent = max(self.percent, min(99, int(percent)))
        self.stage, self.percent = stage, percent
        # A page that joins late gets all the text so far from the snapshot; the offset on
        # each text event lets it skip what it already has.
        offset = len(self.text)
        self.text += text_delta or ""
        fields = {
            "stage": stage,
            "percent": percent,
            "model_text": self.text,
            "heartbeat_at": timezone.now(),
        }
        if message:
            fields["message"] = message[:300]
        if not self.mine().update(**fields):
            raise TurnCancelled
        if text_delta:
            events.publish(
                self.turn.avatar_id,
                events.TextEvent(
                    type=events.EventType.TEXT, turn=self.turn.pk, delta=text_delta, offset=offset
                ),
            )
        events.publish(
            self.turn.avatar_id,
            events.ProgressEvent(
                type=events.EventType.PROGRESS,
                turn=self.turn.pk,
                status=Turn.Status.RUNNING,
                stage=stage,
                words=stage_words(stage=stage),
                percent=percent,
                message=message or "",
            ),
        )


def turn_run(*, turn_id: int) -> Turn | None:
    """Claim a queued turn and draw it. Returns the finished turn, or None if not claimable."""
    now = timezone.now()
    claimed = Turn.objects.filter(pk=turn_id, status=Turn.Status.QUEUED).update(
        status=Turn.Status.RUNNING,
        run=F("run") + 1,
        started_at=now,
        heartbeat_at=now,
        stage="queued",
        percent=0,
        message="Starting",
    )
    if not claimed:
        return None  # already done, cancelled, or claimed by another worker
    turn = (
        Turn.objects.select_related("avatar", "avatar__style", "avatar__owner", "parent")
        .filter(pk=turn_id)
        .first()
    )
    if turn is None:
        return None  # its avatar was deleted a moment ago
    try:
        return _turn_draw(turn)
    except Turn.DoesNotExist:
        logger.info("turn %s was deleted while it ran", turn_id)
        return None


def _turn_draw(turn: Turn) -> Turn:
    turn_id = turn.pk
    reporter = TurnProgress(turn)
    try:
        if turn.avatar.source_faces:
            reporter("queued", 1, "Starting")
        else:  # the first version: the selfie's face is found here, once, not in the upload
            reporter("faces", 1, "Finding your face")
        request = turn_render_request(turn=turn)
        engine = get_engine(turn.engine)
        result = _render_with_retries(turn, engine, request, reporter)
        return _turn_succeed(turn, result, reporter)
    except TurnCancelled:
        logger.info("turn %s cancelled while running", turn_id)
        turn.refresh_from_db()
        return turn
    except EngineError as exc:
        logger.info("turn %s failed: %s (%s)", turn_id, exc.code, exc.detail)
        model_text = getattr(exc, "model_text", "")
        return _turn_fail(
            reporter,
            exc.code,
            exc.message,
            flagged=exc.code == "blocked",
            model_text=model_text or reporter.text,
        )
    except ApplicationError as exc:
        return _turn_fail(reporter, exc.code, exc.message)
    except Exception:
        logger.exception("turn %s crashed", turn_id)
        return _turn_fail(reporter, "internal", UNEXPECTED_FAILURE)


def _render_with_retries(turn, engine, request, reporter) -> RenderResult:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if not reporter.mine().update(attempts=attempt):
            raise TurnCancelled
        if attempt > 1 and reporter.text:
            reporter.reset_text()
        try:
            return engine.render(request, reporter)
        except EngineError as exc:
            delay = retry_wait(exc, attempt)  # the CLI follows the same policy
            if delay is None:
                raise
            reporter(
                reporter.stage or "queued",
                reporter.percent,
                f"{exc.message} Retrying in {delay:.0f} s (attempt {attempt + 1} of "
                f"{MAX_ATTEMPTS}).",
            )
            time.sleep(delay)
    raise AssertionError("unreachable")


def _turn_succeed(turn: Turn, result: RenderResult, reporter: TurnProgress) -> Turn:
    avatar = turn.avatar
    image = result.image.convert("RGB")
    reporter("encode", 96, "Saving your avatar")
    meta = {"engine": turn.engine, "style": avatar.style.slug, "model": result.model or turn.engine}
    # A model's signed (C2PA) original is kept as it came: a re-encode would drop it.
    provider_signed = result.original_type == "image/png"
    png = result.original if provider_signed else images.encode_png(image, **meta)
    # Our Content Credentials go on last, after every encode (the provider's kept inside);
    # a signing failure keeps the version, unsigned (logged, and Turn.signed stays off).
    turn.model = result.model or turn.model
    png, signed = turn_credentials_try(turn, png, mime="image/png", provider_signed=provider_signed)
    thumb = images.encode_webp(images.thumbnail(image), quality=80, **meta)
    turn.image.save(f"v{turn.number}.png", ContentFile(png), save=False)
    turn.thumbnail.save(f"v{turn.number}-thumb.webp", ContentFile(thumb), save=False)
    with transaction.atomic():
        # The avatar's lock orders this against avatar_delete, which lists files under it.
        alive = Avatar.objects.select_for_update().filter(pk=avatar.pk).exists()
        updated = alive and reporter.mine().update(
            status=Turn.Status.SUCCEEDED,
            stage="done",
            percent=100,
            message="Done",
            image=turn.image.name,
            thumbnail=turn.thumbnail.name,
            width=image.width,
            height=image.height,
            model=turn.model,
            signed=signed,
            model_text=result.text or reporter.text,
            model_content=result.model_content,
            usage=result.usage,
            finished_at=timezone.now(),
            after_work=Turn.AfterWork.QUEUED,  # with the success: recovery finds it if lost
        )
        if not updated:  # cancelled at the last moment: keep nothing half-done
            turn.image.delete(save=False)
            turn.thumbnail.delete(save=False)
            raise TurnCancelled
        if _is_one_of_several_takes(turn):
            # The first take drawn is shown at once; the others never take over from it (or
            # from a take the user kept meanwhile): the best is chosen when all are drawn.
            avatar_current_set(turn=turn, replacing=None)
        else:
            avatar_current_set(turn=turn)
    turn.refresh_from_db()
    events.publish(
        avatar.pk,
        events.DoneEvent(
            type=events.EventType.DONE,
            turn=turn.pk,
            image=turn_image_url(turn),
            thumbnail=turn_image_url(turn, thumbnail=True),
            model_text=turn.model_text,
            likeness=turn.likeness,
        ),
    )
    # The likeness and the WebP are another job's, on the background queue: this runner is
    # free for the next render now. Webhooks hear of the version when that job is done.
    turn_after_work_enqueue(turn_id=turn.pk)
    return turn


def _is_one_of_several_takes(turn: Turn) -> bool:
    if turn.kind != Turn.Kind.GENERATE or turn.parent_id is not None:
        return False
    return take_queryset(avatar_id=turn.avatar_id).count() > 1


def _turn_fail(
    reporter: TurnProgress, code: str, message: str, *, flagged: bool = False, model_text: str = ""
) -> Turn:
    turn = reporter.turn
    updated = reporter.mine().update(
        status=Turn.Status.FAILED,
        error_code=code[:30],
        error_message=message[:500],
        message="Failed",  # the words are in error_message; not a truncated copy here
        flagged=flagged,
        model_text=model_text,
        finished_at=timezone.now(),
    )
    turn.refresh_from_db()
    if not updated:
        return turn  # cancelled (perhaps retried since): this run has nothing more to say
    if flagged:
        turn_refusal_flag(turn=turn)
    events.publish(
        turn.avatar_id,
        events.FailedEvent(
            type=events.EventType.FAILED,
            turn=turn.pk,
            code=code,
            message=message,
            retryable=turn_retryable(turn=turn),
        ),
    )
    turn_finished_announce(turn=turn)
    return turn
