"""What a page or socket that joins late needs to draw an avatar's state: read from the
database, the truth (events are only news of it)."""

from __future__ import annotations

from django.urls import reverse

from avatars.live.events import EventType
from avatars.models import Avatar, Turn
from avatars.selectors import turn_list_for_avatar, turn_retryable
from avatars.stages import stage_words


def avatar_snapshot(*, avatar: Avatar) -> dict:
    """The first message of the avatar's socket, and the pages' polling answer."""
    return {
        "type": EventType.SNAPSHOT,
        "avatar": avatar.pk,
        "current": avatar.current_turn_id,
        "turns": [turn_snapshot(turn=t) for t in turn_list_for_avatar(avatar=avatar)],
    }


def turn_snapshot(*, turn: Turn) -> dict:
    """What a late-joining page needs to draw this turn's state (from the database)."""
    return {
        "turn": turn.pk,
        "number": turn.number,
        "kind": turn.kind,
        "instruction": turn.instruction,
        "status": turn.status,
        "stage": turn.stage,
        "words": stage_words(stage=turn.stage, status=turn.status),
        "percent": turn.percent,
        "message": turn.message,
        "model_text": turn.model_text,
        "error_code": turn.error_code,
        "error_message": turn.error_message,
        "retryable": turn_retryable(turn=turn),
        "likeness": turn.likeness,
        "likeness_pending": turn.likeness_pending,
        "image": turn_image_url(turn) if turn.image else "",
        "thumbnail": turn_image_url(turn, thumbnail=True) if turn.thumbnail else "",
    }


def turn_image_url(turn: Turn, *, thumbnail: bool = False) -> str:
    name = "avatars:turn-thumbnail" if thumbnail else "avatars:turn-image"
    return reverse(name, args=[turn.avatar_id, turn.pk])
