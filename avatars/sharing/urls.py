"""Public pages of shared avatars (no sign-in): ``/s/<share token>/``."""

from django.urls import path

from avatars.sharing import views as share_views

app_name = "share"

urlpatterns = [
    path("<str:token>/", share_views.shared_page, name="page"),
    path("<str:token>/image.<str:fmt>", share_views.shared_image, name="image"),
    path("<str:token>/reel.<str:fmt>", share_views.shared_reel, name="reel"),
    path("<str:token>/report/", share_views.shared_report, name="report"),
]
