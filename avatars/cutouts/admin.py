"""Cut-outs in the admin, read-only: which were made, of which version, signed or not, and
the file itself for staff who may view them (never a storage URL). They are made by the
service and go with their version."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from avatars.models import Cutout
from pixme.admin import ReadOnlyAdminMixin, StoredFileAdminMixin


@admin.register(Cutout)
class CutoutAdmin(StoredFileAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    goes_with_owner = True

    list_display = ["__str__", "owner", "format", "outline", "shadow", "signed", "created_at"]
    list_filter = ["format", "shadow", "signed"]
    search_fields = ["turn__avatar__owner__username"]
    list_select_related = ["turn__avatar__owner"]
    fields = ["turn", "picture", "format", "outline", "shadow", "signed", "created_at"]
    readonly_fields = fields

    @admin.display(description="owner", ordering="turn__avatar__owner__username")
    def owner(self, cutout: Cutout) -> str:
        return cutout.turn.avatar.owner.username

    @admin.display(description="file")
    def picture(self, cutout: Cutout) -> str:
        url = self.file_url(cutout)
        return format_html(
            '<a href="{}" target="_blank"><img src="{}" width="256" alt="{}"></a>',
            url,
            url,
            cutout,
        )
