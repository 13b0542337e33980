"""Websocket ``ws/avatars/<id>/``: the current state from the database, then live news."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from avatars.models import Avatar
from avatars.selectors import avatar_get_for_user, turn_list_for_avatar
from avatars.services.moderation_rules import user_suspension_check
from avatars.services.progress import EventType, group_name
from avatars.services.turns import turn_snapshot
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
    return {
        "type": EventType.SNAPSHOT,
        "avatar": avatar.pk,
        "current": avatar.current_turn_id,
        "turns": [turn_snapshot(turn=t) for t in turn_list_for_avatar(avatar=avatar)],
    }


class AvatarConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.avatar_id = int(self.scope["url_route"]["kwargs"]["avatar_id"])
        # Refuse before accepting: strangers learn nothing, not even that the avatar exists.
        if user is None or not user.is_authenticated:
            await self.close()
            return
        # A ticket opens only the avatar it was issued for (avatars.ws_tickets).
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

    async def receive_json(self, content, **kwargs) -> None:
        # The socket is one-way news; actions go through the pages or the API.
        if content.get("type") == "snapshot":
            snapshot = await _snapshot_for(self.scope["user"], self.avatar_id)
            if snapshot is not None:
                await self.send_json(snapshot)

    async def avatar_event(self, message: dict) -> None:
        await self.send_json(message["event"])
