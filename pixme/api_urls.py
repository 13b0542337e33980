"""Every app's API, under ``/api/``: the one list (each app keeps its own routes).

The contract (OpenAPI 3; ?format=json) and its docs are open to all: the assets come from
drf-spectacular-sidecar, so the docs work with no CDN. The split view serves the page's
script from a URL (?script) rather than inline: the site's CSP allows no inline script.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.api.urls")),
    path("", include("webhooks.urls")),
    path("", include("avatars.provenance.api_urls")),
    path("", include("avatars.sharing.api_urls")),
    path("", include("avatars.live.api_urls")),
    path("", include("avatars.reels.api_urls")),
    path("", include("avatars.retention.api_urls")),
    path("", include("avatars.cutouts.api_urls")),
    path("", include("avatars.stickers.api_urls")),
    path("", include("avatars.picture.api_urls")),
    path("", include("avatars.identity_photos.api_urls")),
    path("", include("avatars.preview.api_urls")),
    # Last: its avatars/<id>/turns/<turn>/<kind> would take the features' routes above.
    path("", include("avatars.api.urls")),
]
