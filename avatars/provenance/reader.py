"""Reading a file's Content Credentials in a process of its own, within a time bound.

Anyone can send ``/verify/`` a file, and a file can be made slow to read: a 12 MB PNG of a
million empty chunks keeps Pillow's header check busy for 8 s and c2pa's read for 20 s, on a
core, and neither can be stopped from another thread. So the whole check of a file — the
upload's header checks, then the manifest read — runs in a small pool of reader processes
(pebble), never in the web process: at most ``workers`` at once; a check that finds them all
busy for a second is refused (:class:`ReaderBusy`); a check past its time bound answers
:class:`ReadTimedOut` and its process is ended, so it costs the server no more than that.
No lock is held while a file is read.

The reader processes import this module and, of Django, only its settings object, configured
with the few values a check reads (they travel with each file). They are spawned, so a script
that checks files keeps its own work under ``if __name__ == "__main__":`` (manage.py does).
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import signal
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache

import c2pa
from django.conf import settings
from pebble import ProcessExpired, ProcessPool
from PIL import Image

from avatars import images

SLOT_WAIT_SECONDS = 1.0  # a burst waits this long for a free reader before it is refused
# The bound is on the read, from when a reader takes the file up; a reader being started (the
# first check, or the next after one was ended) may take a few seconds more on a busy machine.
START_GRACE_SECONDS = 5.0


class ReaderBusy(Exception):
    """Every reader process is busy: nothing was read."""


class ReadTimedOut(Exception):
    """The check passed its time bound; its reader process is ended."""


class ReaderDied(Exception):
    """The reader process ended abnormally on this file (the SDK crashed on it)."""


# -- in the web process -----------------------------------------------------------------------

_pools: dict[int, tuple[ProcessPool, threading.BoundedSemaphore]] = {}
_pools_lock = threading.Lock()  # only while a pool is made, never while a file is read


def _pool(workers: int) -> tuple[ProcessPool, threading.BoundedSemaphore]:
    with _pools_lock:
        if workers not in _pools:
            # Spawned, not forked: a fork of a web server (threads, sockets) is not a clean copy.
            pool = ProcessPool(
                max_workers=workers,
                initializer=_reader_start,
                context=multiprocessing.get_context("spawn"),
            )
            _pools[workers] = (pool, threading.BoundedSemaphore(workers))
        return _pools[workers]


@atexit.register
def _pools_stop() -> None:
    """End the readers with the process: a reader still being started when the process
    exits would find its pipes gone and say so on stderr."""
    with _pools_lock:
        for pool, _ in _pools.values():
            pool.stop()
            pool.join()
        _pools.clear()


def read(
    data: bytes,
    *,
    mime: str | None,
    sdk_settings: str,
    limits: dict,
    workers: int,
    timeout: float,
) -> dict:
    """Check ``data`` in a reader process and return what it found (see :func:`_check`).

    ``mime`` None: judge the file like an upload first (``limits`` are the upload settings).
    ``sdk_settings``: the c2pa settings as JSON. Raises ReaderBusy, ReadTimedOut, ReaderDied.
    """
    pool, slots = _pool(workers)
    if not slots.acquire(timeout=min(SLOT_WAIT_SECONDS, timeout)):
        raise ReaderBusy
    try:
        future = pool.schedule(_check, args=(data, mime, sdk_settings, limits), timeout=timeout)
    except BaseException:
        slots.release()
        raise
    # The slot is free again once the read is over: done, timed out, or cancelled below.
    future.add_done_callback(lambda _: slots.release())
    try:
        return future.result(timeout=timeout + START_GRACE_SECONDS)
    except FutureTimeout:  # pebble ended the read at its bound (or no reader ever took it)
        future.cancel()
        raise ReadTimedOut from None
    except ProcessExpired as exc:
        raise ReaderDied(str(exc)) from None


# -- in a reader process ----------------------------------------------------------------------


def _reader_start() -> None:
    """A reader holds nothing worth cleaning up: SIGTERM ends it at once, even inside c2pa's
    native code (pebble's own handler would wait for that call to return, or 3 s)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    settings.configure()


@lru_cache(maxsize=4)
def _context(sdk_settings: str) -> c2pa.Context:
    return c2pa.Context.from_json(sdk_settings)


def _remote(exc: c2pa.C2paError) -> bool:
    """The SDK refused to fetch the manifest the file points to. c2pa's C library tags those
    errors "Remote:", which the Python binding (0.38.1) leaves untyped."""
    return isinstance(exc, c2pa.C2paError.RemoteManifest) or str(exc).startswith("Remote:")


def _check(data: bytes, mime: str | None, sdk_settings: str, limits: dict) -> dict:
    """One of ``{"rejected": message}`` (refused like an upload), ``{"unsupported": True}`` (a
    format c2pa can't carry), ``{"error": text, "remote": bool}`` (no readable manifest), or
    the reader's ``{"store": json, "state": …, "results": …}``."""
    if mime is None:
        for name, value in limits.items():
            setattr(settings, name, value)
        try:
            # The header's checks only: the manifest check hashes bytes and decodes no pixels,
            # and a flipped byte in them must read as "altered", not as a damaged upload.
            image, image_format = images.checked_open(io.BytesIO(data), size=len(data), load=False)
        except images.ImageRejected as exc:
            return {"rejected": exc.message}
        image.close()
        mime = Image.MIME.get(image_format, "")
        if mime not in c2pa.Builder.get_supported_mime_types():
            return {"unsupported": True}
    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=_context(sdk_settings)) as reader:
            return {
                "store": reader.json(),
                "state": reader.get_validation_state() or "",
                "results": reader.get_validation_results() or {},
            }
    except c2pa.C2paError as exc:
        return {"error": str(exc), "remote": _remote(exc)}
