"""Sign up, log in and out, change and reset a password, edit the profile."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Profile, User
from accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def test_it_signs_up_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": "Lovelace-1815",
            "password2": "Lovelace-1815",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("avatars:new")
    user = User.objects.get(username="ada")
    assert Profile.objects.get(user=user).display_name == "ada"
    assert client.get(reverse("avatars:list")).status_code == 200


def test_signup_refuses_a_taken_username_and_writes_nothing(client, alice):
    response = client.post(
        reverse("signup"),
        {"username": "alice", "password1": "Whatever-123x", "password2": "Whatever-123x"},
    )
    assert response.status_code == 400
    assert b"already exists" in response.content or b"taken" in response.content
    assert User.objects.count() == 1


def test_signup_refuses_mismatched_passwords(client):
    response = client.post(
        reverse("signup"),
        {"username": "ada", "password1": "Lovelace-1815", "password2": "Lovelace-1816"},
    )
    assert response.status_code == 400
    assert User.objects.count() == 0


def sign_up(username, remote_addr="10.1.1.1", **headers):
    password = f"{username}-Secret-1815"
    return Client().post(
        reverse("signup"),
        {"username": username, "password1": password, "password2": password},
        REMOTE_ADDR=remote_addr,
        **headers,
    )


def test_sign_ups_are_limited_per_address(db, settings):
    settings.PIXME_SIGNUP_RATE = "2/hour"
    assert [sign_up(name).status_code for name in ("ada", "grace")] == [302, 302]
    refused = sign_up("mallory")
    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "Many accounts were made from your address just now" in page
    assert "Try again in 60 minutes." in page
    assert not User.objects.filter(username="mallory").exists()
    # A typo is not an account asked for: it costs nothing.
    assert sign_up("mallory", remote_addr="10.1.1.2").status_code == 302
    mismatch = Client().post(
        reverse("signup"),
        {"username": "x", "password1": "Lovelace-1815", "password2": "Lovelace-1816"},
        REMOTE_ADDR="10.1.1.2",
    )
    assert mismatch.status_code == 400
    assert sign_up("linus", remote_addr="10.1.1.2").status_code == 302


def test_the_sign_up_limit_is_not_fooled_by_x_forwarded_for(db, settings):
    settings.PIXME_SIGNUP_RATE = "2/hour"
    answers = [
        sign_up(f"sock{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(3)
    ]
    assert answers == [302, 302, 429]
    assert User.objects.count() == 2


def test_behind_a_named_proxy_each_client_has_its_own_sign_ups(db, settings):
    settings.PIXME_SIGNUP_RATE = "1/hour"
    settings.PIXME_TRUSTED_PROXIES = 1
    assert sign_up("ada", "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
    assert sign_up("grace", "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    spoofed = sign_up("mallory", "10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.9, 198.51.100.1")
    assert spoofed.status_code == 429


def test_off_lifts_the_sign_up_limit(db, settings):
    settings.PIXME_SIGNUP_RATE = None  # what env_rate makes of "off"
    assert {sign_up(f"user{i}").status_code for i in range(12)} == {302}


def test_it_logs_in_and_out(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-Secret-123"})
    assert response.status_code == 302
    assert client.get(reverse("avatars:list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("avatars:list")).status_code == 302


def test_login_rejects_a_wrong_password(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def _api_status(token_key: str) -> int:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client.get("/api/profile/").status_code


def test_it_changes_the_password(alice_client, alice):
    _, token = api_token_create(user=alice, name="laptop")
    assert _api_status(token) == 200
    response = alice_client.post(
        reverse("password_change"),
        {
            "old_password": "alice-Secret-123",
            "new_password1": "Brand-New-Pass-9",
            "new_password2": "Brand-New-Pass-9",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Brand-New-Pass-9")
    # Every API token ended with the old password, like the other sessions.
    assert _api_status(token) == 401
    assert not ApiToken.objects.filter(user=alice).exists()


def test_it_resets_a_forgotten_password_by_email(client, alice):
    _, token = api_token_create(user=alice, name="laptop")
    alice.email = "alice@example.com"
    alice.save()
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    form_path = response.redirect_chain[-1][0]
    response = client.post(
        form_path, {"new_password1": "Reset-Pass-777", "new_password2": "Reset-Pass-777"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Reset-Pass-777")
    assert _api_status(token) == 401


def test_saving_a_user_without_a_new_password_keeps_the_token(alice):
    _, token = api_token_create(user=alice, name="laptop")
    alice.email = "alice@example.com"
    alice.save()
    assert _api_status(token) == 200


def test_it_edits_the_profile(alice_client, alice):
    backstory = "I grew up by the sea. " * 900  # ~19,800 characters: long context is fine
    response = alice_client.post(
        reverse("profile"),
        {
            "display_name": "Alice A.",
            "backstory": backstory,
            "palette": "#ff3366, #22ccff",
            "traits": "always wears round glasses",
            "caption": "ALICE",
            "favourite_styles": [],
            "default_engine": "studio",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=alice)
    assert profile.display_name == "Alice A."
    assert profile.backstory == backstory.strip()  # forms trim the trailing space
    assert profile.palette_colours == ("#ff3366", "#22ccff")
    assert profile.caption == "ALICE"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("palette", "red, #12345", "Colours must look like #ff8800"),
        ("backstory", "x" * 20_001, "at most 20000 characters"),
        ("caption", "y" * 61, "at most 60 characters"),
    ],
)
def test_profile_refuses_bad_values_and_keeps_the_old_ones(
    alice_client, alice, field, value, message
):
    data = {"display_name": "Alice", "default_engine": "studio", field: value}
    response = alice_client.post(reverse("profile"), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("20,000", "20000")
    profile = Profile.objects.get(user=alice)
    assert getattr(profile, field) == ""


def test_profile_page_needs_login(client):
    assert client.get(reverse("profile")).status_code == 302


def test_a_user_creates_named_tokens_sees_each_secret_once_and_revokes_one(alice_client, alice):
    from rest_framework.test import APIClient

    page = alice_client.post(
        reverse("profile-api-token"), {"action": "create", "name": "laptop"}, follow=True
    )
    html = page.content.decode()
    (laptop,) = ApiToken.objects.filter(user=alice)
    secret = re.search(r'<code id="new-token">([0-9a-f]{40})</code>', html).group(1)
    assert 'data-copy="new-token"' in html and "js/tokens.js" in html
    assert secret not in alice_client.get(reverse("profile")).content.decode(), "shown once"
    alice_client.post(reverse("profile-api-token"), {"action": "create", "name": "CI"})

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/avatars/").status_code == 200
    html = alice_client.get(reverse("profile")).content.decode()
    assert "laptop" in html and "CI" in html and f"{laptop.prefix}…" in html
    assert laptop.digest not in html

    alice_client.post(reverse("profile-api-token"), {"action": "revoke", "token": laptop.pk})
    assert list(ApiToken.objects.filter(user=alice).values_list("name", flat=True)) == ["CI"]
    assert api.get("/api/avatars/").status_code == 401, "the revoked token stopped working"
    assert alice_client.get(reverse("profile-api-token")).status_code == 405


def test_a_token_needs_a_name_and_nothing_is_made_without_one(alice_client, alice):
    page = alice_client.post(
        reverse("profile-api-token"), {"action": "create", "name": "  "}, follow=True
    )
    assert "Give the token a name" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(alice, bob_client):
    token, _ = api_token_create(user=alice, name="laptop")
    response = bob_client.post(
        reverse("profile-api-token"), {"action": "revoke", "token": token.pk}
    )
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_api_token_page_needs_login(client):
    assert client.post(reverse("profile-api-token"), {"action": "create"}).status_code == 302
