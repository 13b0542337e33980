"""Websocket tickets: how an API client opens ``ws/avatars/<id>/`` without a cookie.

A long-lived token must never sit in a URL (URLs land in access logs and proxies), and
browsers' websocket API can't send headers, so a client trades its token for a ticket
(``POST /api/avatars/<id>/ws-ticket/``) and opens the socket at ``…?ticket=<ticket>``. A
ticket is random, lives TICKET_SECONDS, opens one socket once, for one user and one avatar.
Tickets live in the cache: Redis in scale-out, so any web process can redeem what another
issued.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from pixme.websocket_origin import ticket_in

if TYPE_CHECKING:
    from avatars.models import Avatar

# Long enough to open the socket right after asking; short enough that a leaked one is stale.
TICKET_SECONDS = 30
_KEY = "ws-ticket:{}"


def ws_ticket_issue(*, avatar: Avatar) -> str:
    """A new ticket that opens ``avatar``'s socket as its owner (the caller checked that);
    none for a suspended owner."""
    from accounts.services import user_suspension_check

    user_suspension_check(user=avatar.owner, doing="follow progress live")
    ticket = secrets.token_urlsafe(32)
    claim = {"user": avatar.owner_id, "avatar": avatar.pk}
    cache.set(_KEY.format(ticket), claim, timeout=TICKET_SECONDS)
    return ticket


def ws_ticket_redeem(*, ticket: str) -> dict | None:
    """The ticket's ``{"user", "avatar"}`` ids, once; None if unknown, used or expired."""
    key = _KEY.format(ticket)
    claim = cache.get(key)
    # delete() says whether this call removed the key: of two racing redeemers, one wins.
    if claim is None or not cache.delete(key):
        return None
    return claim


@database_sync_to_async
def _ticket_user(ticket: str):
    claim = ws_ticket_redeem(ticket=ticket)
    if claim is None:
        return AnonymousUser(), None
    user = get_user_model().objects.filter(pk=claim["user"], is_active=True).first()
    # Read now, not when it was issued: a suspension since then closes the socket.
    if user is None or user.is_suspended:
        return AnonymousUser(), None
    return user, claim["avatar"]


class TicketAuthMiddleware:
    """ASGI middleware (inside AuthMiddlewareStack): a handshake with ``?ticket=`` is signed
    in by the ticket alone — never by the cookie it may also carry — and the avatar it was
    issued for goes into ``scope["ticket_avatar_id"]`` for the consumer to compare."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        ticket = ticket_in(scope) if scope["type"] == "websocket" else None
        if ticket is not None:
            user, avatar_id = await _ticket_user(ticket)
            scope = {**scope, "user": user, "ticket_avatar_id": avatar_id}
        return await self.application(scope, receive, send)
