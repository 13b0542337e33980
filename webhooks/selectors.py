"""Read-side queries, scoped to the owner: another user's webhook is simply not found (404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from webhooks.models import Delivery, Webhook

RECENT_DELIVERIES = 5


def webhook_list_for_user(*, user: User, recent: int = 0) -> QuerySet[Webhook]:
    """The user's webhooks, newest first; with ``recent``, each has ``recent_deliveries``."""
    webhooks = Webhook.objects.filter(owner=user).order_by("-created_at", "-id")
    if recent:
        latest = Delivery.objects.order_by("-created_at", "-id")[:recent]
        webhooks = webhooks.prefetch_related(
            Prefetch("deliveries", queryset=latest, to_attr="recent_deliveries")
        )
    return webhooks


def webhook_get_for_user(*, user: User, webhook_id: int) -> Webhook:
    """Raises Webhook.DoesNotExist for ids the user does not own."""
    return Webhook.objects.get(pk=webhook_id, owner=user)


def delivery_list_for_webhook(*, webhook: Webhook) -> QuerySet[Delivery]:
    return webhook.deliveries.order_by("-created_at", "-id")
