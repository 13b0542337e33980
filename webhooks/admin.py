"""Webhooks in the admin, to look at: a secret is never shown, deliveries are not edited."""

from django.contrib import admin

from pixme.admin import ReadOnlyAdminMixin
from webhooks.models import Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["owner"]
    search_fields = ["url", "owner__username"]
    fields = ["owner", "url", "description", "active", "created_at"]  # not the secret
    readonly_fields = ["owner", "url", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # made by their owners, who are shown the secret


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    search_fields = ["webhook__url", "webhook__owner__username"]
    readonly_fields = [
        "webhook",
        "event",
        "avatar_id",
        "turn_id",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "first_attempt_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
