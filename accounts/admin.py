from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import ApiToken, Profile, User
from pixme.admin import DeletesOwnedRowsMixin, ReadOnlyAdminMixin


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["favourite_styles"]
    raw_id_fields = ["references"]


@admin.register(User)
class PixmeUserAdmin(DeletesOwnedRowsMixin, UserAdmin):
    inlines = [ProfileInline]
    list_display = [*UserAdmin.list_display, "suspended_at"]
    # Read here, decided in the moderators' queue (so every suspension leaves a record).
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Suspension", {"fields": ["suspended_at", "suspension_reason"]}),
        ("Confirmed e-mail", {"fields": ["email_confirmed", "email_confirmed_at"]}),
    ]
    readonly_fields = ["suspended_at", "suspension_reason", "email_confirmed", "email_confirmed_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """See and revoke (delete) users' API tokens. No digests shown, and none made here: a
    token's secret is for its owner's eyes, on their profile page."""

    list_display = ["name", "user", "prefix", "created", "last_used_at", "expiry"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    fields = ["name", "user", "prefix", "created", "last_used_at", "expiry"]
    readonly_fields = fields
    ordering = ["-created"]
