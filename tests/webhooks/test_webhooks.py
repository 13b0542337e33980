"""Webhooks: a developer registers a URL; every finished version of their avatars is POSTed to
it, signed, retried after a failure, each delivery visible over the API and on the profile."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from avatars.models import Turn
from avatars.services.turns import turn_cancel, turn_request_edit
from tests.conftest import tasks_on
from webhooks.models import Delivery, Webhook
from webhooks.services import delivery_attempt, delivery_create_for_turn, webhook_create
from webhooks.views import webhook_profile_context

pytestmark = pytest.mark.django_db

NOT_RUN = tasks_on("django_tasks.backends.dummy.DummyBackend")
DB_TASKS = tasks_on("django_tasks_db.DatabaseBackend")


class Receiver:
    """A local HTTP server that records each request and answers with the next status."""

    def __init__(self, tls: tuple[str, str] | None = None):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://10.0.0.1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/pixme?src=test"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.server.server_port}/hooks/pixme"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver(settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def make_certificate(directory, host: str) -> tuple[str, str, str]:
    """A CA of our own and a certificate for ``host`` it signed: (ca, cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def build(subject, issuer, key, signer, *extensions):
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, (x509.BasicConstraints(True, None), True))
    cert = build(
        host, "Test CA", key, ca_key, (x509.SubjectAlternativeName([x509.DNSName(host)]), False)
    )
    paths = [str(directory / name) for name in ("ca.pem", "cert.pem", "key.pem")]
    for path_, data in zip(
        paths,
        [
            ca.public_bytes(serialization.Encoding.PEM),
            cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        ],
        strict=True,
    ):
        with open(path_, "wb") as f:
            f.write(data)
    return paths[0], paths[1], paths[2]


@pytest.fixture
def tls_receiver(settings, tmp_path):
    """An HTTPS receiver at https://localhost:<port>, its certificate signed by our own CA."""
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    ca, cert, key = make_certificate(tmp_path, "localhost")
    receiver = Receiver(tls=(cert, key))
    receiver.ca = ca
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def no_private(settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = False


@pytest.fixture
def hook(alice, receiver):
    return webhook_create(owner=alice, url=receiver.url)


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def bob_api(bob):
    client = APIClient()
    client.force_authenticate(bob)
    return client


def edit(avatar, run_jobs, instruction: str = "add round glasses") -> Turn:
    with run_jobs():
        turn = turn_request_edit(avatar=avatar, instruction=instruction)
    turn.refresh_from_db()
    return turn


# --- delivery ----------------------------------------------------------------------------


def test_a_done_version_is_posted_signed_over_the_raw_body(alice_avatar, hook, receiver, run_jobs):
    turn = edit(alice_avatar, run_jobs)
    assert turn.status == Turn.Status.SUCCEEDED

    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    expected = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Pixme-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Pixme-Event"] == "turn.succeeded"
    assert request["path"] == "/hooks/pixme?src=test"
    delivery = Delivery.objects.get()
    assert headers["X-Pixme-Delivery"] == str(delivery.pk)
    assert body == delivery.payload.encode()

    payload = json.loads(body)
    assert payload["event"] == "turn.succeeded"
    sent = payload["turn"]
    assert (sent["id"], sent["avatar"], sent["number"]) == (turn.pk, alice_avatar.pk, 2)
    assert sent["status"] == "succeeded" and sent["likeness"] == turn.likeness
    assert sent["image"] == (
        f"http://localhost:8000/api/avatars/{alice_avatar.pk}/turns/{turn.pk}/image.png"
    )
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_failed_version_is_posted_with_its_error(alice_avatar, hook, receiver, run_jobs):
    turn = edit(alice_avatar, run_jobs, "undo")  # nothing earlier: it fails while drawing
    assert turn.status == Turn.Status.FAILED
    (payload,) = receiver.bodies()
    assert payload["event"] == "turn.failed"
    assert payload["turn"]["error_message"] == turn.error_message
    assert payload["turn"]["image"] == ""
    assert Delivery.objects.get().event == "turn.failed"


def test_a_cancelled_version_is_posted(alice_avatar, hook, receiver, run_jobs):
    with override_settings(TASKS=NOT_RUN):
        turn = edit(alice_avatar, run_jobs)  # stays queued
    with run_jobs():
        turn_cancel(turn=turn)
    (payload,) = receiver.bodies()
    assert (payload["event"], payload["turn"]["status"]) == ("turn.cancelled", "cancelled")
    assert Delivery.objects.get().status == "delivered"


def test_only_the_owners_webhooks_hear_of_a_version(alice_avatar, bob, receiver, run_jobs):
    webhook_create(owner=bob, url=receiver.url)
    edit(alice_avatar, run_jobs)
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_it_retries_after_a_500(alice_avatar, hook, receiver, run_jobs):
    receiver.answers = [500, 200]
    edit(alice_avatar, run_jobs)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    wait = delivery.next_attempt_at - delivery.last_attempt_at  # counted from the answer
    assert timedelta(minutes=1) <= wait < timedelta(minutes=1, seconds=15)

    # What the task scheduled for a minute later (the tests' immediate backend cannot wait).
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=2)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["X-Pixme-Signature"] == second["headers"]["X-Pixme-Signature"]
    assert delivery_attempt(delivery_id=delivery.pk, attempt=2) is None  # made once only
    assert len(receiver.requests) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_retry_is_a_task_that_waits_its_turn(alice_avatar, receiver, settings):
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    webhook_create(owner=alice_avatar.owner, url=receiver.url)
    receiver.answers = [500, 200]
    settings.TASKS = DB_TASKS

    def work():
        Worker(
            queue_names=[settings.PIXME_BACKGROUND_QUEUE],  # a delivery is background work
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test",
            excluded_queue_names=[],
        ).run()

    delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    work()  # the first attempt: 500; the second is queued for a minute later
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.status) == (1, "pending")
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["args"] == [delivery.pk, 2]
    assert retry.run_after == delivery.next_attempt_at
    assert retry.queue_name == settings.PIXME_BACKGROUND_QUEUE  # never before a render
    assert retry.priority < 0  # a worker of both queues draws a waiting render first

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # a minute on
    work()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)


