"""Recovery tells the truth in the job records: a dead job's task row, left RUNNING by a
killed process, is marked FAILED (WorkerLost); a live job's row is left alone."""

from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from avatars.models import Turn
from avatars.services.turns import turn_recover_unfinished
from avatars.tasks import render_turn


def running_record(turn_id: int, *, started_ago: float, task=render_turn) -> DBTaskResult:
    """A job record left RUNNING, as by a worker that died ``started_ago`` seconds in."""
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [turn_id], "kwargs": {}},
        task_path=task.module_path,
        queue_name=task.queue_name,
        backend_name="default",
        run_after=now,
        started_at=now - timedelta(seconds=started_ago),
        worker_ids=["dead-worker"],
    )


def test_embedded_start_up_marks_every_running_record_failed(alice_avatar):
    turn = alice_avatar.turns.get()
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.RUNNING)
    record = running_record(turn.pk, started_ago=1)

    assert turn_recover_unfinished() == [turn.pk]

    record.refresh_from_db()
    assert record.status == TaskResultStatus.FAILED
    assert record.exception_class_path == "jobs.task_records.WorkerLost"
    assert record.finished_at is not None


def test_the_timer_leaves_a_live_job_and_its_record_alone(alice_avatar):
    turn = alice_avatar.turns.get()
    now = timezone.now()
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.RUNNING, heartbeat_at=now)
    record = running_record(turn.pk, started_ago=600)  # long job, still reporting

    assert turn_recover_unfinished(stale_after=300) == []

    record.refresh_from_db()
    assert record.status == TaskResultStatus.RUNNING
    assert Turn.objects.get(pk=turn.pk).status == Turn.Status.RUNNING


def test_the_timer_fails_the_record_of_a_job_that_stopped_reporting(alice_avatar):
    turn = alice_avatar.turns.get()
    old = timezone.now() - timedelta(seconds=900)
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.RUNNING, heartbeat_at=old)
    record = running_record(turn.pk, started_ago=900)

    assert turn_recover_unfinished(stale_after=300) == [turn.pk]

    record.refresh_from_db()
    assert record.status == TaskResultStatus.FAILED


def test_a_dead_takes_job_record_is_failed_too_and_a_live_one_left(alice_avatar):
    from avatars.tasks import render_takes

    turn = alice_avatar.turns.get()
    now = timezone.now()
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.RUNNING, heartbeat_at=now)
    live = running_record([turn.pk, 10**9], started_ago=600)
    dead = running_record([10**9 + 1, 10**9 + 2], started_ago=600)
    DBTaskResult.objects.filter(pk__in=[live.pk, dead.pk]).update(
        task_path=render_takes.module_path
    )

    turn_recover_unfinished(stale_after=300)

    live.refresh_from_db()
    dead.refresh_from_db()
    assert live.status == TaskResultStatus.RUNNING, "one of its takes is still being drawn"
    assert dead.status == TaskResultStatus.FAILED


def _reel(avatar, *, status: str, updated_ago: float):
    from avatars.models import Reel

    reel = Reel.objects.create(avatar=avatar, key="k" * 64, status=status)
    Reel.objects.filter(pk=reel.pk).update(
        updated_at=timezone.now() - timedelta(seconds=updated_ago)
    )
    return reel


def test_a_dead_reel_job_record_is_failed(alice_avatar):
    """Found by bench/soak.py: a reel job killed mid-run left its record RUNNING for ever."""
    from avatars.models import Reel
    from avatars.reels.services import reel_recover
    from avatars.reels.tasks import render_reel

    dead_reel = _reel(alice_avatar, status=Reel.Status.RUNNING, updated_ago=900)
    dead = running_record(dead_reel.pk, started_ago=900, task=render_reel)
    gone = running_record(10**9, started_ago=900, task=render_reel)  # its reel deleted since

    assert reel_recover(stale_after=300) == [dead_reel.pk]

    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "jobs.task_records.WorkerLost"
    gone.refresh_from_db()
    assert gone.status == TaskResultStatus.FAILED


def test_the_timer_leaves_a_live_reel_job_record_alone(alice_avatar):
    from avatars.models import Reel
    from avatars.reels.services import reel_recover
    from avatars.reels.tasks import render_reel

    reel = _reel(alice_avatar, status=Reel.Status.RUNNING, updated_ago=1)  # still reporting
    record = running_record(reel.pk, started_ago=600, task=render_reel)

    assert reel_recover(stale_after=300) == []

    record.refresh_from_db()
    assert record.status == TaskResultStatus.RUNNING
    assert Reel.objects.get(pk=reel.pk).status == Reel.Status.RUNNING


def test_embedded_start_up_fails_every_running_reel_record(alice_avatar):
    from avatars.models import Reel
    from avatars.reels.services import reel_recover
    from avatars.reels.tasks import render_reel

    reel = _reel(alice_avatar, status=Reel.Status.RUNNING, updated_ago=1)
    record = running_record(reel.pk, started_ago=1, task=render_reel)

    assert reel_recover() == [reel.pk]

    record.refresh_from_db()
    assert record.status == TaskResultStatus.FAILED
