"""Signals other apps listen to (webhooks): sent after the database says so."""

from django.dispatch import Signal

# A version's job ended: sent with ``turn`` (the Turn, as stored) and ``status`` (succeeded,
# failed or cancelled).
turn_finished = Signal()
