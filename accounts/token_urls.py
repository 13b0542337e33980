"""The API's token endpoints, under ``/api/``."""

from django.urls import path

from accounts import tokens_api

urlpatterns = [
    path("tokens/", tokens_api.TokenListCreateApi.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", tokens_api.TokenDetailApi.as_view(), name="api-token-detail"),
]
