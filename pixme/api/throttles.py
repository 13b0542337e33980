"""Rate limits (DRF throttles, counted in the cache: Redis when several processes share it).

Every authenticated API client has a burst and a sustained rate; the calls that start work on
the drawing desks — creating, editing, retrying, a reel — have a stricter one of their own, and
so do an account's export and checking a file's credentials. Anonymous callers are counted by
their address as ``pixme.client_address`` finds it (never DRF's own ``get_ident``, which
believes any X-Forwarded-For). Rates are settings (``DEFAULT_THROTTLE_RATES``,
``PIXME_*_RATE``); None is no limit.

The site's pages that start the same work count on the same counters (:func:`rate_limit_check`:
the same cache key), so a limit is one limit for the site and the API together.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle

from pixme.client_address import client_address
from pixme.errors import ApplicationError


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
    """Counts only the POSTs of views that start work (``starts_renders = True``): renders,
    edits, retries and reels (``PIXME_CREATE_RATE``)."""

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


class ExportRateThrottle(SimpleRateThrottle):
    """An account's export reads every file it has into one zip: per user, on the page and
    the API alike (``PIXME_EXPORT_RATE``)."""

    scope = "export"

    def get_rate(self) -> str | None:
        return settings.PIXME_EXPORT_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PreviewRateThrottle(SimpleRateThrottle):
    """Style previews per account (``PIXME_PREVIEW_RATE``): each draws a picture and reads a
    face, a fraction of a render's cost, asked for again and again while a slider moves."""

    scope = "preview"

    def get_rate(self) -> str | None:
        return settings.PIXME_PREVIEW_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class EmailConfirmRateThrottle(SimpleRateThrottle):
    """Confirmation links asked for again, per account: on the page and the API alike
    (``PIXME_EMAIL_CONFIRM_RATE``): each one is a message sent to someone's mailbox."""

    scope = "email_confirm"

    def get_rate(self) -> str | None:
        return settings.PIXME_EMAIL_CONFIRM_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class _Page:
    """A page that starts work, as a throttle sees it (an API view says so itself)."""

    starts_renders = True


def rate_limit_check(request: HttpRequest, throttle_class: type[BaseThrottle]) -> None:
    """Count a page's ``request`` against ``throttle_class``'s limit, on the API's own counter
    (the same cache key: the user's id, or the address), so the page and the API share it.
    Raises :class:`ApplicationError` (code ``throttled``, with ``retry_after``) once it is used
    up: pages answer 429 with ``Retry-After``, as the API does."""
    throttle = throttle_class()
    if throttle.allow_request(request, _Page):
        return
    wait = max(1, math.ceil(throttle.wait() or 1))
    raise ApplicationError(
        f"You've asked for a lot in a short time. Please try again in {wait} s.",
        code="throttled",
        extra={"retry_after": wait},
    )
