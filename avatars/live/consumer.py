"""Websocket ``ws/avatars/<id>/``: the current state from the database, then live news.

The socket is one-way news; the only thing a client may send is ``{"type": "snapshot"}`` (the
current state again). Anything else closes the socket with a code that says why
(``CloseCode``), so a bad client costs one frame and never an exception.
"""

from __future__ import annotations

import json
import time
from collections import deque
from enum import IntEnum

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.services import user_suspension_check
from avatars.live.events import group_name
from avatars.live.snapshot import avatar_snapshot
from avatars.models import Avatar
from avatars.selectors import avatar_get_for_user
from pixme.errors import ApplicationError


@database_sync_to_async
def _snapshot_for(user, avatar_id: int) -> dict | None:
    """What the socket sends first; None to refuse it: not the user's avatar, or the user
    is suspended (read afresh: a session or ticket may predate the decision)."""
    try:
        user_suspension_check(user=user, doing="follow progress live")
        avatar = avatar_get_for_user(user=user, avatar_id=avatar_id)
    except (ApplicationError, Avatar.DoesNotExist):
        return None
    return avatar_snapshot(avatar=avatar)


# Frames a client may send, in UTF-8 bytes: a snapshot request is 20. uvicorn is started with
# the same --ws-max-size (scripts/run, Procfile, deploy/); this check holds on any server.
MAX_FRAME_BYTES = 4096
# Snapshot requests per socket: SNAPSHOT_REQUESTS within SNAPSHOT_WINDOW_SECONDS, then the
# socket closes. Each one is a database read; a page never sends any, a program needs one
# after a gap, not a stream of them.
SNAPSHOT_REQUESTS = 5
SNAPSHOT_WINDOW_SECONDS = 10.0


class CloseCode(IntEnum):
    """Why the server closed the socket (README: "Sockets, headers and what the site tells
    strangers")."""

    UNSUPPORTED_DATA = 1003  # a binary frame: RFC 6455's code for data of a type not accepted
    TOO_BIG = 1009  # a frame over MAX_FRAME_BYTES: RFC 6455's "message too big"
    BAD_REQUEST = 4400  # not JSON, not an object, or not {"type": "snapshot"}
    TOO_MANY_REQUESTS = 4429  # over SNAPSHOT_REQUESTS in SNAPSHOT_WINDOW_SECONDS


class AvatarConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.closing = False
        self.requests: deque[float] = deque(maxlen=SNAPSHOT_REQUESTS)
        user = self.scope.get("user")
        self.avatar_id = int(self.scope["url_route"]["kwargs"]["avatar_id"])
        # Refuse before accepting: strangers learn nothing, not even that the avatar exists.
        if user is None or not user.is_authenticated:
            await self.close()
            return
        # A ticket opens only the avatar it was issued for (avatars.live.tickets).
        if self.scope.get("ticket_avatar_id", self.avatar_id) != self.avatar_id:
            await self.close()
            return
        # Join first, then read the snapshot: an event racing the read is then seen twice
        # (harmless, events are idempotent updates) rather than lost.
        self.group = group_name(self.avatar_id)
        snapshot = await _snapshot_for(user, self.avatar_id)
        if snapshot is None:
            await self.close()
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        snapshot = await _snapshot_for(user, self.avatar_id) or snapshot
        await self.send_json(snapshot)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        # Replaces AsyncJsonWebsocketConsumer.receive, which raises on a binary frame and on
        # text that is not JSON: a crash without a close frame.
        if self.closing:  # frames already in flight when we closed
            return
        if text_data is None:
            return await self._refuse(CloseCode.UNSUPPORTED_DATA, "send text frames only")
        # Characters count at least once each as bytes: a huge frame is refused unencoded.
        if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode()) > MAX_FRAME_BYTES:
            return await self._refuse(
                CloseCode.TOO_BIG, f"frames are at most {MAX_FRAME_BYTES} bytes"
            )
        if not self._allowed_now():
            return await self._refuse(
                CloseCode.TOO_MANY_REQUESTS,
                f"at most {SNAPSHOT_REQUESTS} requests in {SNAPSHOT_WINDOW_SECONDS:g} s",
            )
        try:
            content = json.loads(text_data)
        except ValueError:
            return await self._refuse(CloseCode.BAD_REQUEST, "frames must be JSON")
        if not isinstance(content, dict) or content.get("type") != "snapshot":
            return await self._refuse(CloseCode.BAD_REQUEST, 'send {"type": "snapshot"} only')
        # Actions go through the pages or the API: a snapshot is all the socket answers.
        snapshot = await _snapshot_for(self.scope["user"], self.avatar_id)
        if snapshot is not None:
            await self.send_json(snapshot)

    def _allowed_now(self) -> bool:
        """Whether one more request fits in the window (and count it if so)."""
        now = time.monotonic()
        if (
            len(self.requests) == SNAPSHOT_REQUESTS
            and now - self.requests[0] < SNAPSHOT_WINDOW_SECONDS
        ):
            return False
        self.requests.append(now)
        return True

    async def _refuse(self, code: CloseCode, reason: str) -> None:
        self.closing = True
        await self.close(code=code, reason=reason)

    async def avatar_event(self, message: dict) -> None:
        await self.send_json(message["event"])
