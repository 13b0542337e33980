"""Fixtures of the scale-out suite: the services, two web processes and two workers on them
(made once for tests/scaleout and stopped when it is done, not left running through the tests
after it), people with API tokens and sessions, a small real face photo."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.scaleout.cluster import Cluster
from tests.scaleout.services import S3, Postgres, Redis

PEOPLE = """
import json
from django.test import Client
from accounts.services import api_token_create, user_create
out = {}
for name in NAMES:
    user = user_create(username=name, password=name + "-Secret-123", email="")
    client = Client()
    client.force_login(user)
    out[name] = {
        "token": api_token_create(user=user, name="tests")[1],
        "session": client.cookies["sessionid"].value,
    }
print(json.dumps(out))
"""


def _started(service):
    try:
        return service.start()
    except Exception:
        service.stop()
        raise


@pytest.fixture(scope="package")
def postgres():
    service = _started(Postgres())
    yield service
    service.stop()


@pytest.fixture(scope="package")
def redis():
    service = _started(Redis())
    yield service
    service.stop()


@pytest.fixture(scope="package")
def s3():
    service = _started(S3())
    yield service
    service.stop()


@pytest.fixture(scope="package")
def cluster(postgres, redis, s3, _gemini_server_session):
    """README's scale-out: migrate, then web A and B, render workers 1 and 2, and the
    background worker (a version's after-work, webhook deliveries)."""
    cluster = Cluster(postgres, redis, s3, _gemini_server_session.url)
    try:
        cluster.manage("migrate", "--noinput", "-v", "0")
        cluster.start_worker("worker-1")
        cluster.start_worker("worker-2")
        cluster.start_worker("background", queues="background")
        cluster.start_web("web-a")
        cluster.start_web("web-b")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def running(cluster, gemini_server):
    """The cluster with both workers alive (a test may have killed one), its fake Gemini
    server cleared."""
    for name, worker in list(cluster.workers.items()):
        if not worker.alive:
            cluster.start_worker(name, cluster.queues[name])
    yield cluster
    assert all(w.alive for w in cluster.webs.values()), cluster.logs()


@pytest.fixture
def people(cluster, request):
    """``people(n)``: n new users, each with an API token and a logged-in session."""
    counter = iter(range(10_000))

    def make(n: int, prefix: str = "") -> list[dict]:
        stem = prefix or request.node.name.replace("test_", "")[:20]
        names = [f"{stem}-{next(counter)}" for _ in range(n)]
        out = json.loads(cluster.shell(PEOPLE.replace("NAMES", repr(names))))
        return [{"name": name, **out[name]} for name in names]

    return make


@pytest.fixture(scope="session")
def photo(face_photo) -> bytes:
    """A real face photo as the JPEG a phone would send, small so jobs are quick."""
    buf = io.BytesIO()
    face_photo.resize((512, 512), Image.Resampling.LANCZOS).save(buf, "JPEG", quality=90)
    return buf.getvalue()
