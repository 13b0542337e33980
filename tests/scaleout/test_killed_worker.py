"""A worker killed with SIGKILL mid-render: ``pixme_recover`` (README's timer) puts the job
back, the other worker finishes it, exactly one version results, its files are in the bucket
and none on local disk, and the dead job's record says FAILED rather than RUNNING for ever."""

import time

import pytest

from tests.scaleout.cluster import create_avatar
from tests.scaleout.test_progress_across_processes import wait_until

pytestmark = pytest.mark.scaleout

RESULTS = "django_tasks_database_dbtaskresult"
# The render's job records (its after-work's are another task's, queued after "done").
RENDERS = f"{RESULTS} where task_path = 'avatars.services.turn_run.render_turn' and"


def job_over(running, turn: int) -> bool:
    """The turn's jobs have ended: the render's, and after "done" (or a failure) whatever
    else it queued — the after-work that measures the likeness and stores the WebP."""
    rows = running.postgres.query(
        f"select status from {RESULTS} where args_kwargs->'args'->>0 = %s", str(turn)
    )
    return bool(rows) and all(status not in ("READY", "RUNNING") for (status,) in rows)


def test_a_job_on_a_killed_worker_finishes_on_the_other(running, people, photo, gemini_server):
    (alice,) = people(1)
    gemini_server.script("timeout", sleep=120)  # the first Gemini call hangs
    avatar = create_avatar(running.webs["web-b"], alice["token"], photo, engine="gemini")
    turn = avatar["turns"][0]["turn"]
    assert wait_until(lambda: running.turn_status(turn) == "running", 30), running.logs()
    assert wait_until(lambda: gemini_server.requests, 30)  # in the engine's call, hanging

    ((worker_ids,),) = running.postgres.query(
        f"select worker_ids from {RENDERS} args_kwargs->'args'->>0 = %s", str(turn)
    )
    victim = running.workers[worker_ids[0]]
    running.kill(victim)
    killed_at = time.monotonic()
    time.sleep(1.1)  # the stale-after below: the turn has not reported since the kill
    assert running.turn_status(turn) == "running"  # the dead worker left it mid-flight

    out = running.manage("pixme_recover", "--stale-after", "1")
    assert f"re-queued 1 turn(s): [{turn}]" in out
    assert wait_until(lambda: running.turn_status(turn) == "succeeded", 60), running.logs()
    waited = time.monotonic() - killed_at
    assert wait_until(lambda: job_over(running, turn), 30)
    print(f"\nkilled worker's job finished by the other worker {waited:.1f} s after the kill")

    rows = running.postgres.query(
        "select id, status, image, thumbnail from avatars_turn where avatar_id = %s",
        avatar["id"],
    )
    assert [(r[0], r[1]) for r in rows] == [(turn, "succeeded")]  # exactly one version
    _id, _status, image, thumbnail = rows[0]
    assert {image, thumbnail} <= set(running.s3.keys())
    assert running.local_media_files() == []

    records = running.postgres.query(
        f"select status, worker_ids, exception_class_path from {RENDERS} "
        "args_kwargs->'args'->>0 = %s order by enqueued_at",
        str(turn),
    )
    assert [r[0] for r in records] == ["FAILED", "SUCCESSFUL"], records
    assert records[0][2] == "jobs.task_records.WorkerLost"
    assert records[1][1] != [victim.name]  # finished by the other worker
    assert len(gemini_server.requests) == 2  # the hung call and the one that finished


def test_recovery_leaves_a_live_workers_job_alone(running, people, photo, gemini_server):
    (alice,) = people(1)
    gemini_server.script("timeout", sleep=4)  # slow, but its worker is alive
    avatar = create_avatar(running.webs["web-a"], alice["token"], photo, engine="gemini")
    turn = avatar["turns"][0]["turn"]
    assert wait_until(lambda: gemini_server.requests, 30)

    assert "re-queued nothing" in running.manage("pixme_recover", "--stale-after", "60")
    assert wait_until(lambda: running.turn_status(turn) in ("succeeded", "failed"), 60)
    assert wait_until(lambda: job_over(running, turn), 30)
    statuses = running.postgres.query(
        f"select status from {RENDERS} args_kwargs->'args'->>0 = %s", str(turn)
    )
    assert statuses == [("SUCCESSFUL",)]
