"""The job runner: django-tasks-db's ``Worker`` loop, woken the moment a job is queued.

Scale-out: ``manage.py pixme_worker`` processes on any machine (PostgreSQL's LISTEN wakes
them). Embedded default: the web server's child processes (:mod:`jobs.embedded`).

We reuse django-tasks-db's loop (claiming, bookkeeping, results) instead of writing one: the
only thing added is the wait between empty polls.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Worker

from jobs import wakeup

logger = logging.getLogger(__name__)


class WakeableWorker(Worker):
    """django-tasks-db's worker, waiting for a wake-up instead of sleeping between polls.

    Its loop runs ``time.sleep(self.interval)`` after a poll that found nothing (and reads
    ``interval`` once at start for its random start-up delay). Reading ``interval`` here
    waits on the :class:`~jobs.wakeup.Waiter` — until a job is queued, or the poll
    interval passes — and leaves nothing to sleep.
    """

    def __init__(self, *, waiter: wakeup.Waiter, **kwargs):
        self._waiter = waiter
        self._poll = 1.0
        super().__init__(**kwargs)

    @property
    def interval(self) -> float:
        if getattr(self, "running", False):
            self._waiter.wait(self._poll)
        return 0.0

    @interval.setter
    def interval(self, value: float) -> None:
        self._poll = value

    def stop(self) -> None:
        """Finish the job in hand (if any), then leave the loop."""
        self.running = False
        wakeup.wake_local()


def make_worker(*, worker_id: str, listen: bool | None = None, **options) -> WakeableWorker:
    """django-tasks-db's worker with our wait; ``listen=False``: woken by this process only
    (the embedded child, which its server wakes), not by PostgreSQL's NOTIFY."""
    # This process is one long-lived runner thread: keep its database connection between jobs
    # and polls rather than reconnecting each time (web processes don't; see settings).
    settings.DATABASES["default"]["CONN_MAX_AGE"] = settings.PIXME_WORKER_CONN_MAX_AGE
    defaults = {
        "queue_names": ["default"],
        "interval": settings.PIXME_WORKER_POLL_SECONDS,
        "batch": False,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "excluded_queue_names": [],
    }
    waiter = wakeup.Waiter(listen=listen)
    return WakeableWorker(waiter=waiter, worker_id=worker_id, **{**defaults, **options})


def run_forever(worker: WakeableWorker) -> None:
    """Run the loop until asked to stop: django-tasks-db re-raises database errors other than
    "locked" (a dropped connection), which would otherwise end the runner silently."""
    from django.db import close_old_connections

    delay = 1.0
    while worker.running:
        try:
            worker.run()
            return  # asked to stop
        except Exception:
            logger.exception("the job runner stopped; restarting it in %.0f s", delay)
            close_old_connections()
            time.sleep(delay)
            delay = min(delay * 2, 60.0)
