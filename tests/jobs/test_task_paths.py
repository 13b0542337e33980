"""Jobs django-tasks stored before a move still run: every task path and error path a job
record may hold keeps importing (a one-line re-export stands where a module moved)."""

import pytest
from django.utils.module_loading import import_string
from django_tasks.base import Task

# Every task path the site has ever stored (git log of the @task functions), and where it
# lives now.
STORED_TASKS = {
    "avatars.tasks.render_turn": "avatars.services.turn_run.render_turn",
    "avatars.tasks.render_takes": "avatars.services.takes.render_takes",
    "avatars.tasks.after_work": "avatars.services.after_work.after_work",
    "avatars.reel_tasks.render_reel": "avatars.reels.tasks.render_reel",
    "webhooks.tasks.deliver": "webhooks.tasks.deliver",
    "accounts.confirmation.email_confirmation_deliver": (
        "accounts.confirmation.email_confirmation_deliver"
    ),
}


@pytest.mark.parametrize("stored", STORED_TASKS)
def test_a_stored_task_path_still_imports_its_task(stored):
    task = import_string(stored)
    assert isinstance(task, Task)
    assert task.module_path == STORED_TASKS[stored]


def test_a_stored_worker_lost_error_still_imports():
    from jobs.task_records import WorkerLost

    assert import_string("avatars.services.task_records.WorkerLost") is WorkerLost
