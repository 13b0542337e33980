"""Shared fixtures: real face photos that ship inside installed packages."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from PIL import Image
from skimage import data

from avatars.live.events import group_name

pytest_plugins = ["tests.fakes.fixtures"]

# Tests that start real servers or a browser (several processes each), by group: under
# pytest-xdist's ``--dist loadgroup`` (scripts/test) one worker runs a group's tests one after
# another, while the other workers take the other groups and the rest.
GROUPS = {"e2e": "e2e", "scaleout": "scaleout", "slow": "live"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Group the tests that start processes: the browser tests (a package-scoped Chromium and
    module-scoped sites, made once rather than once per worker), the scale-out cluster (its
    session-scoped services likewise) and the other live-server tests. Within a group no two
    run at once; the largest groups start first, one per worker.

    xdist groups a test by the ``@group`` suffix its ``xdist_group`` mark adds to the node id.
    Its 3.8.0 writes that suffix where pytest 9.2 no longer reads it (node ids are structured
    now: pytest-dev/pytest-xdist#1386), so the suffix is set here, as xdist would."""
    if not config.getoption("loadgroup", default=False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        group = next((GROUPS[m] for m in GROUPS if item.get_closest_marker(m)), None)
        if group and "@" not in item.nodeid.rpartition("]")[2]:
            item._id = NodeId.parse(f"{item.nodeid}@{group}")


@pytest.fixture(scope="session")
def astronaut_512() -> Image.Image:
    """Eileen Collins' portrait (public domain), 512×512, shipped with scikit-image."""
    return Image.fromarray(data.astronaut()).convert("RGB")


@pytest.fixture(scope="session")
def face_photo(astronaut_512) -> Image.Image:
    """A 1024×1024 real face photo (fresh copy each use is the caller's job: don't mutate)."""
    return astronaut_512.resize((1024, 1024), Image.Resampling.LANCZOS)


@pytest.fixture(scope="session")
def hopper() -> Image.Image:
    """Grace Hopper's portrait (public domain), 512×600, shipped with matplotlib."""
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        return im.convert("RGB")


@pytest.fixture(scope="session")
def face_analysis(face_photo):
    from avatars.faces import analyse

    return analyse(face_photo)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The API's throttle counts live in the caches: every test starts with none."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


# --- people -------------------------------------------------------------------------------
# Alice owns things, Bob is another user, Charlie is an outsider who must get 404s.


def _make_user(username: str):
    from accounts.services import user_create

    return user_create(username=username, password=f"{username}-Secret-123", email="")


@pytest.fixture
def alice(db):
    return _make_user("alice")


@pytest.fixture
def bob(db):
    return _make_user("bob")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(db, bob):
    from django.test import Client

    c = Client()
    c.force_login(bob)
    return c


def api_token(user, *, name: str = "tests", used: bool = False) -> str:
    """The secret of a new named API token of ``user``'s, made by the site's token service.
    ``used``: as if just used — a token's use is written at most once a minute, so requests
    in other threads can't then collide on that write in the tests' in-memory database."""
    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_token_create

    token, secret = api_token_create(user=user, name=name)
    if used:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return secret


def token_client(user, **token):
    """An API client signed in as ``user`` with a new named API token."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user, **token)}")
    return client


def tasks_on(backend: str) -> dict:
    """A TASKS setting with another backend, over the site's queues (renders, background)."""
    from django.conf import settings

    return {"default": {"BACKEND": backend, "QUEUES": settings.TASKS["default"]["QUEUES"]}}


@pytest.fixture
def alice_api(alice):
    """An API client of Alice's whose token writes nothing when used for a minute, so requests
    in other threads can't collide on it in the tests' in-memory database."""
    return token_client(alice, used=True)


def in_background(work) -> tuple:
    """Start ``work`` in a thread of its own, on its own database connection (closed when it
    ends): returns the thread and the list its result will be appended to."""
    import threading

    from django.db import connection

    results: list = []

    def run() -> None:
        try:
            results.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run the jobs queued inside the block when it ends, as a committed transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- files --------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    import io

    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


@pytest.fixture(scope="session")
def selfie_jpeg(face_photo) -> bytes:
    return encode(face_photo, "JPEG", quality=90)


def upload(data: bytes, name: str = "selfie.jpg", content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def own_media(settings, tmp_path):
    """A local media storage of this test's own (the session's is shared by every test)."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


def draw_avatar(owner, selfie: bytes, run_jobs, style: str = "comics"):
    """A finished avatar of ``owner``'s in ``style`` from ``selfie``, drawn by the real studio
    engine — once per test process and world, then copied (tests.drawn)."""
    import hashlib

    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.drawn import drawn

    def make():
        with run_jobs():
            return avatar_create(
                owner=owner, upload=upload(selfie), style=Style.objects.get(slug=style)
            )

    return drawn(owner, f"{style} from {hashlib.sha256(selfie).hexdigest()}", make)


def draw_edit(avatar, instruction: str, run_jobs, parent=None):
    """``avatar`` with a new version: ``instruction`` drawn on ``parent`` (None: the current
    version) by the real studio engine — once per test process and world, then copied."""
    from avatars.services.turns import turn_request_edit
    from tests.drawn import drawn

    def make():
        with run_jobs():
            turn_request_edit(avatar=avatar, instruction=instruction, parent=parent)
        return avatar

    where = f"on {parent.number}.{parent.variant}" if parent is not None else "on the current"
    return drawn(avatar.owner, f"edit {instruction!r} {where}", make, avatar=avatar)


@pytest.fixture
def alice_avatar(alice, selfie_jpeg, run_jobs):
    """A finished Comics avatar of Alice's, drawn by the real studio engine (once per test
    process and world, then copied: tests.drawn)."""
    return draw_avatar(alice, selfie_jpeg, run_jobs)


class Listener:
    """Subscribes a channel to an avatar's group and collects the events published to it."""

    def __init__(self, avatar_id: int):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group_name(avatar_id), self.channel)

    def drain(self) -> list[dict]:
        events = []
        while True:
            try:
                message = async_to_sync(self._receive)()
            except TimeoutError:
                return events
            events.append(message["event"])

    async def _receive(self):
        import asyncio

        return await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.2)
