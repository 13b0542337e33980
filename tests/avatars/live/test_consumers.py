"""The progress websocket, driven through the real ASGI application."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from avatars.models import Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.turn_run import turn_run
from avatars.services.turns import turn_request_edit
from pixme.asgi import application
from tests.conftest import tasks_on, upload

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ORIGIN = (b"origin", b"http://localhost")

# How long a test waits for the socket to answer: channels' communicator waits 1 s by
# default, which a handshake or a first message can overrun on a busy machine (seen at a load
# of 6). Nothing here is a timing assertion: a wait that expires fails the test all the same.
WAIT = 30


class Communicator(WebsocketCommunicator):
    """channels' WebsocketCommunicator, waiting ``WAIT`` seconds unless told otherwise."""

    async def connect(self, timeout=WAIT):
        return await super().connect(timeout)

    async def receive_from(self, timeout=WAIT):
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout=WAIT):
        return await super().receive_json_from(timeout)

    async def disconnect(self, code=1000, timeout=WAIT):
        return await super().disconnect(code, timeout)


@pytest.fixture
def no_workers(settings):
    """Jobs stay queued until the test runs them, so it can watch them from the start."""
    settings.TASKS = tasks_on("django_tasks.backends.dummy.DummyBackend")


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@sync_to_async
def make_avatar(user, selfie_jpeg, style="comics"):
    return avatar_create(
        owner=user, upload=upload(selfie_jpeg), style=Style.objects.get(slug=style)
    )


HOST = (b"host", b"localhost")


def socket(avatar_id, *headers):
    """A handshake as a browser on http://localhost sends it: Host always, plus ``headers``."""
    return Communicator(application, f"/ws/avatars/{avatar_id}/", headers=[HOST, *headers])


async def receive_until(comm, final_types=("done", "failed"), timeout=30):
    events = []
    while True:
        event = await comm.receive_json_from(timeout=timeout)
        events.append(event)
        if event["type"] in final_types:
            return events


async def test_anonymous_sockets_are_refused(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    connected, _ = await socket(avatar.pk, ORIGIN).connect()
    assert not connected


async def test_another_users_socket_is_refused(alice, bob, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    cookie = await sync_to_async(session_cookie)(bob)
    connected, _ = await socket(avatar.pk, ORIGIN, cookie).connect()
    assert not connected


async def test_a_suspended_users_socket_is_refused_after_she_signs_in_again(
    alice, selfie_jpeg, no_workers
):
    from avatars.moderation.services import user_suspend
    from tests.moderation_people import moderator_create

    avatar = await make_avatar(alice, selfie_jpeg)
    mona = await database_sync_to_async(moderator_create)()
    await database_sync_to_async(user_suspend)(user=alice, moderator=mona, reason="Spam")
    cookie = await sync_to_async(session_cookie)(alice)  # a new session: the old ones ended
    connected, _ = await socket(avatar.pk, ORIGIN, cookie).connect()
    assert not connected


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",  # a foreign host
        b"http://localhost:9999",  # this host, another port: another origin
        b"https://localhost",  # another scheme
        b"http://localhost.evil.example",
        b"null",
        None,  # no Origin at all
    ],
)
async def test_an_origin_other_than_the_sites_own_is_refused(
    alice, selfie_jpeg, no_workers, origin
):
    avatar = await make_avatar(alice, selfie_jpeg)
    cookie = await sync_to_async(session_cookie)(alice)
    headers = [cookie] + ([(b"origin", origin)] if origin is not None else [])
    connected, _ = await socket(avatar.pk, *headers).connect()
    assert not connected


