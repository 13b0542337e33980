"""The embedded default: the web server's job runners, child processes of the server.

The ASGI server's lifespan starts a runner per lane (:data:`LANES`: renders and reels; the
background queue's after-work and webhook deliveries) as *child processes*
(:class:`EmbeddedRunner`), supervises them and stops them, so drawing never competes with the
pages for the web process's GIL, and a render never waits for another version's after-work.
Each child recovers its lane's unfinished work (:mod:`jobs.recovery`) before it reports ready;
its news travels over its pipe to the web process, whose in-memory channel layer the pages
listen to; the web process tells it over the same pipe when a job is queued on its lane, and
hears from it when it queued one on another lane.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from jobs import wakeup

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lane:
    """One embedded runner child: the queues it takes and its niceness (a setting's name: read
    in the child). Before it reports ready, the child runs the recoveries of its queues; with
    ``sweeps``, it also runs the sweeps (jobs.periodic) at its start and on their timer."""

    name: str
    queues: tuple[str, ...]
    nice_setting: str
    sweeps: bool = False


LANES = {
    lane.name: lane
    for lane in (
        Lane("jobs", ("default",), "PIXME_RUNNER_NICE"),
        Lane(
            "background", (settings.PIXME_BACKGROUND_QUEUE,), "PIXME_BACKGROUND_NICE", sweeps=True
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

    def start(self) -> list[tuple[str, list]]:
        """Start the child and wait until it has recovered its lane's unfinished work.
        Returns what it queued again: (what, ids) by recovery."""
        recovered = self._spawn()
        wakeup.add_hook(self.wake)
        self._thread = threading.Thread(target=self._relay, name="pixme-runner-relay", daemon=True)
        self._thread.start()
        return recovered

    def _spawn(self) -> list[tuple[str, list]]:
        parent, child = self._context.Pipe()
        from jobs.runner import child_main

        process = self._context.Process(
            target=child_main,
            args=(child, self.lane),
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
        for what, ids in recovered:
            if ids:
                logger.info("re-queued %d %s: %s", len(ids), what, ids)
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
