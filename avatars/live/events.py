"""Progress events: typed payloads built here and published through one helper.

The database row is the truth; these events are only news of it, sent to the channel-layer
group ``avatar.<id>`` that the avatar page's websocket listens to (``pixme.broadcast``
delivers them from whichever thread or process has them).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypedDict

from pixme import broadcast


class EventType(StrEnum):
    SNAPSHOT = "snapshot"
    PROGRESS = "progress"
    TEXT = "text"
    DONE = "done"
    FAILED = "failed"
    LIKENESS = "likeness"
    CURRENT = "current"


class ProgressEvent(TypedDict):
    type: str
    turn: int
    status: str
    stage: str  # the engine's code ("detect"); the API and clients key on it
    words: str  # the same stage in a person's words ("Finding your face"): what pages show
    percent: int
    message: str


class TextEvent(TypedDict):
    type: str
    turn: int
    delta: str
    # Where the delta starts in the turn's text (0 with an empty delta: start again).
    offset: int


class DoneEvent(TypedDict):
    type: str
    turn: int
    image: str
    thumbnail: str
    model_text: str
    likeness: float | None


class FailedEvent(TypedDict):
    type: str
    turn: int
    code: str
    message: str
    retryable: bool  # whether trying again could help (pages offer Retry only then)


class LikenessEvent(TypedDict):
    """Sent after ``done``, when the version's after-work is over: its likeness measured (and
    its WebP stored) once it is already shown."""

    type: str
    turn: int
    likeness: float | None
    words: str


class CurrentEvent(TypedDict):
    """Sent when the site (not the user) makes another version current: the best of several
    takes, once they are all drawn."""

    type: str
    turn: int


Event = ProgressEvent | TextEvent | DoneEvent | FailedEvent | LikenessEvent | CurrentEvent


def group_name(avatar_id: int) -> str:
    return f"avatar.{avatar_id}"


def publish(avatar_id: int, event: Event) -> None:
    """Send ``event`` to everyone watching the avatar. Never raises: news is best-effort."""
    broadcast.group_send(group_name(avatar_id), {"type": "avatar.event", "event": dict(event)})
