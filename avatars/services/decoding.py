"""How many uploads this process decodes at once.

A photo is checked by decoding it, and a 40-megapixel one costs this process up to a few
hundred MB while it is (figures in README, Performance). Anyone may upload at any moment, so
the decoding is what is bounded: at most PIXME_DECODES_AT_ONCE uploads are decoded together,
the others wait for a free slot for up to PIXME_DECODE_WAIT_SECONDS and are then told the
server is busy (503 with Retry-After) — a burst of uploads costs at most that many decodes'
memory, however many people send them. The line is per process; each process bounds its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from pixme.errors import ApplicationError

SERVER_BUSY_RETRY_AFTER_SECONDS = 5
SERVER_BUSY_MESSAGE = (
    "The server is busy reading other photos right now. Please try again in a few seconds."
)

_slots: tuple[int, threading.Semaphore] | None = None
_slots_lock = threading.Lock()


def _semaphore(size: int) -> threading.Semaphore:
    """The process's semaphore for ``size`` slots (a new one when the setting changed)."""
    global _slots
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.Semaphore(size))
        return _slots[1]


@contextmanager
def decode_slot() -> Iterator[None]:
    """Hold one of the process's decoding slots while the block runs, waiting for one up to
    PIXME_DECODE_WAIT_SECONDS; raise ApplicationError (``server_busy``, with a
    Retry-After) when none came free. PIXME_DECODES_AT_ONCE = 0 lifts the limit."""
    size = settings.PIXME_DECODES_AT_ONCE
    if size <= 0:
        yield
        return
    slots = _semaphore(size)
    if not slots.acquire(timeout=settings.PIXME_DECODE_WAIT_SECONDS):
        raise ApplicationError(
            SERVER_BUSY_MESSAGE,
            code="server_busy",
            extra={"retry_after": SERVER_BUSY_RETRY_AFTER_SECONDS},
        )
    try:
        yield
    finally:
        slots.release()
