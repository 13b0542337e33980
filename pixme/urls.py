from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from avatars import views as avatar_views
from pixme import health

urlpatterns = [
    path("", avatar_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for /favicon.ico on pages without <link rel=icon> (the API docs, a PNG).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("webhooks.site_urls")),
    # Before avatars/: a version's check sits under its URL (…/v/<turn>/credentials/).
    path("", include("avatars.provenance.urls")),
    # Before avatars/: the avatar page's profile-picture files sit under its URL.
    path("", include("avatars.picture.urls")),
    path("", include("avatars.identity_photos.urls")),
    path("avatars/", include("avatars.urls")),
    path("s/", include("avatars.sharing.urls")),
    path("api/", include("pixme.api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "pixme.api.exceptions.not_found"
