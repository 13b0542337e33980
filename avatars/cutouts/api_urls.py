"""A version's cut-out, under ``/api/`` (before the avatars' own turns/<turn>/<kind> route)."""

from django.urls import path

from avatars.cutouts import api

urlpatterns = [
    path(
        "avatars/<int:avatar_id>/turns/<int:turn_id>/cutout.<str:fmt>",
        api.CutoutApi.as_view(),
        name="api-cutout",
    ),
]
