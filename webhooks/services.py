"""Webhooks: register and delete a URL; when a version finishes, sign and deliver its JSON.

A delivery is tried at once, then again with growing waits (``RETRY_DELAYS``) until
``RETRY_WINDOW`` after its first attempt, with one last try at the end of the window; then
it is marked failed. Each attempt is its own task (``webhooks.tasks.deliver``), scheduled with
django-tasks' ``run_after``, and claims its attempt number atomically, so a task run twice
sends once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import user_suspension_check
from avatars.models import Avatar, Turn
from pixme.errors import ApplicationError
from webhooks import transport
from webhooks.models import Delivery, Webhook

logger = logging.getLogger(__name__)

MAX_WEBHOOKS_PER_USER = 10
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
RETRY_WINDOW = timedelta(hours=24)
EVENT_BY_STATUS = {
    Turn.Status.SUCCEEDED: Delivery.Event.SUCCEEDED,
    Turn.Status.FAILED: Delivery.Event.FAILED,
    Turn.Status.CANCELLED: Delivery.Event.CANCELLED,
}


def sign(*, secret: str, body: bytes) -> str:
    """The ``X-Pixme-Signature`` header's value: ``sha256=`` and the hex HMAC of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_url_check(*, url: str) -> str:
    """The URL, stripped, if webhooks may call it; raises ApplicationError saying why not."""
    url = url.strip()
    if not url:
        raise ApplicationError("Enter the URL to call.", code="invalid_url")
    longest = Webhook._meta.get_field("url").max_length  # the page's form has no field to say it
    if len(url) > longest:
        raise ApplicationError(
            f"That URL is longer than {longest:,} characters.", code="invalid_url"
        )
    try:
        transport.destination_check(url)
    except transport.DeliveryError as exc:
        raise ApplicationError(exc.message, code="invalid_url") from None
    return url


@transaction.atomic
def webhook_create(*, owner: User, url: str, description: str = "") -> Webhook:
    """Register ``url`` for ``owner``'s finished versions. The returned webhook's secret is
    the only time it is shown. A suspended user adds none (avatars.moderation.rules)."""
    user_suspension_check(user=owner, doing="add webhooks")
    url = webhook_url_check(url=url)
    User.objects.select_for_update().filter(pk=owner.pk).first()  # no two past the cap at once
    if Webhook.objects.filter(owner=owner).count() >= MAX_WEBHOOKS_PER_USER:
        raise ApplicationError(
            f"You have {MAX_WEBHOOKS_PER_USER} webhooks already: delete one first.",
            code="too_many_webhooks",
        )
    return Webhook.objects.create(
        owner=owner,
        url=url,
        description=description.strip(),
        secret="whsec_" + secrets.token_urlsafe(32),
    )


def webhook_delete(*, webhook: Webhook) -> None:
    """Delete the webhook and its deliveries; pending retries find nothing and stop."""
    webhook.delete()


def _absolute(path: str) -> str:
    # No request here (a job or a signal): the site's own address comes from the settings.
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def delivery_payload(*, turn: Turn, event: str) -> str:
    """The JSON body for ``event`` about ``turn``: what the API says of a version, with
    absolute API URLs for its images (fetched with the API token)."""

    def file_url(kind: str) -> str:
        return _absolute(reverse("api-turn-file", args=[turn.avatar_id, turn.pk, kind]))

    return json.dumps(
        {
            "event": event,
            "created_at": timezone.now().isoformat(),
            "turn": {
                "id": turn.pk,
                "avatar": turn.avatar_id,
                "avatar_url": _absolute(reverse("api-avatar", args=[turn.avatar_id])),
                "number": turn.number,
                "kind": turn.kind,
                "instruction": turn.instruction,
                "status": turn.status,
                "engine": turn.engine,
                "model": turn.model,
                "error_code": turn.error_code,
                "error_message": turn.error_message,
                "likeness": turn.likeness,
                "image": file_url("image.png") if turn.image else "",
                "image_webp": file_url("image.webp") if turn.image else "",
                "thumbnail": file_url("thumbnail.webp") if turn.thumbnail else "",
                "finished_at": turn.finished_at.isoformat() if turn.finished_at else None,
            },
        },
        separators=(",", ":"),
    )


