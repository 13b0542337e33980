from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import ApiToken, Profile, User
from avatars.admin import versions_go_with_their_owner


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["favourite_styles"]
    raw_id_fields = ["references"]


@admin.register(User)
class PixmeUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = [*UserAdmin.list_display, "suspended_at"]
    # Read here, decided in the moderators' queue (so every suspension leaves a record).
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Suspension", {"fields": ["suspended_at", "suspension_reason"]}),
    ]
    readonly_fields = ["suspended_at", "suspension_reason"]

    def get_deleted_objects(self, objs, request):
        return versions_go_with_their_owner(super().get_deleted_objects(objs, request))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """See and revoke (delete) users' API tokens. No digests shown, and none made here: a
    token's secret is for its owner's eyes, on their profile page."""

    list_display = ["name", "user", "prefix", "created", "last_used_at", "expiry"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    fields = ["name", "user", "prefix", "created", "last_used_at", "expiry"]
    readonly_fields = fields
    ordering = ["-created"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
