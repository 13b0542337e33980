"""Run jobs (scale-out): ``manage.py pixme_worker``, as many as you like, on any machine.

django-tasks-db's ``db_worker`` with one change: between polls it waits for a wake-up —
PostgreSQL's ``NOTIFY pixme_tasks`` sent when a job is queued (jobs.wakeup) — so a job
starts within milliseconds, and the poll (``--interval``, default
``PIXME_WORKER_POLL_SECONDS``) is only a fallback. Every option of ``db_worker`` applies.

By default a worker takes every queue of the site, renders first. So that a render never
waits for another version's after-work or a webhook delivery, run workers for renders
(``--queue-name default``) and at least one for the background
(``--queue-name background``), as the Procfile does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from jobs.worker import make_worker, run_forever
from pixme.commands import MigratedDatabaseRequired


class Command(MigratedDatabaseRequired, db_worker.Command):
    help = "Run jobs, woken as soon as one is queued (db_worker's options)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # Woken when a job is queued: no thundering herd to spread out at start-up.
        parser.set_defaults(
            interval=settings.PIXME_WORKER_POLL_SECONDS,
            reload=False,
            startup_delay=False,
            # Every queue: a lone worker leaves no job undone (db_worker's: "default" only).
            queue_name=",".join(settings.TASKS["default"]["QUEUES"]),
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload:
            raise CommandError("pixme_worker has no --reload; use db_worker for that.")
        excluded = exclude_queues.split(",") if exclude_queues else []
        queue_names = queue_name.split(",")
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = make_worker(
            worker_id=worker_id,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        run_forever(worker)  # a dropped database connection restarts the loop, not the process
