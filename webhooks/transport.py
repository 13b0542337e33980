"""Sending a body to a user's URL without letting the URL reach inside our network.

A webhook URL is chosen by a user, so a POST to it is a request our server makes on their
behalf (SSRF): without care it could reach the cloud metadata service, a database or an admin
page on the private network. So:

- only ``http`` and ``https`` URLs, with no user name or password in them;
- the host is resolved and EVERY address it resolves to must be public — not private,
  loopback, link-local, multicast, reserved, unspecified or shared (carrier NAT) — unless
  ``PIXME_WEBHOOKS_ALLOW_PRIVATE`` or ``DEBUG`` is on (tests, a developer's laptop);
- at delivery the host is resolved and checked again, and the connection goes to the very
  address that was checked (a DNS answer that changes between the check and the connect —
  "DNS rebinding" — gains nothing); HTTPS still verifies the certificate for the host name;
- redirects are not followed (a public URL could redirect to a private one).

``post`` raises :class:`DeliveryError` on error; ``permanent=True`` for errors a retry cannot
mend (the URL is refused), otherwise the caller may try again later.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings

TIMEOUT_SECONDS = 10.0
MAX_URL_LENGTH = 2000


class DeliveryError(Exception):
    """What went wrong, in words a developer reads on their profile page."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    host_header: str
    target: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # every one checked


def private_allowed() -> bool:
    return bool(getattr(settings, "PIXME_WEBHOOKS_ALLOW_PRIVATE", False) or settings.DEBUG)


def _address_refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address dressed as IPv6 reaches the IPv4 host: judge that one.
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and _address_refused(embedded):
            return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        # is_global also rules out shared (100.64.0.0/10) and other special ranges.
        or not address.is_global
    )


def destination_check(url: str) -> Destination:
    """Parse ``url``, resolve its host and check every address; raises DeliveryError."""
    if len(url) > MAX_URL_LENGTH:
        raise DeliveryError(f"The URL is longer than {MAX_URL_LENGTH} characters.", permanent=True)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DeliveryError("That isn't a valid URL.", permanent=True) from None
    if parts.scheme not in ("http", "https"):
        raise DeliveryError("The URL must start with https:// or http://.", permanent=True)
    if not parts.hostname:
        raise DeliveryError("The URL has no host name.", permanent=True)
    if parts.username is not None or parts.password is not None:
        raise DeliveryError(
            "The URL must not contain a user name or password: check the signature instead.",
            permanent=True,
        )
    try:
        # An international name is looked up, sent and certified in its ASCII (IDNA) form.
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise DeliveryError("That isn't a valid host name.", permanent=True) from None
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise DeliveryError(f"We couldn't find the host {host}.") from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not private_allowed():
        for address in addresses:
            # A scoped IPv6 address ("fe80::1%eth0") carries its interface after "%".
            if _address_refused(ipaddress.ip_address(address.split("%")[0])):
                raise DeliveryError(
                    f"{host} is a private, loopback or otherwise reserved address "
                    f"({address}): webhooks may only call public addresses.",
                    permanent=True,
                )
    netloc_host = f"[{host}]" if ":" in host else host
    default_port = parts.port is None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(
        scheme=parts.scheme,
        host=host,
        port=port,
        host_header=netloc_host if default_port else f"{netloc_host}:{port}",
        target=target,
        addresses=addresses,
    )


def _pool(destination: Destination, address: str, seconds: float) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(total=seconds)
    if destination.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            destination.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            # Connected to the checked address, the certificate is still the host name's.
            server_hostname=destination.host,
            assert_hostname=destination.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
        )
    return urllib3.HTTPConnectionPool(
        address, destination.port, timeout=timeout, retries=False, maxsize=1
    )


def post(url: str, *, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url`` (checked, as above). Returns the status code; never follows
    a redirect. Raises DeliveryError when there is no answer or the URL is refused."""
    destination = destination_check(url)
    headers = {**headers, "Host": destination.host_header}
    # One budget for every address tried: a delivery holds a job runner while it waits.
    deadline = time.monotonic() + TIMEOUT_SECONDS
    error = "No answer."
    for address in destination.addresses:
        seconds = deadline - time.monotonic()
        if seconds <= 0:
            break
        pool = _pool(destination, address, seconds)
        try:
            response = pool.urlopen(
                "POST",
                destination.target,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,  # the answer's body is not ours to read
            )
            response.release_conn()
            return response.status
        except urllib3.exceptions.NewConnectionError:
            error = f"Could not connect to {destination.host_header}."
            continue  # the next address the host resolved to may answer
        except urllib3.exceptions.SSLError as exc:
            raise DeliveryError(f"The TLS handshake failed: {exc}"[:300]) from None
        except urllib3.exceptions.TimeoutError:
            raise DeliveryError(f"No answer within {TIMEOUT_SECONDS:.0f} s.") from None
        except urllib3.exceptions.HTTPError as exc:
            raise DeliveryError(f"The request failed: {exc}"[:300]) from None
        finally:
            pool.close()
    raise DeliveryError(error)
