"""What each app recovers when a job runner died: one registry, filled by the apps that own the
work (avatars: renders, their after-work, reels; webhooks: deliveries) in their
``AppConfig.ready()``, and read by the embedded runners at start-up (each for its queue) and by
``manage.py pixme_recover`` on a timer (for all of them). jobs imports no app.

A recovery takes ``stale_after``: None when the one runner of its queue is starting (whatever
is unfinished belongs to a dead one), else seconds without news after which work counts as
abandoned (scale-out: live workers' work is left alone). It returns the ids it queued again;
queuing twice is harmless (each job claims its work before doing it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Recovery:
    what: str  # what it queued again, in words, with {n}: "{n} turn(s)"
    queue: str  # where its jobs run: that queue's embedded runner recovers it at start-up
    recover: Callable[[float | None], list | None]  # None: nothing to do in this case


_recoveries: list[Recovery] = []


def recovery_register(
    *, what: str, queue: str, recover: Callable[[float | None], list | None]
) -> None:
    if not any(r.what == what for r in _recoveries):  # ready() may run twice in tests
        _recoveries.append(Recovery(what, queue, recover))


def recovery_words(recovery: Recovery, ids: list) -> str:
    """One line saying what a recovery queued again: "re-queued 2 turn(s): [4, 9]"."""
    return "re-queued " + recovery.what.format(n=len(ids)) + (f": {ids}" if ids else "")


def recover(
    *, queues: Iterable[str] | None = None, stale_after: float | None = None
) -> list[tuple[Recovery, list]]:
    """Run the recoveries of ``queues`` (all when None): each with what it queued again (a
    recovery with nothing to do in this case is left out)."""
    wanted = None if queues is None else set(queues)
    done = []
    for recovery in _recoveries:
        if wanted is None or recovery.queue in wanted:
            ids = recovery.recover(stale_after)
            if ids is not None:
                done.append((recovery, ids))
    return done
