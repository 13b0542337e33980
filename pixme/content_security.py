"""The Content-Security-Policy header: django-csp's middleware, with one relaxation.

DRF's browsable API (``/api/…`` opened in a browser) writes ``style=""`` attributes and a
``<style>`` block in its own templates: its HTML answers may also use inline styles (never
inline scripts). Every other page, the admin and the API docs included, runs under the policy
in ``settings.CONTENT_SECURITY_POLICY`` as it is.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase
from rest_framework.renderers import BrowsableAPIRenderer


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts
