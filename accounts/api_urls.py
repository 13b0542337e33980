"""The API's account endpoints: ``/api/account/…`` (export, delete)."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("export/", api.AccountExportApi.as_view(), name="api-account-export"),
    path("delete/", api.AccountDeleteApi.as_view(), name="api-account-delete"),
]
