"""A confirmed e-mail address: a signed link sent on sign-up, when the address changes and
when asked again; opened, it confirms that address for that account, and nothing else."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail, signing
from django.core.signing import TimestampSigner
from django.utils import timezone

from accounts.confirmation import SALT, email_confirmation_token
from accounts.models import User
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/accounts/email/confirm/(\S+)/")


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0)


def path_of(link: str) -> str:
    return link[link.index("/accounts/") :]


def sign_up(client, username="ada", email="Ada@Example.com"):
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "password1": "Sekret-Phrase-2026",
            "password2": "Sekret-Phrase-2026",
        },
    )


def test_signing_up_with_an_address_sends_the_link_and_opening_it_confirms_it(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(client).status_code == 302
    (message,) = mail.outbox
    assert message.to == ["Ada@example.com"]  # Django lower-cases the domain
    assert message.subject == "Confirm your e-mail address for Pix Me!"
    user = User.objects.get(username="ada")
    assert user.email_confirmed == ""

    response = client.get(path_of(link_in(message)))

    assert response.status_code == 200
    assert b"Address confirmed" in response.content
    user.refresh_from_db()
    assert user.email_confirmed == "ada@example.com"
    assert user.email_confirmed_at is not None
    assert client.get(path_of(link_in(message))).status_code == 200  # twice: still fine


def test_signing_up_without_an_address_sends_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, email="")
    assert mail.outbox == []


def test_an_altered_link_confirms_nothing(alice, client):
    alice.email = "alice@example.com"
    alice.save()
    token = email_confirmation_token(user=alice)

    response = client.get(f"/accounts/email/confirm/{token[:-2]}xx/")

    assert response.status_code == 400
    assert b"isn&#x27;t right" in response.content
    alice.refresh_from_db()
    assert alice.email_confirmed == ""


def test_a_link_for_an_address_the_account_no_longer_has_confirms_nothing(alice, client):
    alice.email = "old@example.com"
    alice.save()
    token = email_confirmation_token(user=alice)
    alice.email = "new@example.com"
    alice.save()

    response = client.get(f"/accounts/email/confirm/{token}/")

    assert response.status_code == 400
    assert b"no longer has" in response.content
    alice.refresh_from_db()
    assert alice.email_confirmed == ""


def test_an_expired_link_confirms_nothing(alice, client, settings):
    alice.email = "alice@example.com"
    alice.save()

    class SignedLongAgo(TimestampSigner):
        def timestamp(self):
            days = settings.PIXME_EMAIL_CONFIRM_DAYS
            return signing.b62_encode(int(time.time()) - days * 86400 - 60)

    token = SignedLongAgo(salt=SALT).sign_object({"u": alice.pk, "e": "alice@example.com"})

    response = client.get(f"/accounts/email/confirm/{token}/")

    assert response.status_code == 400
    assert b"expired" in response.content
    alice.refresh_from_db()
    assert alice.email_confirmed == ""


def test_a_link_confirms_the_account_it_was_sent_for_whoever_opens_it(alice, bob_client):
    alice.email = "alice@example.com"
    alice.save()
    token = email_confirmation_token(user=alice)

    assert bob_client.get(f"/accounts/email/confirm/{token}/").status_code == 200

    alice.refresh_from_db()
    assert alice.email_confirmed == "alice@example.com"
    bob = User.objects.get(username="bob")
    assert bob.email_confirmed == ""


def test_changing_the_address_unconfirms_it_and_sends_a_link_to_the_new_one(
    alice_client, alice, django_capture_on_commit_callbacks
):
    alice.email, alice.email_confirmed = "alice@example.com", "alice@example.com"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            "/accounts/profile/email/",
            {"action": "change", "email": "alice@new.example", "password": "alice-Secret-123"},
        )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert alice.email_confirmed == "alice@example.com"  # the old one: not this address
    (message,) = mail.outbox
    assert message.to == ["alice@new.example"]
    page = alice_client.get("/accounts/profile/")
    assert b"not confirmed yet" in page.content

    alice_client.get(path_of(link_in(message)))

    alice.refresh_from_db()
    assert alice.email_confirmed == "alice@new.example"


def test_the_address_is_not_changed_without_the_right_password(alice_client, alice):
    alice.email = "alice@example.com"
    alice.save()
    response = alice_client.post(
        "/accounts/profile/email/",
        {"action": "change", "email": "mallory@example.com", "password": "wrong"},
        follow=True,
    )
    assert b"password isn&#x27;t right" in response.content
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert mail.outbox == []


def test_confirming_an_address_takes_it_from_another_account_of_the_same_holder(alice, bob):
    for user in (alice, bob):
        user.email = "shared@example.com"
        user.save()
    from accounts.confirmation import email_confirm

    email_confirm(token=email_confirmation_token(user=alice))
    email_confirm(token=email_confirmation_token(user=bob))

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.email_confirmed, bob.email_confirmed) == ("", "shared@example.com")


# --- the API ------------------------------------------------------------------------------


def test_the_api_sends_the_link_again(alice, django_capture_on_commit_callbacks):
    alice.email = "alice@example.com"
    alice.save()
    api = token_client(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/account/email/confirm/")
    assert response.status_code == 202
    assert response.json() == {
        "email": "alice@example.com",
        "email_verified": False,
        "confirmed_at": None,
    }
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]


def test_the_api_sends_nothing_for_a_confirmed_address(alice, django_capture_on_commit_callbacks):
    alice.email, alice.email_confirmed = "alice@example.com", "alice@example.com"
    alice.email_confirmed_at = timezone.now()
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(alice).post("/api/account/email/confirm/")
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert mail.outbox == []


def test_the_api_refuses_to_send_without_an_address(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(alice).post("/api/account/email/confirm/")
    assert response.status_code == 400
    assert response.json()["code"] == "no_email"
    assert mail.outbox == []


def test_asking_again_and_again_is_limited(alice, settings, django_capture_on_commit_callbacks):
    settings.PIXME_EMAIL_CONFIRM_RATE = "2/hour"
    alice.email = "alice@example.com"
    alice.save()
    api = token_client(alice)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [api.post("/api/account/email/confirm/").status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert len(mail.outbox) == 2


def test_the_api_changes_the_address_with_the_password(alice, django_capture_on_commit_callbacks):
    api = token_client(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(
            "/api/account/email/",
            {"email": "ada@example.com", "password": "alice-Secret-123"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"
    assert response.json()["email_verified"] is False
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_the_api_refuses_a_change_with_a_wrong_password(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(alice).put(
            "/api/account/email/", {"email": "x@example.com", "password": "nope"}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    alice.refresh_from_db()
    assert alice.email == ""
    assert mail.outbox == []


def test_the_embedded_default_writes_the_message_to_the_servers_log(alice, settings, capsys):
    """Without EMAIL_HOST the site's own settings choose the console backend, which writes
    the whole message, link included, to the server's output."""
    from accounts.confirmation import email_confirmation_send
    from pixme import settings as site_settings

    assert site_settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    settings.EMAIL_BACKEND = site_settings.EMAIL_BACKEND
    alice.email = "alice@example.com"
    alice.save()

    assert email_confirmation_send(user_id=alice.pk)

    out = capsys.readouterr().out
    assert "To: alice@example.com" in out
    assert LINK.search(out)
