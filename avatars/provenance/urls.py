"""Checking Content Credentials, on the site: any file at ``/verify/``, a version's own check
(its owner), a shared version's (anyone with the link)."""

from django.urls import path

from avatars.provenance import views

app_name = "provenance"

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path(
        "avatars/<int:avatar_id>/v/<int:turn_id>/credentials/",
        views.turn_credentials,
        name="turn",
    ),
    path("s/<str:token>/credentials/", views.shared_credentials, name="shared"),
]
