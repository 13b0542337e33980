"""Webhooks: a developer's URLs that hear when a version finishes (issue #13)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Webhook(models.Model):
    """A URL of the owner's that is POSTed every finished version of their avatars."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.CharField(max_length=2000)
    # Kept in clear, unlike a password: every delivery is signed with it (HMAC needs the key).
    # Shown to the owner once, when the webhook is made.
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One event for one webhook, and how sending it went (retried with backoff for a day)."""

    class Event(models.TextChoices):
        SUCCEEDED = "turn.succeeded", "Version done"
        FAILED = "turn.failed", "Version failed"
        CANCELLED = "turn.cancelled", "Version cancelled"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20, choices=Event.choices)
    # Plain ids, not foreign keys: the record of what was sent outlives a deleted avatar.
    avatar_id = models.PositiveBigIntegerField()
    turn_id = models.PositiveBigIntegerField()
    # The exact bytes signed and sent (UTF-8 JSON), so every retry sends the same body.
    payload = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["webhook", "-created_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} → {self.webhook_id}"
