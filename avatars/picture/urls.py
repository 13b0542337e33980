"""The picture URL and its pages: ``/avatar/<hash>`` (public), the profile page's switch,
the avatar page's profile-picture preview and zip."""

from django.urls import path

from avatars.picture import views

app_name = "picture"

urlpatterns = [
    path("avatar/<str:name>", views.picture_public, name="public"),
    path("accounts/profile/picture/", views.picture_choose, name="choose"),
    path(
        "avatars/<int:avatar_id>/v/<int:turn_id>/profile-picture.png",
        views.picture_square_preview,
        name="preview",
    ),
    path(
        "avatars/<int:avatar_id>/v/<int:turn_id>/profile-pictures.zip",
        views.picture_zip_download,
        name="zip",
    ),
]