async def test_the_sites_own_origin_with_its_port_is_accepted(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    cookie = await sync_to_async(session_cookie)(alice)
    comm = Communicator(
        application,
        f"/ws/avatars/{avatar.pk}/",
        headers=[(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000"), cookie],
    )
    connected, _ = await comm.connect()
    assert connected
    await comm.disconnect()


async def test_a_trusted_origin_is_accepted(alice, selfie_jpeg, no_workers, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.pixme.example"]
    avatar = await make_avatar(alice, selfie_jpeg)
    cookie = await sync_to_async(session_cookie)(alice)
    comm = socket(avatar.pk, (b"origin", b"https://app.pixme.example"), cookie)
    connected, _ = await comm.connect()
    assert connected
    await comm.disconnect()
    refused, _ = await socket(avatar.pk, (b"origin", b"http://app.pixme.example"), cookie).connect()
    assert not refused


async def test_behind_a_tls_proxy_the_https_origin_is_the_sites_own(
    alice, selfie_jpeg, no_workers, settings
):
    """uvicorn runs with --no-proxy-headers, so the handshake's scheme is the proxy's plain
    hop: the proxy's X-Forwarded-Proto decides, as it does for pages (PIXME_HTTPS)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    avatar = await make_avatar(alice, selfie_jpeg)
    cookie = await sync_to_async(session_cookie)(alice)
    https = (b"origin", b"https://localhost")
    comm = socket(avatar.pk, https, (b"x-forwarded-proto", b"https"), cookie)
    connected, _ = await comm.connect()
    assert connected
    await comm.disconnect()
    for proto in (b"http", None):
        forwarded = [(b"x-forwarded-proto", proto)] if proto else []
        refused, _ = await socket(avatar.pk, https, *forwarded, cookie).connect()
        assert not refused


async def test_snapshot_first_then_progress_in_order_then_done(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    turn = await database_sync_to_async(lambda: avatar.turns.get())()
    cookie = await sync_to_async(session_cookie)(alice)
    comm = socket(avatar.pk, ORIGIN, cookie)
    connected, _ = await comm.connect()
    assert connected
    snapshot = await comm.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert [t["status"] for t in snapshot["turns"]] == ["queued"]

    await database_sync_to_async(turn_run)(turn_id=turn.pk)
    events = await receive_until(comm)
    await comm.disconnect()

    progress = [e for e in events if e["type"] == "progress"]
    assert events[-1]["type"] == "done"
    assert events[-1]["image"].endswith("image.png")
    percents = [e["percent"] for e in progress]
    assert percents == sorted(percents)
    stages = list(dict.fromkeys(e["stage"] for e in progress))
    for stage in ("decode", "detect", "stylise", "encode"):
        assert stage in stages, stages
    assert stages.index("decode") < stages.index("stylise") < stages.index("encode")


async def test_a_late_join_gets_the_finished_state(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    turn = await database_sync_to_async(lambda: avatar.turns.get())()
    await database_sync_to_async(turn_run)(turn_id=turn.pk)
    cookie = await sync_to_async(session_cookie)(alice)
    comm = socket(avatar.pk, ORIGIN, cookie)
    assert (await comm.connect())[0]
    snapshot = await comm.receive_json_from()
    (state,) = snapshot["turns"]
    assert state["status"] == "succeeded" and state["percent"] == 100
    assert state["image"] and state["thumbnail"]
    assert snapshot["current"] == turn.pk
    await comm.disconnect()


async def test_a_failing_render_ends_in_failed_with_the_message(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    first = await database_sync_to_async(lambda: avatar.turns.get())()
    await database_sync_to_async(turn_run)(turn_id=first.pk)
    await database_sync_to_async(avatar.refresh_from_db)()
    # The parser takes "undo"; the drawing finds nothing earlier to go back to.
    edit = await database_sync_to_async(turn_request_edit)(avatar=avatar, instruction="undo")
    cookie = await sync_to_async(session_cookie)(alice)
    comm = socket(avatar.pk, ORIGIN, cookie)
    assert (await comm.connect())[0]
    await comm.receive_json_from()
    await database_sync_to_async(turn_run)(turn_id=edit.pk)
    events = await receive_until(comm)
    await comm.disconnect()
    failed = events[-1]
    assert failed["type"] == "failed" and failed["turn"] == edit.pk
    assert "nothing earlier to undo" in failed["message"]
    assert failed["retryable"] is False  # the same request would fail the same way
    edit = await database_sync_to_async(Turn.objects.get)(pk=edit.pk)
    assert edit.status == Turn.Status.FAILED
    await database_sync_to_async(avatar.refresh_from_db)()
    assert avatar.current_turn_id == first.pk  # the earlier version is untouched


async def open_socket(user, avatar) -> WebsocketCommunicator:
    """Alice's socket on her avatar, past its first snapshot."""
    cookie = await sync_to_async(session_cookie)(user)
    comm = socket(avatar.pk, ORIGIN, cookie)
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["type"] == "snapshot"
    return comm


async def closed_with(comm: WebsocketCommunicator) -> int:
    """The close code the server sent next. An exception in the consumer is raised here."""
    message = await comm.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    assert message.get("reason"), "a close says why in words"
    return message["code"]


@pytest.mark.parametrize(
    "frame",
    [
        "[]",
        "[1, 2, 3]",
        "3",
        '"snapshot"',
        "null",
        "true",
        "not json at all",
        '{"type": "snapshot"',  # cut short
        '{"type": "delete"}',  # an object, but nothing the socket answers
        '{"kind": "snapshot"}',
        " ",
    ],
)
async def test_a_frame_that_is_not_a_snapshot_request_closes_with_4400(
    alice, selfie_jpeg, no_workers, frame
):
    comm = await open_socket(alice, await make_avatar(alice, selfie_jpeg))
    await comm.send_to(text_data=frame)
    assert await closed_with(comm) == 4400


async def test_a_binary_frame_closes_with_1003(alice, selfie_jpeg, no_workers):
    comm = await open_socket(alice, await make_avatar(alice, selfie_jpeg))
    await comm.send_to(bytes_data=b'{"type": "snapshot"}')
    assert await closed_with(comm) == 1003


@pytest.mark.parametrize("size", [4097, 8 * 1024 * 1024])
async def test_a_frame_over_4_kb_closes_with_1009(alice, selfie_jpeg, no_workers, size):
    comm = await open_socket(alice, await make_avatar(alice, selfie_jpeg))
    start = '{"type": "snapshot", "pad": "'
    await comm.send_to(text_data=start + "x" * (size - len(start) - 2) + '"}')
    assert await closed_with(comm) == 1009


async def test_a_frame_over_4_kb_in_utf8_closes_with_1009(alice, selfie_jpeg, no_workers):
    comm = await open_socket(alice, await make_avatar(alice, selfie_jpeg))
    # 1,500 characters, 4,500 bytes: the limit is on what the network carries.
    await comm.send_to(text_data='{"type": "snapshot", "pad": "' + "€" * 1500 + '"}')
    assert await closed_with(comm) == 1009


async def test_a_snapshot_request_of_exactly_4_kb_is_answered(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    comm = await open_socket(alice, avatar)
    start = '{"type": "snapshot", "pad": "'
    await comm.send_to(text_data=start + "x" * (4096 - len(start) - 2) + '"}')
    snapshot = await comm.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["avatar"] == avatar.pk
    await comm.disconnect()


async def test_a_flood_of_snapshot_requests_closes_with_4429(alice, selfie_jpeg, no_workers):
    avatar = await make_avatar(alice, selfie_jpeg)
    comm = await open_socket(alice, avatar)
    for _ in range(5):  # the allowance in 10 s is answered
        await comm.send_json_to({"type": "snapshot"})
        assert (await comm.receive_json_from())["avatar"] == avatar.pk
    for _ in range(50):
        await comm.send_json_to({"type": "snapshot"})
    assert await closed_with(comm) == 4429
    # Nothing more was read or sent for the rest of the flood.
    assert await comm.receive_nothing(timeout=0.5)
