"""The picture URL through the API, under ``/api/``."""

from django.urls import path

from avatars.picture import api

urlpatterns = [
    path("picture/", api.PictureApi.as_view(), name="api-picture"),
    path(
        "avatars/<int:avatar_id>/turns/<int:turn_id>/profile-pictures.zip",
        api.ProfilePicturesApi.as_view(),
        name="api-profile-pictures",
    ),
]
