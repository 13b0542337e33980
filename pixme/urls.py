from django.contrib import admin
from django.urls import include, path

from avatars import views as avatar_views

urlpatterns = [
    path("", avatar_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("avatars/", include("avatars.urls")),
    path("s/", include("avatars.share_urls")),
    path("api/account/", include("accounts.api_urls")),
    path("api/", include("avatars.api.urls")),
    path("admin/", admin.site.urls),
]
