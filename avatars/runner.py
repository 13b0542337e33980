"""The embedded job runner's child process (started by avatars.worker.EmbeddedRunner).

Nothing Django is imported at module level: a spawned child imports this module first and
sets Django up inside :func:`child_main`.
"""

from __future__ import annotations

import os
import signal
import threading


def child_main(conn) -> None:
    """The runner child: recover, report ready, run jobs; leave when the server goes."""
    # Ctrl+C and a service manager's SIGTERM reach the whole process group: the server stops
    # us in order instead (its lifespan's shutdown lets the job in hand finish).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    import django

    django.setup()
    # Pages first: when the cores are busy, the scheduler gives the web server the CPU and
    # the drawing what is left (a page waits on people; a drawing shows a progress bar).
    from django.conf import settings

    os.nice(settings.PIXME_RUNNER_NICE)
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from avatars.services.turns import turn_recover_unfinished
    from avatars.worker import make_worker, run_forever
    from pixme import broadcast

    send_lock = threading.Lock()

    def forward(group: str, message: dict) -> None:
        with send_lock:
            conn.send(("event", group, message))

    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        broadcast.set_forwarder(forward)  # only the server's layer reaches the pages
    # This is the only runner: whatever is running belongs to a dead one.
    recovered = turn_recover_unfinished()
    from webhooks.services import delivery_recover_stalled

    delivery_recover_stalled()  # deliveries a dead runner was sending
    # Woken through the pipe by the server (on PostgreSQL too), so stop() is heard at once.
    worker = make_worker(worker_id=f"embedded-{os.getpid()}", listen=False)
    with send_lock:
        conn.send(("ready", recovered))
    threading.Thread(
        target=_listen_to_server, args=(conn, worker), name="pixme-runner-control", daemon=True
    ).start()
    run_forever(worker)


def _listen_to_server(conn, worker) -> None:
    from avatars import wakeup

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
