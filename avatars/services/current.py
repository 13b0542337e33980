"""The one way an avatar's current version changes — the user keeping another version, a
version finishing, the best of several takes — and what hears of it: the reel (its path
changed), ``avatars.signals.avatar_current_changed`` (the picture URL) and, when the site
chose rather than the user, open pages (a ``current`` event).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from avatars.live import events
from avatars.models import Avatar, Turn
from avatars.reels.services import reel_path_changed
from avatars.signals import avatar_current_changed

logger = logging.getLogger(__name__)

ANY = object()  # replacing whatever is current


def avatar_current_set(*, turn: Turn, replacing=ANY, announce: bool = False) -> bool:
    """Make ``turn`` its avatar's current version. With ``replacing`` (a version's id, or None
    for "no version yet") only while that is still the current one: one conditional update,
    so a choice made at the same moment is never overwritten. Once the transaction commits,
    the reel hears of it, and with ``announce`` open pages too. Returns whether it changed."""
    rows = Avatar.objects.filter(pk=turn.avatar_id)
    if replacing is not ANY:
        rows = rows.filter(current_turn_id=replacing)
    if not rows.update(current_turn=turn, updated_at=timezone.now()):
        return False
    avatar_id, turn_id = turn.avatar_id, turn.pk
    transaction.on_commit(lambda: _current_changed(avatar_id, turn_id, announce=announce))
    return True


def _current_changed(avatar_id: int, turn_id: int, *, announce: bool) -> None:
    try:
        avatar_current_changed.send(sender=Avatar, avatar_id=avatar_id, turn_id=turn_id)
    except Exception:  # the version is current whatever a listener makes of it
        logger.exception("avatar %s: an avatar_current_changed receiver failed", avatar_id)
    if announce:
        events.publish(avatar_id, events.CurrentEvent(type=events.EventType.CURRENT, turn=turn_id))
    try:
        reel_path_changed(avatar_id=avatar_id)
    except Exception:  # the version is current whatever becomes of its reel
        logger.exception("avatar %s: could not update its reel", avatar_id)
