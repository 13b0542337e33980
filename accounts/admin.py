from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["favourite_styles"]
    raw_id_fields = ["references"]


@admin.register(User)
class PixmeUserAdmin(UserAdmin):
    inlines = [ProfileInline]
