"""The websocket's origin check: Django's CSRF origin rule, applied to the handshake.

Channels' ``AllowedHostsOriginValidator`` compares the Origin's host name with ALLOWED_HOSTS
and ignores its scheme and port, so a page on ``http://localhost:9999`` could open a socket
to the site on ``localhost:8000`` with the owner's cookie and read their progress. Browsers
send cookies with cross-origin websocket handshakes, so the Origin must be this site's own —
the rule ``CsrfViewMiddleware`` uses for HTTP: equal to the request's own scheme://host:port,
or listed in CSRF_TRUSTED_ORIGINS (``https://*.example.com`` wildcards included). Written by
hand because Channels has no validator that looks at the port, and Django's lives inside the
middleware's request handling.

A handshake that brings a ticket (``?ticket=``, avatars.live.tickets) skips the check: it is
signed in by the ticket alone, never by the cookie, so a foreign page has nothing of the
owner's to ride on — and API clients, which send no Origin, can connect.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


def origin_allowed(scope: dict) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    if not origin or not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = _scheme(scope, headers)
    if origin == f"{scheme}://{host}" or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parsed = urlsplit(origin)
    return any(
        is_same_domain(parsed.netloc, trusted.netloc.lstrip("*"))
        for trusted in map(urlsplit, settings.CSRF_TRUSTED_ORIGINS)
        if "*" in trusted.netloc and trusted.scheme == parsed.scheme
    )


def _scheme(scope: dict, headers: dict) -> str:
    """The handshake's scheme as ``HttpRequest.is_secure`` sees a page's: behind a proxy
    (SECURE_PROXY_SSL_HEADER, set by PIXME_HTTPS) its word, else the connection's own. uvicorn
    runs with --no-proxy-headers, so the scope's scheme is the proxy's hop, not the client's."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        if name in headers:
            value = headers[name].decode("latin-1").split(",", 1)[0].strip()
            return "https" if value == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


class SameOriginValidator:
    """ASGI middleware: refuse a websocket whose Origin is not this site's, unless it brings
    a ticket (see above)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not (origin_allowed(scope) or ticket_in(scope)):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def ticket_in(scope: dict) -> str | None:
    """The ``ticket`` query parameter of a websocket handshake, if it has one."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("ticket")
    return values[0] if values else None
