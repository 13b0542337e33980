"""The photo's retention through the API, under ``/api/``."""

from django.urls import path

from avatars.retention import api

urlpatterns = [
    path("avatars/<int:avatar_id>/photo/", api.PhotoDeleteApi.as_view(), name="api-photo"),
]
