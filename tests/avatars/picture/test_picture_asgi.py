"""The picture URL as uvicorn serves it: the site's ASGI application answers ``/avatar/…``
before Django's stack (no session, no CSRF, no middleware), with the same answer as the
Django view, counted per client address by the site's one rule; everything else goes on to
Django."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from tests.picture_people import ALICE, confirm, md5, published

# Committed rows, read by the answer's worker thread on its own connection (the styles the
# migration seeds restored after each test).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def asgi(path: str, *, method: str = "GET", client=("203.0.113.5", 50000), **headers) -> dict:
    """One request to the site's ASGI application: status, headers (lower-case), body."""
    from pixme.asgi import application

    parts = urlsplit(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            *((k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()),
        ],
        "client": client,
        "server": ("testserver", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await communicator.receive_output(timeout=30)
        body = b""
        while True:
            message = await communicator.receive_output(timeout=30)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(timeout=5)
        return {
            "status": start["status"],
            "headers": {k.decode().lower(): v.decode() for k, v in start["headers"]},
            "names": [k for k, _ in start["headers"]],
            "body": body,
        }

    return async_to_sync(run)()


@pytest.fixture
def shown(alice, alice_avatar):
    confirm(alice, ALICE)
    published(alice, alice_avatar)
    return alice_avatar


def test_it_answers_as_the_django_view_does_without_djangos_stack(shown, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    path = f"/avatar/{md5(ALICE)}?s=64"
    fast = asgi(path, accept="image/webp")
    django = Client().get(path, HTTP_ACCEPT="image/webp")

    assert fast["status"] == 200
    assert fast["body"] == django.content
    for header in ("content-type", "etag", "cache-control", "vary"):
        assert fast["headers"][header] == django[header], header
    assert fast["headers"]["content-length"] == str(len(fast["body"]))
    # None of the middleware ran: no cookie, no page policy, no frame rule.
    for header in ("set-cookie", "content-security-policy", "x-frame-options"):
        assert header not in fast["headers"]


def test_its_header_names_are_lower_case_as_asgi_asks(shown, settings):
    # ASGI's HTTP spec: "Header names must be lowercased"; a server or middleware looking up
    # b"etag" in the response (as the benchmark does) finds nothing otherwise.
    settings.ALLOWED_HOSTS = ["testserver"]
    answers = [asgi(f"/avatar/{md5(ALICE)}"), asgi(f"/avatar/{'0' * 32}?d=404")]
    answers.append(asgi(f"/avatar/{md5(ALICE)}", if_none_match=answers[0]["headers"]["etag"]))

    assert [a["status"] for a in answers] == [200, 404, 304]
    for answer in answers:
        assert answer["names"] == [name.lower() for name in answer["names"]]
    assert b"etag" in answers[0]["names"]


def test_it_answers_304_and_head(shown, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    first = asgi(f"/avatar/{md5(ALICE)}")
    again = asgi(f"/avatar/{md5(ALICE)}", if_none_match=first["headers"]["etag"])
    head = asgi(f"/avatar/{md5(ALICE)}", method="HEAD")

    assert (again["status"], again["body"]) == (304, b"")
    assert (head["status"], head["body"]) == (200, b"")
    assert head["headers"]["content-length"] == str(len(first["body"]))


def test_it_counts_each_client_behind_the_proxy_apart(db, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PIXME_PICTURE_RATE = "2/min"
    settings.PIXME_TRUSTED_PROXIES = 1
    proxy = ("127.0.0.1", 40000)
    one = [
        asgi(f"/avatar/{'0' * 32}", client=proxy, x_forwarded_for="198.51.100.1")["status"]
        for _ in range(3)
    ]
    other = asgi(f"/avatar/{'0' * 32}", client=proxy, x_forwarded_for="198.51.100.2")

    assert one == [200, 200, 429]
    assert other["status"] == 200


def test_it_refuses_a_host_the_site_does_not_serve(db, settings):
    settings.ALLOWED_HOSTS = ["pixme.example"]
    assert asgi(f"/avatar/{'0' * 32}")["status"] == 400


def test_everything_else_goes_on_to_django(db, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    assert asgi("/healthz")["status"] == 200
    post = asgi(f"/avatar/{'0' * 32}", method="POST")
    assert post["status"] == 403  # Django's CSRF check: its stack answered
    assert "content-security-policy" in post["headers"]
