"""News to a channel-layer group from anywhere: a request thread, a job thread, a worker
process, or the embedded runner's child (which hands it to its web server). Never raises:
news is best-effort, and the database is the truth (a socket that (re)connects gets the
current state first).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)


# The event loop of the ASGI server when jobs run inside it (set at start-up by the embedded
# worker). InMemoryChannelLayer is not thread-safe: from a job thread, events must be handed to
# that loop rather than sent from the thread's own loop.
_server_loop: asyncio.AbstractEventLoop | None = None
_server_loop_lock = threading.Lock()


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    global _server_loop
    with _server_loop_lock:
        _server_loop = loop


# In the embedded runner's child process: hands each message to the web server, whose in-memory
# channel layer the pages listen to (jobs.embedded).
_forwarder: Callable[[str, dict], None] | None = None


def set_forwarder(forwarder: Callable[[str, dict], None] | None) -> None:
    global _forwarder
    _forwarder = forwarder


def group_send(group: str, message: dict) -> None:
    """Send ``message`` to the channel-layer ``group``. Never raises."""
    if _forwarder is not None:
        try:
            _forwarder(group, message)
        except Exception:
            logger.warning("could not forward a message to %s", group)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = _server_loop
        if loop is None or not loop.is_running() or _on_loop(loop):
            if isinstance(layer, InMemoryChannelLayer):
                # The in-memory layer lives on its consumers' loop, which async_to_sync
                # reaches from a sync_to_async thread (tests, one process).
                async_to_sync(layer.group_send)(group, message)
                return
            # A worker process: channels-redis keeps one connection pool per event loop, so
            # a fresh async_to_sync loop per message would open a fresh Redis connection per
            # message. One long-lived loop keeps one.
            loop = _publisher_loop()
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(timeout=5)
    except Exception:  # a lost message is repaired by the snapshot on (re)connect
        logger.warning("could not send a message to %s", group, exc_info=True)


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
