"""The embedded job runner: one thread inside the ASGI server process runs queued turns.

We reuse django-tasks-db's own ``Worker`` loop (claiming, bookkeeping, results) instead of
writing a runner: the embedded mode differs from scale-out only in *where* that loop runs.
At start-up, turns a dead process left queued or running are re-queued first.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)

_started = threading.Lock()
_worker: Worker | None = None


def start_embedded_worker() -> bool:
    """Start the in-process worker once per process (no-op when disabled). Returns started."""
    global _worker
    if not settings.PIXME_EMBEDDED_WORKER:
        return False
    with _started:
        if _worker is not None:
            return False
        from avatars.services.turns import turn_recover_unfinished

        recovered = turn_recover_unfinished()
        if recovered:
            logger.info("re-queued %d unfinished turn(s): %s", len(recovered), recovered)
        _worker = Worker(
            queue_names=["default"],
            interval=settings.PIXME_WORKER_POLL_SECONDS,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"embedded-{threading.get_native_id()}",
            excluded_queue_names=[],
        )
        thread = threading.Thread(
            target=_supervise, args=(_worker,), name="pixme-embedded-worker", daemon=True
        )
        thread.start()
    return True


def _supervise(worker: Worker) -> None:
    """Run the worker loop for the life of the process: django-tasks-db's loop re-raises
    database errors other than "locked" (a dropped connection), which would otherwise end
    the thread silently and leave every new turn queued until a restart."""
    from django.db import close_old_connections

    delay = 1.0
    while True:
        try:
            worker.run()
            return  # asked to stop
        except Exception:
            logger.exception("the embedded worker stopped; restarting it in %.0f s", delay)
            close_old_connections()
            time.sleep(delay)
            delay = min(delay * 2, 60.0)
