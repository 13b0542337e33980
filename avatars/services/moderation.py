"""Moderation: every action changes the avatar and leaves an audit record."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from avatars.models import Avatar, ModerationAction
from pixme.errors import ApplicationError

_STATES = {
    "hide": Avatar.Moderation.HIDDEN,
    "flag": Avatar.Moderation.FLAGGED,
    "clear": Avatar.Moderation.OK,
}


@transaction.atomic
def avatar_moderate(*, avatar: Avatar, moderator: User, action: str, reason: str = "") -> Avatar:
    if action not in _STATES:
        raise ApplicationError(f"Unknown moderation action {action!r}.")
    avatar.moderation = _STATES[action]
    avatar.save(update_fields=["moderation", "updated_at"])
    ModerationAction.objects.create(
        avatar=avatar,
        avatar_repr=str(avatar)[:200],
        moderator=moderator,
        action=action,
        reason=reason,
    )
    return avatar
