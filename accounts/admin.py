from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Profile, User
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
