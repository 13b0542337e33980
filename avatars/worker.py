"""The job runner: django-tasks-db's ``Worker`` loop, woken the moment a job is queued.

Scale-out: ``manage.py pixme_worker`` processes on any machine (PostgreSQL's LISTEN wakes
them). Embedded default: the ASGI server's lifespan starts a runner per lane (:data:`LANES`:
renders; the background queue's after-work and webhook deliveries) as *child processes*
(:class:`EmbeddedRunner`), supervises them and stops them, so drawing never competes with the
pages for the web process's GIL, and a render never waits for another version's after-work.
Each child recovers its lane's unfinished work before it reports ready; its progress events
travel over its pipe to the web process, whose in-memory channel layer the pages listen to;
the web process tells it over the same pipe when a job is queued on its lane, and hears from
it when it queued one on another lane.

We reuse django-tasks-db's loop (claiming, bookkeeping, results) instead of writing one: the
only thing added is the wait between empty polls.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Worker

from avatars import wakeup

logger = logging.getLogger(__name__)


class WakeableWorker(Worker):
    """django-tasks-db's worker, waiting for a wake-up instead of sleeping between polls.

    Its loop runs ``time.sleep(self.interval)`` after a poll that found nothing (and reads
    ``interval`` once at start for its random start-up delay). Reading ``interval`` here
    waits on the :class:`~avatars.wakeup.Waiter` — until a job is queued, or the poll
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


# ---------------------------------------------------------------------------------------
# The embedded default: child processes of the web server, one per lane.


def _recover_jobs() -> list[int]:
    from avatars.services.after_work import turn_after_work_requeue
    from avatars.services.turns import turn_recover_unfinished

    recovered = turn_recover_unfinished()  # this is the only render runner: all are dead
    turn_after_work_requeue()  # after-work a dead runner had no time to queue
    return recovered


def _recover_background() -> list[int]:
    from avatars.services.after_work import turn_after_work_recover
    from webhooks.services import delivery_recover_stalled

    recovered = turn_after_work_recover()  # the only background runner: all are dead
    delivery_recover_stalled()  # deliveries a dead runner was sending
    return recovered


@dataclass(frozen=True)
class Lane:
    """One embedded runner child: the queues it takes, its niceness (a setting's name: read
    in the child), what it recovers before it reports ready, and the words for that."""

    name: str
    queues: tuple[str, ...]
    nice_setting: str
    recover: Callable[[], list[int]]
    recovered_words: str


LANES = {
    lane.name: lane
    for lane in (
        Lane("jobs", ("default",), "PIXME_RUNNER_NICE", _recover_jobs, "unfinished turn(s)"),
        Lane(
            "background",
            (settings.PIXME_BACKGROUND_QUEUE,),
            "PIXME_BACKGROUND_NICE",
            _recover_background,
            "version(s)' after-work",
        ),
    )
}


class EmbeddedRunner:
    """Starts a lane's runner child, relays its progress events and wake-ups, wakes it when a
    job is queued on its lane, restarts it if it dies."""

    READY_TIMEOUT = 120.0

    def __init__(self, lane: Lane):
        self.lane = lane
        self._context = multiprocessing.get_context("spawn")  # no forked copy of the server
        self._send_lock = threading.Lock()
        # Orders a restart against stop(): a child is never started after stop() began.
        self._lifecycle = threading.Lock()
        self._conn = None
        self._process = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> list[int]:
        """Start the child and wait until it has recovered its lane's unfinished work.
        Returns the turns it re-queued."""
        recovered = self._spawn()
        wakeup.add_hook(self.wake)
        self._thread = threading.Thread(target=self._relay, name="pixme-runner-relay", daemon=True)
        self._thread.start()
        return recovered

    def _spawn(self) -> list[int]:
        parent, child = self._context.Pipe()
        from avatars.runner import child_main

        process = self._context.Process(
            target=child_main,
            args=(child, self.lane.name),
            name=f"pixme-runner-{self.lane.name}",
            daemon=True,
        )
        process.start()
        child.close()
        message = self._await_ready(parent)
        if not (isinstance(message, tuple) and message[0] == "ready"):
            process.kill()
            process.join()
            parent.close()
            raise RuntimeError(
                f"the {self.lane.name} runner failed to start (exit code {process.exitcode})"
            )
        recovered = message[1]
        old_conn, old_process = self._conn, self._process
        self._conn, self._process = parent, process
        if old_conn is not None:
            old_conn.close()
        if old_process is not None and not old_process.is_alive():
            old_process.close()
        logger.info("%s runner started (pid %s)", self.lane.name, process.pid)
        if recovered:
            logger.info("re-queued %d %s: %s", len(recovered), self.lane.recovered_words, recovered)
        return recovered

    def _await_ready(self, parent) -> tuple | None:
        """The child's "ready" (None if it never came). Jobs its recovery queued on another
        lane are passed on meanwhile."""
        deadline = time.monotonic() + self.READY_TIMEOUT
        while parent.poll(max(0.0, deadline - time.monotonic())):
            try:
                message = parent.recv()
            except (EOFError, OSError):
                return None
            if message[0] != "wake":
                return message
            wakeup.wake_hooks(message[1])
        return None

    def _relay(self) -> None:
        """Hand the child's news to this server's channel layer; restart a dead child."""
        from pixme import broadcast

        delay = 1.0
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                # The child ignores SIGINT and SIGTERM and leaves only when stop() asks:
                # an end of the pipe otherwise means it died (killed, crashed).
                if self._stopping:
                    return
                self._process.join(5)
                logger.error(
                    "the %s runner (pid %s) stopped with exit code %s; restarting it",
                    self.lane.name,
                    self._process.pid,
                    self._process.exitcode,
                )
                while True:
                    time.sleep(delay)
                    with self._lifecycle:
                        if self._stopping:
                            return
                        try:
                            self._spawn()  # it recovers what the dead one was doing
                            delay = 1.0
                            break
                        except Exception:
                            logger.exception("could not restart the %s runner", self.lane.name)
                            delay = min(delay * 2, 60.0)
                continue
            if message[0] == "event":
                broadcast.group_send(message[1], message[2])
            elif message[0] == "wake":  # it queued a job on another lane (after "done")
                wakeup.wake_hooks(message[1])

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            # OSError: the child is being restarted, and looks at the queue when it starts.
            if self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.send(message)

    def wake(self, queue: str) -> None:
        if queue in self.lane.queues:
            self._send(("wake",))

    def stop(self, timeout: float = 10.0) -> None:
        """Let the child finish its job (up to ``timeout``), then end it. An unfinished
        job is recovered at the next start."""
        with self._lifecycle:
            self._stopping = True
            wakeup.remove_hook(self.wake)
            if self._process is None:
                return
            self._send(("stop",))
            self._process.join(timeout)
            if self._process.is_alive():  # it ignores SIGTERM: only we stop it
                self._process.kill()
                self._process.join()
