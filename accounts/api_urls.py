"""The API's account endpoints: ``/api/account/…`` (export, delete)."""

urlpatterns: list = []
