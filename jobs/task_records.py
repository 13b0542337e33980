"""django-tasks-db's job records of dead workers: a job killed mid-run stays RUNNING there.

The Turn row is the job's truth and recovery re-queues it as a new task; the old task row
would otherwise say RUNNING for ever. Recovery marks it FAILED with ``WorkerLost`` so the
records (the admin's task list, anyone counting) tell what happened.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


class WorkerLost(Exception):
    """The process running this job died (killed, crashed, restarted) before it finished."""


LOST_TRACEBACK = (
    "jobs.task_records.WorkerLost: the worker running this job stopped before it "
    "finished; recovery queued its turn again as a new job.\n"
)


def task_result_fail_dead(
    *, task_paths: Collection[str], started_before: datetime | None, live_turn_ids: Collection[int]
) -> int:
    """Mark FAILED the RUNNING records of the tasks stored as ``task_paths`` whose worker is
    gone: every one when ``started_before`` is None (the only job runner is starting up), else
    those started before it whose turn is not among ``live_turn_ids``. Returns how many."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path__in=task_paths)
    if started_before is not None:
        running = running.filter(started_at__lt=started_before)
    dead = [
        pk
        for pk, args_kwargs in running.values_list("pk", "args_kwargs")
        if not set(_turn_ids(args_kwargs)) & set(live_turn_ids)
    ]
    if not dead:
        return 0
    # Filtered on RUNNING again: a slow but live worker that finishes now keeps its record.
    return DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=LOST_TRACEBACK,
        return_value=None,
    )


def _turn_ids(args_kwargs: dict) -> list:
    """The turns a job draws: its first argument, one id (render_turn) or a list (render_takes)."""
    first = (args_kwargs.get("args") or [None])[0]
    return first if isinstance(first, list) else [first]