def _enqueue(*, delivery_id: int, attempt: int, run_after: datetime | None = None) -> None:
    from webhooks.tasks import deliver

    task = deliver
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The immediate backend of the tests cannot wait: the test runs the attempt.
            logger.info("delivery %s: attempt %s not scheduled (no deferral)", delivery_id, attempt)
            return
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id, attempt)


@transaction.atomic
def delivery_create_for_turn(*, turn: Turn, status: str) -> list[Delivery]:
    """One delivery per active webhook of the avatar's owner, sent once this commits."""
    event = EVENT_BY_STATUS.get(status)
    if event is None:
        return []
    owner_id = Avatar.objects.filter(pk=turn.avatar_id).values("owner_id")
    webhooks = list(Webhook.objects.filter(owner_id__in=owner_id, active=True))
    if not webhooks:
        return []
    payload = delivery_payload(turn=turn, event=event)
    deliveries = [
        Delivery.objects.create(
            webhook=webhook,
            event=event,
            avatar_id=turn.avatar_id,
            turn_id=turn.pk,
            payload=payload,
        )
        for webhook in webhooks
    ]
    for delivery in deliveries:
        delivery_id = delivery.pk
        transaction.on_commit(lambda d=delivery_id: _enqueue(delivery_id=d, attempt=1))
    return deliveries


def _next_attempt_at(*, delivery: Delivery, now: datetime) -> datetime | None:
    """When to try again after attempt ``delivery.attempts`` failed; None to give up."""
    deadline = delivery.first_attempt_at + RETRY_WINDOW
    if now >= deadline:
        return None
    delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
    return min(now + delay, deadline)  # the last try is at the end of the day


def delivery_attempt(*, delivery_id: int, attempt: int) -> Delivery | None:
    """Make attempt number ``attempt`` of a pending delivery, and schedule the next if it
    fails. Returns None when that attempt is not this call's to make (made already, the
    delivery is finished, or its webhook was deleted)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, attempts=attempt - 1
    ).update(attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("webhook").get(pk=delivery_id)
    if delivery.first_attempt_at is None:
        delivery.first_attempt_at = now
    body = delivery.payload.encode()
    status_code = None
    error = ""
    permanent = False
    if not delivery.webhook.active:
        error, permanent = "The webhook is turned off.", True
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "PixMe-Webhooks/1",
            "X-Pixme-Event": delivery.event,
            "X-Pixme-Delivery": str(delivery.pk),
            "X-Pixme-Signature": sign(secret=delivery.webhook.secret, body=body),
        }
        try:
            status_code = transport.post(delivery.webhook.url, body=body, headers=headers)
        except transport.DeliveryError as exc:
            error, permanent = exc.message, exc.permanent
        else:
            if not 200 <= status_code < 300:
                error = f"Answered {status_code}" + (
                    " (redirects are not followed)." if 300 <= status_code < 400 else "."
                )
    delivery.last_status_code = status_code
    delivery.last_error = error[:300]
    if not error:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    else:
        next_at = None if permanent else _next_attempt_at(delivery=delivery, now=timezone.now())
        if next_at is None:
            delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = next_at
    delivery.save(
        update_fields=[
            "first_attempt_at",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if delivery.next_attempt_at is not None:
        _enqueue(delivery_id=delivery.pk, attempt=attempt + 1, run_after=delivery.next_attempt_at)
    logger.info(
        "delivery %s attempt %s: %s", delivery.pk, attempt, error or f"answered {status_code}"
    )
    return delivery


def delivery_recover_stalled(*, stale_after: timedelta = timedelta(minutes=5)) -> list[int]:
    """Re-queue the next attempt of pending deliveries whose task was lost: a job runner that
    died mid-attempt, or a scheduled retry overdue by ``stale_after``. A task queued twice
    sends once (each attempt is claimed), so running this on a healthy system is harmless."""
    cutoff = timezone.now() - stale_after
    stalled = (
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .annotate(since=Coalesce("last_attempt_at", "created_at"))
        .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, since__lt=cutoff))
        .values_list("pk", "attempts")
    )
    recovered = []
    for delivery_id, attempts in stalled:
        _enqueue(delivery_id=delivery_id, attempt=attempts + 1)
        recovered.append(delivery_id)
    return recovered
