"""The API's webhook endpoints, under ``/api/``."""

from django.urls import path

from webhooks import api

urlpatterns = [
    path("webhooks/", api.WebhookListCreateApi.as_view(), name="api-webhooks"),
    path("webhooks/<int:webhook_id>/", api.WebhookDetailApi.as_view(), name="api-webhook"),
    path(
        "webhooks/<int:webhook_id>/deliveries/",
        api.DeliveryListApi.as_view(),
        name="api-webhook-deliveries",
    ),
]
