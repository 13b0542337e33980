"""Sharing through the API, under ``/api/``."""

from django.urls import path

from avatars.sharing import api

urlpatterns = [
    path("avatars/<int:avatar_id>/share/", api.ShareApi.as_view(), name="api-share"),
    path("shared/<str:token>/reports/", api.SharedReportApi.as_view(), name="api-report"),
]
