"""The profile page's webhook forms, under ``/accounts/``."""

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("profile/webhooks/", views.webhook_add, name="add"),
    path("profile/webhooks/<int:webhook_id>/delete/", views.webhook_remove, name="delete"),
]
