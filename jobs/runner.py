"""An embedded job runner's child process (started by jobs.embedded.EmbeddedRunner, one per
lane: renders, and the background queue).

Nothing Django is imported at module level: a spawned child imports this module first and
sets Django up inside :func:`child_main`.
"""

from __future__ import annotations

import os
import signal
import threading


def child_main(conn, lane) -> None:
    """A runner child: recover its lane (a :class:`jobs.embedded.Lane`), report ready, run jobs;
    leave when the server goes."""
    # Ctrl+C and a service manager's SIGTERM reach the whole process group: the server stops
    # us in order instead (its lifespan's shutdown lets the job in hand finish).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    import django

    django.setup()
    from django.conf import settings

    # Pages first: when the cores are busy, the scheduler gives the web server the CPU and
    # the drawing what is left (a page waits on people; a drawing shows a progress bar), and
    # the background lane what the drawing leaves (nobody watches it).
    os.nice(getattr(settings, lane.nice_setting))
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from jobs import recovery, wakeup
    from jobs.worker import make_worker, run_forever
    from pixme import broadcast

    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        with send_lock:
            conn.send(message)

    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        # only the server's layer reaches the pages
        broadcast.set_forwarder(lambda group, message: send(("event", group, message)))

    def tell_server(queue: str) -> None:
        if queue not in lane.queues:  # another lane's: the server wakes its runner
            send(("wake", queue))

    wakeup.add_hook(tell_server)
    recovered = [(r.what, ids) for r, ids in recovery.recover(queues=lane.queues)]
    # Woken through the pipe by the server (on PostgreSQL too), so stop() is heard at once.
    worker = make_worker(
        worker_id=f"embedded-{os.getpid()}", listen=False, queue_names=list(lane.queues)
    )
    send(("ready", recovered))
    threading.Thread(
        target=_listen_to_server, args=(conn, worker), name="pixme-runner-control", daemon=True
    ).start()
    if lane.sweeps:  # the embedded default has no timer of its own: this lane is it
        from jobs.periodic import sweep_forever

        threading.Thread(
            target=sweep_forever,
            kwargs={"every": settings.PIXME_SWEEP_SECONDS, "stop": threading.Event()},
            name="pixme-runner-sweeps",
            daemon=True,
        ).start()
    run_forever(worker)


def _listen_to_server(conn, worker) -> None:
    from jobs import wakeup

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            # The server is gone (killed, perhaps): so are we. Our job, if any, is recovered
            # when it starts again; carrying on could draw it twice.
            os._exit(0)
        if message[0] == "wake":
            wakeup.wake_local()
        elif message[0] == "stop":
            worker.stop()
