"""``GET /avatar/<hash>`` answered in front of Django's stack, as uvicorn serves the site.

A forum page asks for dozens of pictures at once, from strangers with no session. Through
Django each one would build a request, run the session, CSRF, message, CSP, axes… middleware
in a thread of its own and close a database connection, for an answer that needs none of it.
Here the request is read from the ASGI scope, counted against the client's address
(``pixme.client_address``: the same rule as every other limit), and answered by the same
:func:`~avatars.picture.answer.picture_answer` as the Django view, in one worker thread;
the host is checked against ``ALLOWED_HOSTS`` as Django would. Anything else — another path,
another method — goes to Django untouched.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from urllib.parse import parse_qsl

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from avatars.picture.answer import Answer, picture_answer, picture_query, rate_limited
from avatars.picture.services import picture_rate_check
from pixme.client_address import client_address

logger = logging.getLogger(__name__)

PREFIX = "/avatar/"


class PictureRoute:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(PREFIX)
            or scope["method"] not in ("GET", "HEAD")
        ):
            return await self.app(scope, receive, send)
        answer = await sync_to_async(_answer, thread_sensitive=False)(scope)
        body = b"" if scope["method"] == "HEAD" else answer.body
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()
        ]
        headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _answer(scope) -> Answer:
    headers = {}
    for key, value in scope["headers"]:
        headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    try:
        if not _host_allowed(headers.get("host", "")):
            return Answer(400, b"Bad host\n", {"Content-Type": "text/plain; charset=utf-8"})
        peer = scope.get("client") or ("", 0)
        request = SimpleNamespace(
            META={
                "REMOTE_ADDR": peer[0],
                "HTTP_X_FORWARDED_FOR": headers.get("x-forwarded-for", ""),
            }
        )
        wait = picture_rate_check(address=client_address(request))
        if wait is not None:
            return rate_limited(wait)
        params: dict[str, str] = {}
        for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
            params.setdefault(key, value)
        query = picture_query(
            name=scope["path"][len(PREFIX) :],  # uvicorn has decoded it
            params=params,
            accept=headers.get("accept", ""),
            if_none_match=headers.get("if-none-match", ""),
        )
        return picture_answer(query)
    except Exception:
        logger.exception("picture answer failed for %s", scope["path"])
        return Answer(500, b"Server error\n", {"Content-Type": "text/plain; charset=utf-8"})
    finally:
        close_old_connections()  # a lookup that missed the cache opened one in this thread


def _host_allowed(host: str) -> bool:
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