def test_it_gives_up_a_day_after_the_first_attempt(alice_avatar, hook, receiver):
    receiver.answers = [503, 503]
    (delivery,) = delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    first = timezone.now() - timedelta(hours=23)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=6, first_attempt_at=first)

    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=7)
    assert delivery.status == "pending"
    assert delivery.next_attempt_at == first + timedelta(hours=24)  # the last try, not +12 h

    Delivery.objects.filter(pk=delivery.pk).update(first_attempt_at=first - timedelta(hours=2))
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=8)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert delivery.last_error == "Answered 503."


def test_a_delivery_whose_runner_died_mid_attempt_is_recovered(alice_avatar, hook, receiver):
    from django.core.management import call_command

    with override_settings(TASKS=NOT_RUN):
        (dead, fresh) = [
            delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")[0]
            for _ in range(2)
        ]
    # The first was claimed for its first attempt ten minutes ago by a runner that then died.
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    Delivery.objects.filter(pk=dead.pk).update(
        attempts=1, first_attempt_at=ten_minutes_ago, last_attempt_at=ten_minutes_ago
    )
    call_command("pixme_recover", stdout=io.StringIO())
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert (dead.status, dead.attempts) == ("delivered", 2)
    assert (fresh.status, fresh.attempts) == ("pending", 0)  # its task is still queued
    assert len(receiver.requests) == 1


def test_it_does_not_follow_a_redirect(alice_avatar, hook, receiver):
    receiver.answers = [302]
    (delivery,) = delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=1)
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_url_that_turned_private_is_refused_at_delivery(alice_avatar, hook, receiver, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = False  # e.g. its DNS now answers 127.0.0.1
    (delivery,) = delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=1)
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)  # no retry helps
    assert "private" in delivery.last_error
    assert receiver.requests == []


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    alice_avatar, alice, tls_receiver, monkeypatch
):
    monkeypatch.setattr("webhooks.transport.certifi.where", lambda: tls_receiver.ca)
    webhook_create(owner=alice, url=tls_receiver.url)
    (delivery,) = delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=1)
    assert (delivery.status, delivery.last_status_code) == ("delivered", 200)
    (request,) = tls_receiver.requests
    assert request["headers"]["Host"] == f"localhost:{tls_receiver.server.server_port}"


def test_https_refuses_a_certificate_it_cannot_verify(alice_avatar, alice, tls_receiver):
    webhook_create(owner=alice, url=tls_receiver.url)
    (delivery,) = delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=1)
    assert (delivery.status, delivery.last_status_code) == ("pending", None)
    assert delivery.last_error.startswith("The TLS handshake failed")
    assert tls_receiver.requests == []


