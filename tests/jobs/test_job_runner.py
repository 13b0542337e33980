"""The embedded default's job runners: child processes of the web server, woken on enqueue —
one draws, the other does what nobody waits on (after-work, webhook deliveries).

The poll is set to 60 s here, so a job that starts within seconds was woken, not polled.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from skimage import data

from tests.liveserver import LiveSite, wait_for

pytestmark = pytest.mark.slow

MAKE_TOKEN = """
from accounts.services import api_token_create, user_create
user = user_create(username="runner", password="Runner-Test-123")
print(api_token_create(user=user, name="tests")[1])
"""


def children_of(pid: int) -> list[int]:
    """The job runner children of ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) != pid:
            continue
        cmdline = (entry / "cmdline").read_bytes()
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return found


def runners_of(pid: int) -> dict[str, int]:
    """The server's runner children by lane, told apart by their niceness (settings'
    defaults: the job runner 10 above the server, the background runner 15)."""
    by_nice = {niceness(child) - niceness(pid): child for child in children_of(pid)}
    assert sorted(by_nice) == [10, 15], by_nice
    return {"jobs": by_nice[10], "background": by_nice[15]}


def hold_still(pid: int, database: Path) -> None:
    """SIGSTOP a runner at a moment it holds no write lock on the site's SQLite database
    (stopped mid-write, it would lock out every other process): a runner caught holding one
    goes on for a moment and is stopped again."""
    deadline = time.monotonic() + 30
    while True:
        os.kill(pid, signal.SIGSTOP)
        try:
            # Stopped for certain before the probe: a signal is not a stop yet.
            assert wait_for(lambda: state(pid) == "T", timeout=10), state(pid)
            with sqlite3.connect(database, timeout=0.5) as db:
                db.execute("BEGIN IMMEDIATE")
                db.rollback()
            db.close()
            return
        except sqlite3.OperationalError:
            os.kill(pid, signal.SIGCONT)
            assert time.monotonic() < deadline, "the runner never let go of the database"
            time.sleep(0.05)
        except BaseException:
            os.kill(pid, signal.SIGCONT)
            raise


def state(pid: int) -> str:
    """The process's state letter in /proc (R running, S sleeping, T stopped, Z gone)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def photo(side: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((side, side)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path, PIXME_WORKER_POLL_SECONDS="60")
    site.migrate()
    site.token = site.shell(MAKE_TOKEN)
    site.start()
    yield site
    site.stop(grace=2)


def create(site, style: str = "comics", side: int = 1024) -> int:
    response = requests.post(
        site.url + "/api/avatars/",
        headers={"Authorization": f"Token {site.token}"},
        data={"style": style},
        files={"photo": ("selfie.jpg", photo(side), "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()["turns"][0]["turn"]


def status(site, turn_id: int) -> str:
    return site.query("select status from avatars_turn where id = ?", turn_id)[0][0]


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_jobs_run_in_a_child_process_woken_when_queued(site):
    # Pages first, then drawing, then the rest: each gives way to the one before it when the
    # cores are busy (runners_of checks the niceness).
    runners = runners_of(site.process.pid)
    turn_id = create(site)
    # Woken, not polled: the poll is a minute away.
    assert wait_for(lambda: status(site, turn_id) == "succeeded", timeout=20), status(site, turn_id)
    # The face was found by the job, and the likeness measured just after "done" — by the
    # background runner, woken too (its poll is as far away; the bound is for a busy machine).
    assert wait_for(lambda: site.query("select likeness from avatars_turn")[0][0], timeout=45)
    ran = dict(site.query("select task_path, worker_ids from django_tasks_database_dbtaskresult"))
    # Neither ran in the web server's process.
    assert json.loads(ran["avatars.services.turn_run.render_turn"]) == [
        f"embedded-{runners['jobs']}"
    ]
    assert json.loads(ran["avatars.services.after_work.after_work"]) == [
        f"embedded-{runners['background']}"
    ]
    ((faces,),) = site.query("select faces from avatars_turn")
    assert json.loads(faces)["faces"]
    ((source_faces,),) = site.query("select source_faces from avatars_avatar")
    assert len(json.loads(source_faces)["embedding"]) == 128


def test_a_killed_runner_is_restarted_and_finishes_the_job(site):
    runners = runners_of(site.process.pid)
    turn_id = create(site, style="neon", side=2048)
    assert wait_for(lambda: status(site, turn_id) == "running", timeout=20)
    os.kill(runners["jobs"], signal.SIGKILL)
    # The server notices, starts a new runner, which recovers the turn and draws it.
    assert wait_for(lambda: status(site, turn_id) == "succeeded", timeout=60, step=0.1), status(
        site, turn_id
    )
    again = runners_of(site.process.pid)
    assert again["jobs"] != runners["jobs"]
    assert again["background"] == runners["background"], "the other lane went on"
    assert site.query("select count(*) from avatars_turn")[0][0] == 1
    # The web server itself never stopped answering.
    assert requests.get(site.url + "/healthz", timeout=5).status_code == 200


def test_stopping_the_server_stops_its_runner(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        runners = children_of(site.process.pid)
    finally:
        site.stop()
    assert len(runners) == 2
    for runner in runners:
        assert wait_for(lambda r=runner: not Path(f"/proc/{r}").exists(), timeout=15)


def test_a_killed_server_takes_its_runner_with_it(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        runners = children_of(site.process.pid)
    finally:
        site.kill()
    assert len(runners) == 2
    # Their pipes close: the orphaned runners leave rather than do jobs a restart recovers.
    for runner in runners:
        assert wait_for(lambda r=runner: gone(r), timeout=15), "a runner outlived its server"


def gone(pid: int) -> bool:
    try:
        return state(pid) == "Z"
    except OSError:
        return True


def test_a_render_never_waits_for_the_after_work_of_the_one_before(site):
    """Renders and after-work run on runners of their own: with the background runner held
    still, a render queued after another is drawn all the same, while the first one's
    likeness waits ("being measured", not "no face found") and is measured when it goes on."""
    background = runners_of(site.process.pid)["background"]
    hold_still(background, site.database)
    try:
        first = create(site)
        assert wait_for(lambda: status(site, first) == "succeeded", timeout=20)
        second = create(site)
        assert wait_for(lambda: status(site, second) == "succeeded", timeout=20), status(
            site, second
        )
        pending = site.query("select after_work, likeness from avatars_turn order by id")
        assert pending == [("queued", None), ("queued", None)]
        ((avatar_id,),) = site.query("select avatar_id from avatars_turn where id = ?", first)
        answer = requests.get(
            f"{site.url}/api/avatars/{avatar_id}/",
            headers={"Authorization": f"Token {site.token}"},
            timeout=10,
        )
        (turn,) = answer.json()["turns"]
        assert turn["status"] == "succeeded" and turn["likeness_pending"] is True
    finally:
        os.kill(background, signal.SIGCONT)
    assert wait_for(
        lambda: site.query("select count(*) from avatars_turn where after_work = ''")[0][0] == 2,
        timeout=20,
    )
    assert all(likeness for (likeness,) in site.query("select likeness from avatars_turn"))
