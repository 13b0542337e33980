"""Work done on a timer rather than when something happens: each app registers its sweeps in
``AppConfig.ready()`` (avatars: the photos past the time their owners chose), jobs imports no
app. They run at every ``manage.py pixme_recover`` — the timer a scale-out deployment runs
anyway — and, in the embedded default (which has no timer of its own), in the background
runner at its start and every ``PIXME_SWEEP_SECONDS`` (:func:`sweep_forever`).

A sweep takes no arguments, does what is due, returns the ids it dealt with, and is harmless
to run twice at once or again at once (each does its own claiming).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    what: str  # what it did, in words, with {n}: "deleted {n} photo(s) …"
    sweep: Callable[[], list]


_sweeps: list[Sweep] = []


def sweep_register(*, what: str, sweep: Callable[[], list]) -> None:
    if not any(s.what == what for s in _sweeps):  # ready() may run twice in tests
        _sweeps.append(Sweep(what, sweep))


def sweep_words(sweep: Sweep, ids: list) -> str:
    return sweep.what.format(n=len(ids)) + (f": {ids}" if ids else "")


def sweeps_run() -> list[tuple[Sweep, list]]:
    """Run every sweep; one that fails is logged and the others still run."""
    done = []
    for sweep in _sweeps:
        try:
            done.append((sweep, sweep.sweep()))
        except Exception:
            logger.exception("the sweep %r failed; it runs again next time", sweep.what)
    return done


def sweep_forever(*, every: float, stop: threading.Event) -> None:
    """The embedded background runner's timer (a thread of its child process): the sweeps at
    once, then every ``every`` seconds until ``stop`` is set. Its database connection is closed
    after each round: the runner's own thread keeps the other one."""
    from django.db import connection

    while not stop.is_set():
        for sweep, ids in sweeps_run():
            if ids:
                logger.info(sweep_words(sweep, ids))
        connection.close()
        stop.wait(every)
