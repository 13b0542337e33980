"""The admin's records: styles (edited here), and what the services write — versions,
reports, blocked terms, the moderators' audit trail, suspended users — to read."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from avatars.admin.pictures import turn_thumbnail
from avatars.admin.queue import ReasonActionForm
from avatars.models import BlockedTerm, ModerationAction, Report, Style, SuspendedUser, Turn
from avatars.moderation.services import user_suspend_lift
from pixme.admin import ReadOnlyAdminMixin
from pixme.errors import ApplicationError


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "enabled", "order"]
    list_editable = ["enabled", "order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Turn)
class TurnAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Versions, read-only: the engine's record of each. They go with their avatar or owner."""

    goes_with_owner = True

    list_display = [
        "__str__",
        "engine",
        "model",
        "status",
        "error_code",
        "flagged",
        "signed",
        "likeness",
        "created_at",
    ]
    # "Signed: no" on a finished version: its Content Credentials failed (see the log).
    list_filter = ["status", "engine", "error_code", "flagged", "signed"]
    search_fields = ["instruction", "model_text", "avatar__owner__username"]
    list_select_related = ["avatar"]
    fields = [
        "avatar",
        "preview",
        "parent",
        "number",
        "kind",
        "instruction",
        "model_text",
        "engine",
        "model",
        "aspect_ratio",
        "image_size",
        "status",
        "stage",
        "percent",
        "message",
        "width",
        "height",
        "likeness",
        "style_strength",
        "skin_tone",
        "error_code",
        "error_message",
        "flagged",
        "signed",
        "usage",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    deletable = False

    @admin.display(description="image")
    def preview(self, turn: Turn):
        return turn_thumbnail(turn, width=320)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a report is resolved by deciding on its avatar in the queue."""

    list_display = [
        "avatar_link",
        "reason",
        "note",
        "reporter",
        "established",
        "resolved",
        "created_at",
    ]
    list_filter = ["resolved", "established", "reason"]
    list_select_related = ["avatar", "avatar__style", "reporter"]
    search_fields = ["note", "avatar__owner__username", "reporter__username"]

    @admin.display(description="avatar")
    def avatar_link(self, report: Report):
        url = reverse("admin:avatars_avatar_change", args=[report.avatar_id])
        return format_html('<a href="{}">{}</a>', url, report.avatar)


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    """Words and phrases that flag an avatar for review (case-insensitive, whole words)."""

    list_display = ["term", "created_at"]
    search_fields = ["term"]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail: read by anyone allowed to see it, written only by the services."""

    list_display = [
        "created_at",
        "moderator_repr",
        "action",
        "avatar_repr",
        "subject_user_repr",
        "reason",
    ]
    list_filter = ["action", "created_at"]
    search_fields = ["moderator_repr", "avatar_repr", "subject_user_repr", "reason"]
    fields = [
        "created_at",
        "moderator_repr",
        "action",
        "avatar",
        "avatar_repr",
        "subject_user_repr",
        "reason",
    ]
    readonly_fields = fields

    deletable = False


@admin.register(SuspendedUser)
class SuspendedUserAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who is suspended and why; a moderator reinstates from here (and edits nobody)."""

    list_display = ["username", "suspended_at", "suspension_reason"]
    search_fields = ["username", "suspension_reason"]
    fields = ["username", "suspended_at", "suspension_reason"]
    readonly_fields = fields
    action_form = ReasonActionForm
    actions = ["lift"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(suspended_at__isnull=False)

    deletable = False

    def has_lift_permission(self, request):
        # The right that suspends from the queue reinstates here.
        return request.user.has_perm("avatars.change_avatar")

    @admin.action(description="Lift the suspension", permissions=["lift"])
    def lift(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request, "Give a reason (the user reads it): nothing was changed.", messages.ERROR
            )
            return
        lifted = 0
        for user in queryset:
            try:
                user_suspend_lift(user=user, moderator=request.user, reason=reason)
                lifted += 1
            except ApplicationError as exc:  # lifted by someone else a moment ago
                self.message_user(request, exc.message, messages.WARNING)
        self.message_user(request, f"Reinstated users: {lifted}.", messages.SUCCESS)
