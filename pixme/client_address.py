"""The client's address: the one every limit and lockout keyed by address counts (the API's
anonymous throttles, the verify and sign-up rates, the log-in lockout through
``AXES_CLIENT_IP_CALLABLE``).

REMOTE_ADDR is whoever opened the connection. Behind a reverse proxy that is the proxy, and
the client's address is in X-Forwarded-For — a header any client can also send, so it is
believed only as far as ``PIXME_TRUSTED_PROXIES`` says:

- unset (0, the default): forwarded headers are ignored; REMOTE_ADDR is the client.
- a count N: N proxies stand in front, each appending the address it saw, so the client is
  the N-th entry from the right; whatever is left of it came from the client and is ignored.
  A request with fewer entries did not come through them all: its REMOTE_ADDR is used.
- networks (CIDR): from REMOTE_ADDR leftwards, entries are skipped while they are in a trusted
  network; the first one that is not is the client.

uvicorn runs with ``--no-proxy-headers`` so REMOTE_ADDR reaches Django unrewritten and this
is the only rule. IPv6 clients are counted by their /64: a home or a phone is given a whole
/64 and could otherwise take a new address for every request.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core import checks
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The address limits count this request against (see the module's docstring)."""
    peer = request.META.get("REMOTE_ADDR") or ""
    trusted = settings.PIXME_TRUSTED_PROXIES
    if not trusted:
        return _counted(peer)
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if isinstance(trusted, int):
        chosen = forwarded[-trusted] if len(forwarded) >= trusted else peer
    else:
        chosen = _first_untrusted(peer, forwarded, _networks(tuple(trusted)))
    return _counted(chosen if _parse(chosen) is not None else peer)


def _first_untrusted(peer: str, forwarded: list[str], networks: tuple[Network, ...]) -> str:
    hop = peer
    for entry in reversed(forwarded):
        address = _parse(hop)
        if address is None or not any(address in network for network in networks):
            break
        if _parse(entry) is None:
            break  # not an address: the trusted hop that passed it on is all we know
        hop = entry
    return hop


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _parse(value: str) -> Address | None:
    """An address as proxies write it: bare, or with a port (``1.2.3.4:80``, ``[::1]:80``)."""
    candidates = [value]
    if value.startswith("["):
        candidates.append(value[1:].partition("]")[0])
    elif value.count(":") == 1:
        candidates.append(value.partition(":")[0])
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            return address.ipv4_mapped
        return address
    return None


def _counted(value: str) -> str:
    address = _parse(value)
    if address is None:
        return value
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False)
        return str(network.network_address)
    return str(address)


@checks.register(checks.Tags.security, deploy=True)
def trusted_proxies_check(app_configs=None, **kwargs) -> list[checks.Warning]:
    """PIXME_HTTPS says a proxy is in front; without PIXME_TRUSTED_PROXIES every client would
    be counted as that proxy, and one client's failed log-ins would pause everyone's."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.PIXME_TRUSTED_PROXIES:
        return [
            checks.Warning(
                "PIXME_HTTPS says a proxy stands in front of the site, but PIXME_TRUSTED_PROXIES "
                "names none: every client would be counted as the proxy's address, so one "
                "client's failed log-ins or sign-ups would pause them for everyone.",
                hint="Set PIXME_TRUSTED_PROXIES to how many proxies stand in front (1 for one "
                "nginx) or to their networks (README: Security, The client's address).",
                id="pixme.W001",
            )
        ]
    return []
