"""The API's webhook endpoints, under ``/api/``."""

urlpatterns: list = []
