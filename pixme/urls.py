from django.contrib import admin
from django.urls import include, path

from avatars import views as avatar_views
from pixme import health

urlpatterns = [
    path("", avatar_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("avatars/", include("avatars.urls")),
    path("s/", include("avatars.share_urls")),
    path("api/account/", include("accounts.api_urls")),
    path("api/", include("accounts.token_urls")),
    path("api/", include("avatars.api.ticket_urls")),
    path("api/", include("webhooks.urls")),
    path("api/", include("avatars.api.urls")),
    path("admin/", admin.site.urls),
]
