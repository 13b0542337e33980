"""Wake the job runner the moment a job is queued; polling stays only as a fallback.

django-tasks sends ``task_enqueued`` after a job's row is written (our turns enqueue on
commit, so the row is visible by then). Each process that enqueues then:

- sets a local event, which a runner in this same process waits on;
- calls the hooks registered here with the job's queue: the embedded web server registers one
  per runner child, which tells the child over their pipe if the queue is its lane's; a child
  registers one that tells the server of a job it queued on another lane (jobs.runner);
- on PostgreSQL, sends ``NOTIFY pixme_tasks``, which every worker on every machine LISTENs
  for (``manage.py pixme_worker``).

A runner waits with :class:`Waiter` instead of sleeping between empty polls; it still looks
every ``PIXME_WORKER_POLL_SECONDS`` in case a wake-up was lost (a job queued by a process
that has no hook, a dropped LISTEN connection).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from django.db import connections
from django.dispatch import receiver
from django_tasks.signals import task_enqueued

logger = logging.getLogger(__name__)

CHANNEL = "pixme_tasks"

_event = threading.Event()
_hooks: list[Callable[[str], None]] = []


def add_hook(hook: Callable[[str], None]) -> None:
    """Call ``hook(queue)`` whenever this process queues a job on ``queue`` (it must be quick
    and never block)."""
    _hooks.append(hook)


def remove_hook(hook: Callable[[str], None]) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def wake_hooks(queue: str) -> None:
    """Call the hooks for a job queued on ``queue``. Never raises."""
    for hook in list(_hooks):
        try:
            hook(queue)
        except Exception:
            logger.warning("a wake-up hook failed", exc_info=True)


def _uses_postgres(alias: str = "default") -> bool:
    return connections[alias].vendor == "postgresql"


def notify(queue: str = "default") -> None:
    """A job was queued on ``queue``: wake whichever runner may take it. Never raises."""
    _event.set()
    wake_hooks(queue)
    if _uses_postgres():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
        except Exception:  # the worker's poll finds the job anyway
            logger.warning("could not NOTIFY %s", CHANNEL, exc_info=True)


@receiver(task_enqueued)
def _on_enqueued(sender, task_result, **kwargs) -> None:
    notify(task_result.task.queue_name)


def wake_local() -> None:
    """Wake a runner in this process (the embedded child, told by its parent)."""
    _event.set()


class Waiter:
    """What a runner waits on between polls: the local event, or PostgreSQL's LISTEN."""

    RECONNECT_SECONDS = 30.0

    def __init__(self, *, alias: str = "default", listen: bool | None = None):
        self.alias = alias
        self.listen = _uses_postgres(alias) if listen is None else listen
        self._conn = None
        self._failed_at = 0.0

    def wait(self, timeout: float) -> bool:
        """Block until woken or ``timeout`` seconds pass. Returns whether it was woken."""
        if self.listen:
            return self._wait_postgres(timeout)
        return self._wait_local(timeout)

    def _wait_postgres(self, timeout: float) -> bool:
        import psycopg

        if self._conn is None and time.monotonic() - self._failed_at < self.RECONNECT_SECONDS:
            return self._wait_local(timeout)  # LISTEN failed a moment ago: poll for a while
        try:
            if self._conn is None or self._conn.closed:
                params = connections[self.alias].get_connection_params()
                params.pop("cursor_factory", None)
                params.pop("context", None)
                self._conn = psycopg.connect(**params, autocommit=True)
                self._conn.execute(f"LISTEN {CHANNEL}")
            woken = False
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                woken = True
            # Several jobs queued at once: one look at the queue serves them all.
            for _ in self._conn.notifies(timeout=0):
                pass
            return woken
        except Exception:
            logger.warning("LISTEN %s failed; polling instead", CHANNEL, exc_info=True)
            self.close()
            self._failed_at = time.monotonic()
            return self._wait_local(timeout)

    @staticmethod
    def _wait_local(timeout: float) -> bool:
        woken = _event.wait(timeout)
        _event.clear()
        return woken

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
