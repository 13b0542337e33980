"""Public pages of shared avatars (no sign-in): ``/s/<share token>/``."""

urlpatterns: list = []
