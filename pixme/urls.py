from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

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
    path("avatars/", include("avatars.urls")),
    path("s/", include("avatars.sharing.urls")),
    # The contract (OpenAPI 3; ?format=json) and its docs, open to all: the assets come from
    # drf-spectacular-sidecar, so the docs work with no CDN. The split view serves the page's
    # script from a URL (?script) rather than inline: the site's CSP allows no inline script.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("avatars.provenance.api_urls")),
    path("api/", include("avatars.sharing.api_urls")),
    path("api/account/", include("accounts.api_urls")),
    path("api/", include("accounts.token_urls")),
    path("api/", include("avatars.live.api_urls")),
    path("api/", include("avatars.reels.api_urls")),
    path("api/", include("webhooks.urls")),
    path("api/", include("avatars.api.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "pixme.api.exceptions.not_found"
