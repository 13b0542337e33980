"""Websocket tickets for API clients, under ``/api/``."""

urlpatterns: list = []
