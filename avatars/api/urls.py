"""Avatars and their versions through the API, under ``/api/``."""

from django.urls import path

from avatars.api import avatars, catalogue, turns

urlpatterns = [
    path("styles/", catalogue.StyleListApi.as_view(), name="api-styles"),
    path("avatars/", avatars.AvatarListCreateApi.as_view(), name="api-avatars"),
    path("avatars/<int:avatar_id>/", avatars.AvatarDetailApi.as_view(), name="api-avatar"),
    path("avatars/<int:avatar_id>/edits/", turns.EditApi.as_view(), name="api-edit"),
    path(
        "avatars/<int:avatar_id>/turns/<int:turn_id>/<str:action>/",
        turns.TurnActionApi.as_view(),
        name="api-turn-action",
    ),
    path(
        "avatars/<int:avatar_id>/turns/<int:turn_id>/<str:kind>",
        turns.TurnFileApi.as_view(),
        name="api-turn-file",
    ),
]