def test_no_answer_is_retried(alice_avatar, alice, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    webhook_create(owner=alice, url="http://127.0.0.1:9/nobody-listens")
    (delivery,) = delivery_create_for_turn(turn=alice_avatar.current_turn, status="succeeded")
    delivery = delivery_attempt(delivery_id=delivery.pk, attempt=1)
    assert (delivery.status, delivery.last_status_code) == ("pending", None)
    assert delivery.last_error.startswith("Could not connect")


# --- the API -----------------------------------------------------------------------------


def test_it_registers_a_webhook_and_shows_the_secret_once(api, alice, receiver):
    response = api.post("/api/webhooks/", {"url": receiver.url}, format="json")
    assert response.status_code == 201
    created = response.json()
    webhook = Webhook.objects.get(owner=alice)
    assert created["id"] == webhook.pk and created["url"] == receiver.url
    assert created["secret"] == webhook.secret and created["secret"].startswith("whsec_")

    listed = api.get("/api/webhooks/").json()
    assert [w["id"] for w in listed] == [webhook.pk]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(f"/api/webhooks/{webhook.pk}/").json()


def test_it_accepts_a_public_address(api, no_private):
    response = api.post("/api/webhooks/", {"url": "https://93.184.215.14/hook"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/hook", "https://"),
        ("http://127.0.0.1/hook", "private"),
        ("http://10.0.0.1/hook", "private"),
        ("http://localhost:8000/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "private"),
        ("http://[::1]/hook", "private"),
        ("http://[::ffff:192.168.0.1]/hook", "private"),
        ("http://224.0.0.1/hook", "private"),
        ("https://user:pass@93.184.215.14/hook", "password"),
        ("not a url", "https://"),
    ],
)
def test_it_refuses_a_url_it_must_not_call(api, alice, no_private, url, words):
    response = api.post("/api/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_url" and words in body["detail"]
    assert not Webhook.objects.exists()


def test_bad_input_is_a_400_in_the_error_shape(api):
    response = api.post("/api/webhooks/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "url: This field is required.",
        "code": "invalid",
        "errors": {"url": ["This field is required."]},
    }
    assert not Webhook.objects.exists()


def test_it_needs_credentials(db, hook):
    client = APIClient()
    assert client.get("/api/webhooks/").status_code == 401
    assert client.post("/api/webhooks/", {"url": hook.url}, format="json").status_code == 401
    assert client.delete(f"/api/webhooks/{hook.pk}/").status_code == 401
    assert client.get(f"/api/webhooks/{hook.pk}/deliveries/").status_code == 401
    assert Webhook.objects.count() == 1


def test_another_users_webhook_is_not_found(bob_api, hook):
    assert bob_api.get(f"/api/webhooks/{hook.pk}/").status_code == 404
    assert bob_api.get(f"/api/webhooks/{hook.pk}/deliveries/").status_code == 404
    response = bob_api.delete(f"/api/webhooks/{hook.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert bob_api.get("/api/webhooks/").json() == []
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_it_deletes_a_webhook(api, hook):
    assert api.delete(f"/api/webhooks/{hook.pk}/").status_code == 204
    assert not Webhook.objects.exists()


def test_it_lists_deliveries(api, alice_avatar, hook, receiver, run_jobs):
    receiver.answers = [500]
    turn = edit(alice_avatar, run_jobs)
    data = api.get(f"/api/webhooks/{hook.pk}/deliveries/").json()
    assert data["count"] == 1
    (delivery,) = data["results"]
    assert (delivery["event"], delivery["turn_id"], delivery["status"]) == (
        "turn.succeeded",
        turn.pk,
        "pending",
    )
    assert (delivery["attempts"], delivery["last_status_code"]) == (1, 500)
    assert delivery["next_attempt_at"] and delivery["delivered_at"] is None


# --- the profile page's section ----------------------------------------------------------


def test_the_profile_section_adds_shows_the_secret_once_and_deletes(
    alice_client, alice_avatar, receiver, run_jobs, rf
):
    from django.template.loader import render_to_string

    response = alice_client.post(
        "/accounts/profile/webhooks/", {"url": receiver.url, "description": "my bot"}
    )
    assert response.status_code == 302 and response["Location"].endswith("/profile/#webhooks")
    webhook = Webhook.objects.get()
    edit(alice_avatar, run_jobs)

    def section() -> str:
        request = rf.get("/accounts/profile/")
        request.user, request.session = alice_avatar.owner, alice_client.session
        html = render_to_string(
            "webhooks/_profile_section.html", webhook_profile_context(request), request=request
        )
        request.session.save()
        return html

    first = section()
    assert webhook.secret in first and receiver.url in first and "my bot" in first
    assert "turn.succeeded" in first and "Delivered" in first
    assert webhook.secret not in section()  # shown once

    response = alice_client.post(f"/accounts/profile/webhooks/{webhook.pk}/delete/")
    assert response.status_code == 302 and not Webhook.objects.exists()


def test_the_profile_section_refuses_a_private_url(alice_client, no_private):
    response = alice_client.post("/accounts/profile/webhooks/", {"url": "http://10.0.0.1/"})
    assert response.status_code == 302
    assert "private" in str(list(response.wsgi_request._messages)[0])
    assert not Webhook.objects.exists()


def test_the_profile_section_does_not_delete_another_users_webhook(bob_client, hook):
    response = bob_client.post(f"/accounts/profile/webhooks/{hook.pk}/delete/")
    assert response.status_code == 404
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_the_profile_page_has_the_webhooks_section(alice_client, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    response = alice_client.post("/accounts/profile/webhooks/", {"url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 302
    page = alice_client.get("/accounts/profile/").content.decode()
    assert 'id="webhooks"' in page and "http://127.0.0.1:9/hook" in page


def test_a_url_longer_than_a_webhook_holds_is_refused_on_the_page_too(alice_client, settings):
    """The API's serializer caps the URL; the profile page's form posts it straight to the
    service, which must cap it itself (PostgreSQL would refuse to store it: a 500)."""
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    url = "http://127.0.0.1:9/" + "a" * 2000
    response = alice_client.post("/accounts/profile/webhooks/", {"url": url})
    assert response.status_code == 302
    assert "longer than 2,000 characters" in str(list(response.wsgi_request._messages)[0])
    assert not Webhook.objects.exists()
