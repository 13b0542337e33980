"""The preview through the API, under ``/api/``."""

from django.urls import path

from avatars.preview import api

urlpatterns = [path("preview/", api.PreviewApi.as_view(), name="api-preview")]
