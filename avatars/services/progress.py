"""Progress events: typed payloads built here and published through one helper.

The database row is the truth; these events are only news of it, sent to the channel-layer
group ``avatar.<id>`` that the avatar page's websocket listens to.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import TypedDict

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)


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


# The event loop of the ASGI server when jobs run inside it (set at start-up by the embedded
# worker). InMemoryChannelLayer is not thread-safe: from a job thread, events must be handed to
# that loop rather than sent from the thread's own loop.
_server_loop: asyncio.AbstractEventLoop | None = None
_server_loop_lock = threading.Lock()


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    global _server_loop
    with _server_loop_lock:
        _server_loop = loop


# In the embedded runner's child process: hands each event to the web server, whose in-memory
# channel layer the pages listen to (avatars.worker).
_forwarder: Callable[[int, dict], None] | None = None


def set_forwarder(forwarder: Callable[[int, dict], None] | None) -> None:
    global _forwarder
    _forwarder = forwarder


def publish(avatar_id: int, event: Event) -> None:
    """Send ``event`` to everyone watching the avatar. Never raises: news is best-effort."""
    if _forwarder is not None:
        try:
            _forwarder(avatar_id, dict(event))
        except Exception:
            logger.warning("could not forward %s for avatar %s", event.get("type"), avatar_id)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "avatar.event", "event": dict(event)}
    group = group_name(avatar_id)
    try:
        loop = _server_loop
        if loop is None or not loop.is_running() or _on_loop(loop):
            if isinstance(layer, InMemoryChannelLayer):
                # The in-memory layer lives on its consumers' loop, which async_to_sync
                # reaches from a sync_to_async thread (tests, one process).
                async_to_sync(layer.group_send)(group, message)
                return
            # A worker process: channels-redis keeps one connection pool per event loop, so
            # a fresh async_to_sync loop per event would open a fresh Redis connection per
            # event. One long-lived loop keeps one.
            loop = _publisher_loop()
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(timeout=5)
    except Exception:  # a lost event is repaired by the snapshot on (re)connect
        logger.warning(
            "could not publish %s for avatar %s", event.get("type"), avatar_id, exc_info=True
        )


_publisher: asyncio.AbstractEventLoop | None = None


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """This process's publishing loop, on a daemon thread started at the first event."""
    global _publisher
    with _server_loop_lock:
        if _publisher is None:
            _publisher = asyncio.new_event_loop()
            threading.Thread(
                target=_publisher.run_forever, name="pixme-progress-publisher", daemon=True
            ).start()
        return _publisher


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
