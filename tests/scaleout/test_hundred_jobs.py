"""100 jobs submitted at once by 10 users, through both web processes, run by both render
workers (their after-work by the background worker): every one finishes, exactly once —
counted in the database and in the bucket."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.scaleout.cluster import create_avatar
from tests.scaleout.test_progress_across_processes import wait_until

pytestmark = pytest.mark.scaleout


def test_a_hundred_jobs_from_ten_users_all_finish_once(running, people, photo):
    users = people(10)
    webs = [running.webs["web-a"], running.webs["web-b"]]
    jobs = [(users[i % 10], webs[i % 2]) for i in range(100)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        avatars = list(
            pool.map(
                lambda job: create_avatar(job[1], job[0]["token"], photo, style="pixel-art"), jobs
            )
        )
    turn_ids = [a["turns"][0]["turn"] for a in avatars]
    owners = tuple(u["name"] for u in users)

    def finished() -> bool:
        # Done, with the likeness measured and the WebP kept (its after-work, a job of its
        # own after "done"), and both jobs over.
        ((n,),) = running.postgres.query(
            "select count(*) from avatars_turn where id = any(%s) and status = 'succeeded' "
            "and webp <> '' and after_work = ''",
            turn_ids,
        )
        ((ended,),) = running.postgres.query(
            "select count(*) from django_tasks_database_dbtaskresult "
            "where args_kwargs->'args'->>0 = any(%s) and status not in ('READY', 'RUNNING')",
            [str(t) for t in turn_ids],
        )
        return n == 100 and ended == 200

    assert wait_until(finished, 600, step=0.5), running.logs()
    elapsed = time.monotonic() - started
    print(f"\n100 studio jobs, 2 workers: {elapsed:.1f} s ({100 / elapsed * 60:.0f} jobs/min)")

    rows = running.postgres.query(
        "select t.id, t.image, t.thumbnail, t.webp from avatars_turn t "
        "join avatars_avatar a on a.id = t.avatar_id join accounts_user u on u.id = a.owner_id "
        "where u.username = any(%s)",
        list(owners),
    )
    assert sorted(r[0] for r in rows) == sorted(turn_ids)  # one version per job, no more
    keys = set(running.s3.keys())
    files = [name for _id, *names in rows for name in names]
    assert len(set(files)) == 300 and set(files) <= keys  # PNG, WebP, thumbnail each
    # Each job ran once: one task record each (the render, its after-work), successful,
    # none re-run; renders by the render workers, after-work by the background one.
    for task, workers in (
        ("avatars.services.turn_run.render_turn", {"worker-1", "worker-2"}),
        ("avatars.services.after_work.after_work", {"background"}),
    ):
        records = running.postgres.query(
            "select args_kwargs->'args'->>0, status, worker_ids "
            "from django_tasks_database_dbtaskresult "
            "where args_kwargs->'args'->>0 = any(%s) and task_path = %s",
            [str(t) for t in turn_ids],
            task,
        )
        assert sorted(int(t) for t, _s, _w in records) == sorted(turn_ids), task
        assert {s for _t, s, _w in records} == {"SUCCESSFUL"}, task
        assert {w for _t, _s, ids in records for w in ids} == workers, task
    assert running.local_media_files() == []
