"""A websocket on web process A sees the whole progress of a job asked for through web
process B and run by a worker process: the news crosses processes through Redis."""

import json

import pytest
from websockets.sync.client import connect

from tests.liveserver import wait_for
from tests.scaleout.cluster import create_avatar, request

pytestmark = pytest.mark.scaleout


def wait_until(predicate, timeout: float, step: float = 0.1):
    return wait_for(predicate, timeout, step)


def test_a_socket_on_one_web_process_sees_a_job_asked_for_on_the_other(running, people, photo):
    (alice,) = people(1)
    web_a, web_b = running.webs["web-a"], running.webs["web-b"]
    avatar = create_avatar(web_b, alice["token"], photo)
    first = avatar["turns"][0]["turn"]
    assert wait_until(lambda: running.turn_status(first) == "succeeded", 60), running.logs()

    socket = connect(
        f"ws://127.0.0.1:{web_a.port}/ws/avatars/{avatar['id']}/",
        origin=web_a.url,
        additional_headers={"Cookie": f"sessionid={alice['session']}"},
        open_timeout=10,
    )
    with socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "snapshot"
        status, _h, body = request(
            "POST",
            f"{web_b.url}/api/avatars/{avatar['id']}/edits/",
            token=alice["token"],
            data=json.dumps({"instruction": "add round glasses"}).encode(),
            content_type="application/json",
        )
        assert status == 202, body
        edit = json.loads(body)["turn"]
        events = []
        while not events or events[-1]["type"] not in ("done", "failed"):
            event = json.loads(socket.recv(timeout=60))
            if event.get("turn") == edit:
                events.append(event)

    assert events[-1]["type"] == "done", events
    progress = [e for e in events if e["type"] == "progress"]
    percents = [e["percent"] for e in progress]
    assert percents == sorted(percents) and len(percents) >= 3, percents
    assert progress[0]["stage"] == "queued"  # from its first report ...
    assert events[-1]["image"].endswith(f"/v/{edit}/image.png")  # ... to its last
    (worker,) = running.postgres.query(
        "select worker_ids from django_tasks_database_dbtaskresult "
        "where task_path = 'avatars.services.turn_run.render_turn' "
        "and args_kwargs->'args'->>0 = %s",
        str(edit),
    )[0]
    assert worker[0] in ("worker-1", "worker-2")
