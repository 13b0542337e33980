"""The reel of an avatar, under ``/api/``."""

from django.urls import path

from avatars.reels import api as reels

urlpatterns = [
    path("avatars/<int:avatar_id>/reel/", reels.ReelRequestApi.as_view(), name="api-reel-request"),
    path("avatars/<int:avatar_id>/reel.<str:fmt>", reels.ReelApi.as_view(), name="api-reel"),
]
