"""Websocket tickets for API clients, under ``/api/``."""

from django.urls import path

from avatars.live import api as tickets

urlpatterns = [
    path(
        "avatars/<int:avatar_id>/ws-ticket/",
        tickets.WsTicketApi.as_view(),
        name="api-ws-ticket",
    ),
]
