"""Read-side queries. Ownership is enforced here: every lookup is scoped to the user, so a
stranger's id simply isn't found (404, never 403)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from avatars.models import Avatar, Style, Turn


def avatar_list_for_user(*, user: User) -> QuerySet[Avatar]:
    return (
        Avatar.objects.filter(owner=user)
        .select_related("style", "current_turn")
        .order_by("-created_at", "-id")
    )


def avatar_get_for_user(*, user: User, avatar_id: int) -> Avatar:
    """Raises Avatar.DoesNotExist for ids the user does not own."""
    return Avatar.objects.select_related("style", "current_turn").get(pk=avatar_id, owner=user)


def turn_get_for_user(*, user: User, avatar_id: int, turn_id: int) -> Turn:
    return Turn.objects.select_related("avatar").get(
        pk=turn_id, avatar_id=avatar_id, avatar__owner=user
    )


def turn_list_for_avatar(*, avatar: Avatar) -> QuerySet[Turn]:
    return avatar.turns.order_by("number")


def style_list_enabled() -> QuerySet[Style]:
    return Style.objects.filter(enabled=True).order_by("order", "name")


def turn_ancestors(*, turn: Turn, limit: int = 12) -> list[Turn]:
    """The chain from the oldest kept ancestor down to ``turn`` itself (oldest first)."""
    chain: list[Turn] = []
    node: Turn | None = turn
    while node is not None and len(chain) < limit:
        chain.append(node)
        node = node.parent
    chain.reverse()
    return chain
