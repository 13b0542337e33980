"""Sticker packs in the admin, read-only: who asked for which messenger, how far the job got
or why it failed, how many stickers carry Content Credentials, and the zip itself for staff
who may view them (never a storage URL). They are made by a job and go with their owner or
with any version in them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from avatars.models import StickerPack, StickerPackItem
from pixme.admin import ReadOnlyAdminMixin, StoredFileAdminMixin


class StickerPackItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StickerPackItem
    fields = readonly_fields = ["position", "turn"]
    extra = 0
    deletable = False


@admin.register(StickerPack)
class StickerPackAdmin(StoredFileAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    goes_with_owner = True
    file_download = True

    list_display = ["__str__", "owner", "messenger", "status", "count", "signed", "created_at"]
    list_filter = ["messenger", "status", "error_code"]
    search_fields = ["owner__username"]
    list_select_related = ["owner"]
    fields = [
        "owner",
        "messenger",
        "status",
        "percent",
        "error_code",
        "error_message",
        "count",
        "signed",
        "download",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [StickerPackItemInline]

    @admin.display(description="zip")
    def download(self, pack: StickerPack) -> str:
        if not pack.file:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', self.file_url(pack), pack.file.name.rsplit("/", 1)[-1]
        )
