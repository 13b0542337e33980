"""Signals other apps listen to (webhooks): sent after the database says so."""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

# A version's job ended: sent with ``turn`` (the Turn, as stored) and ``status`` (succeeded,
# failed or cancelled). A succeeded version is announced once its after-work is done too (its
# likeness measured, its WebP stored).
turn_finished = Signal()

# An avatar's current version changed (``avatar_id``, ``turn_id``), once it is committed.
avatar_current_changed = Signal()


def turn_finished_announce(*, turn) -> None:
    """Send :data:`turn_finished` for ``turn``; a failing listener never fails the turn."""
    try:
        turn_finished.send(sender=type(turn), turn=turn, status=turn.status)
    except Exception:
        logger.exception("turn %s: a turn_finished receiver failed", turn.pk)
