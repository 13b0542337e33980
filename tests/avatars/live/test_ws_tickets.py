"""``POST /api/avatars/<id>/ws-ticket/``: a token client follows progress on the websocket,
with no cookie and no Origin, through a short-lived single-use ticket."""

import asyncio
from urllib.parse import urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from accounts.services import api_token_create
from avatars.live import tickets as ws_tickets
from avatars.models import Avatar
from avatars.services.turn_run import turn_run
from pixme.asgi import application
from tests.avatars.live.test_consumers import Communicator, receive_until, session_cookie
from tests.conftest import tasks_on, upload

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def no_workers(settings):
    """Jobs stay queued until the test runs them, so it can watch them from the start."""
    settings.TASKS = tasks_on("django_tasks.backends.dummy.DummyBackend")


def token_client(user) -> APIClient:
    client = APIClient()
    _, secret = api_token_create(user=user, name="script")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@sync_to_async
def api_create(user, selfie_jpeg) -> tuple[APIClient, int]:
    api = token_client(user)
    response = api.post("/api/avatars/", {"photo": upload(selfie_jpeg), "style": "comics"})
    assert response.status_code == 202, response.content
    return api, response.json()["id"]


@sync_to_async
def ticket_for(api: APIClient, avatar_id: int, **extra):
    return api.post(f"/api/avatars/{avatar_id}/ws-ticket/", **extra)


def socket_at(url: str, *headers) -> WebsocketCommunicator:
    """The handshake a program sends: the URL's Host, no cookie, no Origin (unless given)."""
    parts = urlsplit(url)
    return Communicator(
        application,
        f"{parts.path}?{parts.query}",
        headers=[(b"host", parts.netloc.encode()), *headers],
    )


async def test_a_token_client_follows_its_avatar_to_done_and_downloads_it(
    alice, selfie_jpeg, no_workers
):
    api, avatar_id = await api_create(alice, selfie_jpeg)
    response = await ticket_for(api, avatar_id)
    assert response.status_code == 200
    data = response.json()
    assert data["url"] == f"ws://testserver/ws/avatars/{avatar_id}/?ticket={data['ticket']}"
    assert data["expires_in"] == ws_tickets.TICKET_SECONDS

    comm = socket_at(data["url"])
    connected, _ = await comm.connect()
    assert connected
    snapshot = await comm.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["avatar"] == avatar_id
    ((turn_id, status),) = [(t["turn"], t["status"]) for t in snapshot["turns"]]
    assert status == "queued"

    await database_sync_to_async(turn_run)(turn_id=turn_id)
    events = await receive_until(comm)
    await comm.disconnect()
    assert events[-1]["type"] == "done" and events[-1]["turn"] == turn_id
    assert {"progress", "done"} <= {e["type"] for e in events}

    @sync_to_async
    def download() -> bytes:
        (turn,) = api.get(f"/api/avatars/{avatar_id}/").json()["turns"]
        response = api.get(turn["image"])
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    assert (await download()).startswith(b"\x89PNG")


async def test_a_ticket_opens_one_socket_once(alice, selfie_jpeg, no_workers):
    api, avatar_id = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, avatar_id)).json()["url"]
    first = socket_at(url)
    assert (await first.connect())[0]
    await first.disconnect()
    assert not (await socket_at(url).connect())[0]


async def test_an_expired_ticket_is_refused(alice, selfie_jpeg, no_workers, monkeypatch):
    monkeypatch.setattr(ws_tickets, "TICKET_SECONDS", 1)
    api, avatar_id = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, avatar_id)).json()["url"]
    await asyncio.sleep(1.2)
    assert not (await socket_at(url).connect())[0]


async def test_a_made_up_ticket_is_refused_even_with_the_owners_cookie(
    alice, selfie_jpeg, no_workers
):
    _, avatar_id = await api_create(alice, selfie_jpeg)
    cookie = await sync_to_async(session_cookie)(alice)
    url = f"ws://localhost/ws/avatars/{avatar_id}/?ticket=made-up"
    comm = socket_at(url, cookie, (b"origin", b"http://localhost"))
    assert not (await comm.connect())[0], "with a ticket, the cookie counts for nothing"


async def test_a_ticket_for_one_avatar_does_not_open_another(alice, selfie_jpeg, no_workers):
    api, first = await api_create(alice, selfie_jpeg)
    _, second = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, first)).json()["url"]
    assert not (await socket_at(url.replace(f"/{first}/", f"/{second}/")).connect())[0]
    assert not (await socket_at(url).connect())[0], "and the ticket is spent"


async def test_it_checks_ownership(alice, bob, selfie_jpeg, no_workers):
    _, avatar_id = await api_create(alice, selfie_jpeg)
    bob_api = await sync_to_async(token_client)(bob)
    response = await ticket_for(bob_api, avatar_id)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert "ticket" not in response.json()


async def test_it_needs_a_token(alice, selfie_jpeg, no_workers):
    _, avatar_id = await api_create(alice, selfie_jpeg)
    response = await ticket_for(APIClient(), avatar_id)
    assert response.status_code == 401


async def test_it_refuses_get(alice, selfie_jpeg, no_workers):
    api, avatar_id = await api_create(alice, selfie_jpeg)
    response = await sync_to_async(api.get)(f"/api/avatars/{avatar_id}/ws-ticket/")
    assert response.status_code == 405


async def test_over_https_the_url_is_wss(alice, selfie_jpeg, no_workers):
    api, avatar_id = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, avatar_id, secure=True)).json()["url"]
    assert url.startswith(f"wss://testserver/ws/avatars/{avatar_id}/?ticket=")


async def test_a_browser_page_elsewhere_may_use_a_ticket(alice, selfie_jpeg, no_workers):
    # The ticket is the only credential (the cookie is ignored), so any Origin may bring one.
    api, avatar_id = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, avatar_id)).json()["url"]
    comm = socket_at(url, (b"origin", b"https://someones-app.example"))
    assert (await comm.connect())[0]
    await comm.disconnect()


async def test_a_deleted_avatar_closes_to_its_ticket(alice, selfie_jpeg, no_workers):
    api, avatar_id = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, avatar_id)).json()["url"]
    await database_sync_to_async(Avatar.objects.filter(pk=avatar_id).delete)()
    assert not (await socket_at(url).connect())[0]


async def test_a_ticket_issued_before_a_suspension_does_not_open(alice, selfie_jpeg, no_workers):
    from avatars.moderation.services import user_suspend
    from pixme.errors import ApplicationError
    from tests.moderation_people import moderator_create

    api, avatar_id = await api_create(alice, selfie_jpeg)
    url = (await ticket_for(api, avatar_id)).json()["url"]
    mona = await database_sync_to_async(moderator_create)()
    await database_sync_to_async(user_suspend)(user=alice, moderator=mona, reason="Spam")
    assert not (await socket_at(url).connect())[0]
    # And none is issued now, whoever asks for one.
    avatar = await database_sync_to_async(Avatar.objects.get)(pk=avatar_id)
    with pytest.raises(ApplicationError, match="suspended"):
        await database_sync_to_async(ws_tickets.ws_ticket_issue)(avatar=avatar)
