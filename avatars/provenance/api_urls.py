"""Checking Content Credentials through the API, under ``/api/``."""

from django.urls import path

from avatars.provenance.api import VerifyApi

urlpatterns = [
    path("verify/", VerifyApi.as_view(), name="api-verify"),
]
