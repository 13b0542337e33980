"""Sticker packs, under ``/api/``."""

from django.urls import path

from avatars.stickers import api

urlpatterns = [
    path("sticker-packs/", api.StickerPackCreateApi.as_view(), name="api-sticker-packs"),
    path("sticker-packs/<int:pack_id>/", api.StickerPackApi.as_view(), name="api-sticker-pack"),
    path(
        "sticker-packs/<int:pack_id>/stickers.zip",
        api.StickerPackZipApi.as_view(),
        name="api-sticker-pack-zip",
    ),
]
