"""Health for a load balancer: ``/healthz`` (this process answers) and ``/readyz`` (what it
needs is reachable: the database, the channel layer, the media storage and the task queue).

``/readyz`` answers 200 when every check passes and 503 when one does not. Each check is one
round trip (``SELECT 1``, a Redis ``PING`` per host, one storage lookup, one count over the
ready jobs' index) with a time limit, so calling it every second is cheap. Both are open to
anyone, but only an allowed probe — one that sends ``Authorization: Bearer
<PIXME_READYZ_TOKEN>`` or whose address (``pixme.client_address``) is in
``PIXME_READYZ_NETWORKS`` — reads the details: each
check with its back-end, its time and its error's type. Everyone else reads only ``ok`` or
``unavailable``: which storage and queue run, and how fast, is a map for an attacker.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pixme.client_address import client_address

CHECK_TIMEOUT_SECONDS = 2.0
# A name no upload can have (stored names are generated): the lookup finds nothing, cheaply.
STORAGE_PROBE = ".pixme-readyz-probe"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": await _timed(sync_to_async(_database)),
        "channel_layer": await _timed(_channel_layer),
        "storage": await _timed(sync_to_async(_storage)),
        "task_queue": await _timed(sync_to_async(_task_queue)),
    }
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if ready else "unavailable"}
    if _allowed_probe(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if ready else 503)


def _allowed_probe(request: HttpRequest) -> bool:
    token = settings.PIXME_READYZ_TOKEN
    if token:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode()):
            return True
    if settings.PIXME_READYZ_NETWORKS:
        # The address limits count too: behind nginx, the client nginx saw, not nginx itself
        # (which would make everyone an allowed probe); an IPv6 one by its /64.
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:  # a unix socket, or no address at all
            return False
        return any(address in network for network in settings.PIXME_READYZ_NETWORKS)
    return False


async def _timed(check: Callable[[], Awaitable[dict | None]]) -> dict:
    started = time.perf_counter()
    try:
        extra = await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        result = {"ok": False, "error": type(exc).__name__}
    else:
        result = {"ok": True, **(extra or {})}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _channel_layer() -> dict:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer")
    if hasattr(layer, "connection"):  # channels-redis: every host of the ring answers
        for index in range(layer.ring_size):
            await layer.connection(index).ping()
    return {"backend": type(layer).__name__}


def _storage() -> dict:
    storage = storages["default"]
    storage.exists(STORAGE_PROBE)
    return {"backend": type(storage).__name__}


def _task_queue() -> dict:
    from django_tasks import default_task_backend
    from django_tasks.base import TaskResultStatus

    backend = type(default_task_backend).__name__
    if backend != "DatabaseBackend":
        return {"backend": backend}
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
    return {"backend": backend, "ready": ready}
