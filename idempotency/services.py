"""Idempotency keys: claim one for a request, remember its answer, forget it when it expires.

A claim is a row inserted under a unique (user, key) constraint and committed at once, so of
several parallel requests with one key exactly one inserts it; the others find it taken.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from idempotency.models import IdempotencyRecord
from pixme.errors import ApplicationError

# A claim this old with no answer was left by a process that died mid-request: the answer and
# the work are committed together (idempotency.decorators), so nothing was made and the
# request may run again. Far longer than any create or edit takes to answer.
ABANDONED_AFTER = timedelta(minutes=5)
IN_PROGRESS_RETRY_AFTER_SECONDS = 1


def idempotency_window() -> timedelta:
    return timedelta(hours=settings.PIXME_IDEMPOTENCY_HOURS)


def idempotency_prune() -> int:
    """Forget every key older than the window (its key may then be used afresh)."""
    cutoff = timezone.now() - idempotency_window()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotency_claim(*, user: User, key: str, fingerprint: str) -> IdempotencyRecord:
    """The record for ``key``: a fresh claim (not ``answered``: go ahead and do the work) or the
    remembered answer to replay.

    Raises ApplicationError ``idempotency_key_reused`` when the key came with a different
    request, and ``idempotency_in_progress`` (with ``retry_after``) while another request with
    it is still being answered.
    """
    idempotency_prune()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is not None and record.fingerprint != fingerprint:
        raise ApplicationError(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
            code="idempotency_key_reused",
        )
    if record is not None and record.answered:
        return record
    if record is not None and _take_over_abandoned(record):
        return record
    # Still being answered (or released a moment ago): the client retries shortly.
    raise ApplicationError(
        "A request with this Idempotency-Key is still being processed; try again shortly.",
        code="idempotency_in_progress",
        extra={"retry_after": IN_PROGRESS_RETRY_AFTER_SECONDS},
    )


def _take_over_abandoned(record: IdempotencyRecord) -> bool:
    now = timezone.now()
    if record.created_at > now - ABANDONED_AFTER:
        return False
    # Claimed by row count, so of two repeats of an abandoned request only one takes it over.
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, response_status__isnull=True, created_at=record.created_at
    ).update(created_at=now)
    record.created_at = now
    return taken == 1


def idempotency_answer(
    *, record: IdempotencyRecord, status: int, body: object, location: str = ""
) -> IdempotencyRecord:
    """Remember the answer to give every repeat of the claimed request."""
    record.response_status = status
    record.response_body = body
    record.response_location = location
    record.save(update_fields=["response_status", "response_body", "response_location"])
    return record


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Give up a claim whose request was refused or failed: the key may be sent again."""
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()
