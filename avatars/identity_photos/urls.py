"""The profile page's identity photos: add or replace, delete, the photo itself."""

from django.urls import path

from avatars.identity_photos import views

app_name = "identity-photos"

urlpatterns = [
    path("accounts/profile/identity-photos/", views.identity_photo_add, name="add"),
    path(
        "accounts/profile/identity-photos/<int:photo_id>/delete/",
        views.identity_photo_remove,
        name="delete",
    ),
    path(
        "accounts/profile/identity-photos/<int:photo_id>.jpg",
        views.identity_photo_file,
        name="photo",
    ),
]
