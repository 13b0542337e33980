"""The API's token endpoints, under ``/api/``."""

urlpatterns: list = []
