"""Moderation in the Django admin. Actions are thin: they call services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from avatars.models import Avatar, ModerationAction, Report, Style, Turn
from avatars.services.moderation import avatar_moderate


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "enabled", "order"]
    list_editable = ["enabled", "order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


class TurnInline(admin.TabularInline):
    model = Turn
    fk_name = "avatar"
    extra = 0
    fields = [
        "number",
        "kind",
        "instruction",
        "engine",
        "status",
        "flagged",
        "likeness",
        "error_message",
        "preview",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    @admin.display(description="image")
    def preview(self, turn: Turn):
        # Admins see files through the admin's own permission-checked view.
        if not turn.thumbnail:
            return "—"
        url = reverse("admin:avatars_turn_thumbnail", args=[turn.pk])
        return format_html('<a href="{}"><img src="{}" width="96"></a>', url, url)


@admin.register(Avatar)
class AvatarAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "style", "moderation", "visibility", "created_at"]
    list_filter = ["moderation", "style", "visibility"]
    search_fields = ["title", "owner__username"]
    readonly_fields = [
        "owner",
        "source",
        "source_faces",
        "face_note",
        "current_turn",
        "created_at",
        "updated_at",
    ]
    inlines = [TurnInline]
    actions = ["hide", "flag", "clear"]

    def get_urls(self):
        extra = [
            path(
                "turn/<int:turn_id>/thumbnail/",
                self.admin_site.admin_view(self.turn_thumbnail),
                name="avatars_turn_thumbnail",
            )
        ]
        return extra + super().get_urls()

    def turn_thumbnail(self, request, turn_id: int):
        """Moderators see versions through the admin (staff only), never a public URL."""
        if not self.has_view_permission(request):
            raise Http404
        turn = get_object_or_404(Turn, pk=turn_id)
        if not turn.thumbnail:
            raise Http404
        return FileResponse(turn.thumbnail.open("rb"), content_type="image/webp")

    def _moderate(self, request, queryset, action: str, label: str):
        for avatar in queryset:
            avatar_moderate(
                avatar=avatar,
                moderator=request.user,
                action=action,
                reason=f"{label} from the admin list",
            )
        self.message_user(request, f"{label}: {queryset.count()} avatar(s).", messages.SUCCESS)

    @admin.action(description="Hide selected avatars")
    def hide(self, request, queryset):
        self._moderate(request, queryset, "hide", "Hidden")

    @admin.action(description="Flag selected avatars for review")
    def flag(self, request, queryset):
        self._moderate(request, queryset, "flag", "Flagged")

    @admin.action(description="Clear moderation (mark OK)")
    def clear(self, request, queryset):
        self._moderate(request, queryset, "clear", "Cleared")


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "engine",
        "model",
        "status",
        "error_code",
        "flagged",
        "likeness",
        "created_at",
    ]
    list_filter = ["status", "engine", "error_code", "flagged"]
    search_fields = ["instruction", "model_text", "avatar__owner__username"]
    readonly_fields = [f.name for f in Turn._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["avatar", "reporter", "resolved", "created_at"]
    list_filter = ["resolved"]


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "moderator", "action", "avatar_repr", "reason"]
    list_filter = ["action"]
    readonly_fields = ["avatar", "avatar_repr", "moderator", "action", "reason", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
