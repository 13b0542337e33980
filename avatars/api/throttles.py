"""API rate limits (DRF throttles, counted in the cache: Redis when several processes share it).

Every authenticated client has a burst and a sustained rate; creating and editing — the calls
that start a render — have a stricter one of their own. Anonymous callers are counted by
their address as ``pixme.client_address`` finds it (never DRF's own ``get_ident``, which
believes any X-Forwarded-For). Rates are settings (``DEFAULT_THROTTLE_RATES``); a rate of
None is no limit.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from pixme.client_address import client_address


class ClientAddressIdent:
    """An anonymous caller is known by the address ``pixme.client_address`` gives."""

    def get_ident(self, request) -> str:
        return client_address(request)


class SettingsRateThrottle(ClientAddressIdent, UserRateThrottle):
    """Reads its rate from the settings when it runs (DRF's own reads them once, at import)."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class BurstRateThrottle(SettingsRateThrottle):
    scope = "burst"


class SustainedRateThrottle(SettingsRateThrottle):
    scope = "sustained"


class CreateRateThrottle(SettingsRateThrottle):
    """Counts only the POSTs of views that start work (``starts_renders = True``)."""

    scope = "create"

    def allow_request(self, request, view) -> bool:
        if request.method != "POST" or not getattr(view, "starts_renders", False):
            return True
        return super().allow_request(request, view)


class AddressRateThrottle(ClientAddressIdent, SimpleRateThrottle):
    """Counted per client address, signed in or not, at the rate the setting named by
    ``rate_setting`` holds when it runs."""

    rate_setting = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class VerifyRateThrottle(AddressRateThrottle):
    """Checking a file's Content Credentials is open to anyone: on the page and the API
    alike (``PIXME_VERIFY_RATE``)."""

    scope = "verify"
    rate_setting = "PIXME_VERIFY_RATE"


class SignupRateThrottle(AddressRateThrottle):
    """Accounts made from one address (``PIXME_SIGNUP_RATE``)."""

    scope = "signup"
    rate_setting = "PIXME_SIGNUP_RATE"
