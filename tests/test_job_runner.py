"""The embedded default's job runner: a child process of the web server, woken on enqueue.

The poll is set to 60 s here, so a job that starts within seconds was woken, not polled.
"""

from __future__ import annotations

import io
import json
import os
import signal
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from skimage import data

from tests.liveserver import LiveSite
from tests.test_restart import wait_for

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


def photo(side: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((side, side)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path, PIXME_WORKER_POLL_SECONDS="60")
    site.migrate()
    site.token = site.manage("shell", "-c", MAKE_TOKEN).strip().splitlines()[-1]
    site.start()
    yield site
    site.stop()


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
    (runner,) = children_of(site.process.pid)
    # Pages first: the runner gives way to the web server when the cores are busy.
    assert niceness(runner) == niceness(site.process.pid) + 10
    turn_id = create(site)
    # Woken, not polled: the poll is a minute away.
    assert wait_for(lambda: status(site, turn_id) == "succeeded", timeout=20), status(site, turn_id)
    ((worker_ids,),) = site.query("select worker_ids from django_tasks_database_dbtaskresult")
    assert json.loads(worker_ids) == [f"embedded-{runner}"]  # not the web server's process
    # The face was found by the job, and the likeness measured just after "done".
    assert wait_for(lambda: site.query("select likeness from avatars_turn")[0][0], timeout=10)
    ((faces,),) = site.query("select faces from avatars_turn")
    assert json.loads(faces)["faces"]
    ((source_faces,),) = site.query("select source_faces from avatars_avatar")
    assert len(json.loads(source_faces)["embedding"]) == 128


def test_a_killed_runner_is_restarted_and_finishes_the_job(site):
    (runner,) = children_of(site.process.pid)
    turn_id = create(site, style="neon", side=2048)
    assert wait_for(lambda: status(site, turn_id) == "running", timeout=20)
    os.kill(runner, signal.SIGKILL)
    # The server notices, starts a new runner, which recovers the turn and draws it.
    assert wait_for(lambda: status(site, turn_id) == "succeeded", timeout=60, step=0.1), status(
        site, turn_id
    )
    (new_runner,) = children_of(site.process.pid)
    assert new_runner != runner
    assert site.query("select count(*) from avatars_turn")[0][0] == 1
    # The web server itself never stopped answering.
    assert requests.get(site.url + "/healthz", timeout=5).status_code == 200


def test_stopping_the_server_stops_its_runner(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        (runner,) = children_of(site.process.pid)
    finally:
        site.stop()
    assert wait_for(lambda: not Path(f"/proc/{runner}").exists(), timeout=15)


def test_a_killed_server_takes_its_runner_with_it(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        (runner,) = children_of(site.process.pid)
    finally:
        site.kill()
    # Its pipe closes: the orphaned runner leaves rather than draw jobs a restart recovers.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{runner}/stat").read_text()
        except OSError:
            break
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail("the runner outlived its server")
