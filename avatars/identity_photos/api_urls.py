"""Identity photos through the API, under ``/api/``."""

from django.urls import path

from avatars.identity_photos import api

urlpatterns = [
    path(
        "identity-photos/",
        api.IdentityPhotoListCreateApi.as_view(),
        name="api-identity-photos",
    ),
    path(
        "identity-photos/<int:photo_id>/",
        api.IdentityPhotoDetailApi.as_view(),
        name="api-identity-photo",
    ),
    path(
        "identity-photos/<int:photo_id>/photo.jpg",
        api.IdentityPhotoFileApi.as_view(),
        name="api-identity-photo-file",
    ),
]
