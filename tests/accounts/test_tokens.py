"""Named API tokens: ``/api/tokens/`` (list, create, revoke), ``POST /api/token/`` with a
password, and DRF's old tokens, hashed into named ones by a migration."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def client_with(secret: str | None = None) -> APIClient:
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def alice_api(alice):
    _, secret = api_token_create(user=alice, name="laptop")
    return client_with(secret)


def test_it_creates_a_named_token_and_shows_the_secret_once(alice, alice_api):
    response = alice_api.post("/api/tokens/", {"name": "CI"}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["name"] == "CI" and len(data["token"]) == 40
    assert data["prefix"] == data["token"][:8]
    assert set(data) == {"id", "name", "prefix", "created", "expiry", "last_used_at", "token"}
    stored = ApiToken.objects.get(pk=data["id"])
    assert data["token"] not in (stored.digest, stored.token_key), "only its hash is kept"
    assert client_with(data["token"]).get("/api/avatars/").status_code == 200

    listed = alice_api.get("/api/tokens/").json()
    assert [t["name"] for t in listed] == ["CI", "laptop"]
    assert all("token" not in t and "digest" not in t for t in listed)
    assert data["token"] not in alice_api.get("/api/tokens/").content.decode()


def test_using_a_token_notes_when_at_most_once_a_minute(alice):
    token, secret = api_token_create(user=alice, name="laptop")
    assert token.last_used_at is None
    api = client_with(secret)
    api.get("/api/avatars/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=10)
    api.get("/api/avatars/")
    token.refresh_from_db()
    assert token.last_used_at == first, "no write on every request"

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/avatars/")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=1)
    (listed,) = api.get("/api/tokens/").json()
    assert listed["last_used_at"] is not None


def test_a_revoked_token_stops_working(alice, alice_api):
    token, secret = api_token_create(user=alice, name="CI")
    assert alice_api.delete(f"/api/tokens/{token.pk}/").status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    response = client_with(secret).get("/api/avatars/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"}
    assert alice_api.delete(f"/api/tokens/{token.pk}/").status_code == 404


def test_a_token_expires_after_the_ttl(alice, settings):
    token, secret = api_token_create(user=alice, name="laptop")
    assert abs(token.expiry - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert client_with(secret).get("/api/avatars/").status_code == 401
    _, other = api_token_create(user=alice, name="CI")
    assert [t["name"] for t in client_with(other).get("/api/tokens/").json()] == ["CI"]


def test_the_ttl_is_a_setting_and_zero_is_never(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=7)}
    token, _ = api_token_create(user=alice, name="week")
    assert token.expiry - timezone.now() < timedelta(days=7, minutes=1)
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": None}
    token, _ = api_token_create(user=alice, name="forever")
    assert token.expiry is None


def test_it_checks_ownership(alice, bob):
    alices, _ = api_token_create(user=alice, name="laptop")
    _, bobs_secret = api_token_create(user=bob, name="phone")
    bob_api = client_with(bobs_secret)
    response = bob_api.delete(f"/api/tokens/{alices.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ApiToken.objects.filter(pk=alices.pk).exists()
    assert [t["name"] for t in bob_api.get("/api/tokens/").json()] == ["phone"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/tokens/"), ("post", "/api/tokens/"), ("delete", "/api/tokens/1/")],
)
def test_it_needs_credentials(db, method, path):
    response = getattr(client_with(), method)(path, {"name": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not ApiToken.objects.exists()


def test_a_wrong_token_is_401(db):
    response = client_with("0" * 40).get("/api/tokens/")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 65}, "name")],
)
def test_bad_input_is_400_in_the_error_shape_and_makes_nothing(alice, alice_api, body, field):
    response = alice_api.post("/api/tokens/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and data["detail"].startswith(f"{field}: ")
    assert field in data["errors"]
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_a_user_has_at_most_the_limit(alice, alice_api, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    assert alice_api.post("/api/tokens/", {"name": "CI"}, format="json").status_code == 201
    response = alice_api.post("/api/tokens/", {"name": "phone"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "token_limit"
    assert ApiToken.objects.filter(user=alice).count() == 2


def test_a_password_log_in_at_the_limit_replaces_its_least_used_namesake(alice, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    login = {"username": "alice", "password": "alice-Secret-123"}
    first = client_with().post("/api/token/", login, format="json").json()
    second = client_with().post("/api/token/", login, format="json").json()
    client_with(second["token"]).get("/api/tokens/")  # the second one is in use
    third = client_with().post("/api/token/", login, format="json")
    assert third.status_code == 200
    assert client_with(first["token"]).get("/api/tokens/").status_code == 401
    for data in (second, third.json()):
        assert client_with(data["token"]).get("/api/tokens/").status_code == 200


def test_a_password_exchange_makes_a_new_named_token_each_time(alice):
    login = {"username": "alice", "password": "alice-Secret-123"}
    first = client_with().post("/api/token/", login, format="json")
    assert first.status_code == 200
    assert first.json()["name"] == "password login" and len(first.json()["token"]) == 40
    second = client_with().post("/api/token/", {**login, "name": "build box"}, format="json")
    assert second.json()["name"] == "build box"
    for data in (first.json(), second.json()):
        assert client_with(data["token"]).get("/api/profile/").status_code == 200
    names = {t["name"] for t in client_with(first.json()["token"]).get("/api/tokens/").json()}
    assert names == {"password login", "build box"}


def test_a_new_password_revokes_every_token(alice):
    _, laptop = api_token_create(user=alice, name="laptop")
    _, ci = api_token_create(user=alice, name="CI")
    alice.set_password("Brand-New-Pass-9")
    alice.save()
    assert not ApiToken.objects.filter(user=alice).exists()
    for secret in (laptop, ci):
        assert client_with(secret).get("/api/avatars/").status_code == 401


def test_a_session_manages_tokens_too(alice, alice_client):
    token, _ = api_token_create(user=alice, name="laptop")
    assert alice_client.get("/api/tokens/").json()[0]["id"] == token.pk


def test_the_migration_hashes_old_tokens_and_the_same_secret_keeps_working(alice):
    old = Token.objects.create(user=alice)
    created = old.created - timedelta(days=30)
    Token.objects.filter(pk=old.pk).update(created=created)
    migration = importlib.import_module("accounts.migrations.0005_hash_drf_tokens")
    migration.hash_drf_tokens(apps, None)

    assert not Token.objects.exists(), "no plaintext left"
    migrated = ApiToken.objects.get(user=alice)
    assert (migrated.name, migrated.created) == ("migrated", created)
    assert old.key not in (migrated.digest, migrated.token_key)
    api = client_with(old.key)
    (listed,) = api.get("/api/tokens/").json()
    assert listed["name"] == "migrated" and listed["last_used_at"] is not None
    assert api.delete(f"/api/tokens/{migrated.pk}/").status_code == 204
    assert api.get("/api/tokens/").status_code == 401


def test_a_plaintext_drf_token_row_no_longer_signs_in(alice):
    # Migration 0005 hashed every DRF token into a named one; a plaintext row written since
    # (nothing in the site writes one) opens nothing: only the site's hashed tokens do.
    key = Token.objects.create(user=alice).key
    assert client_with(key).get("/api/avatars/").status_code == 401


def test_the_admin_lists_and_revokes_tokens_without_their_digests(alice, client):
    from accounts.models import User

    token, secret = api_token_create(user=alice, name="laptop")
    client.force_login(User.objects.create_superuser("root", "", "Root-Secret-123"))
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert "laptop" in page and token.prefix in page
    assert token.digest not in page and secret not in page
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert client_with(secret).get("/api/avatars/").status_code == 401


def test_the_account_download_lists_the_tokens_but_no_secret(alice, alice_client):
    import io
    import json
    import zipfile

    token, secret = api_token_create(user=alice, name="CI")
    response = alice_client.get("/accounts/profile/export/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    raw = archive.read("pixme.json").decode()
    assert secret not in raw and token.digest not in raw
    (listed,) = json.loads(raw)["api_tokens"]
    assert (listed["name"], listed["prefix"], listed["last_used_at"]) == ("CI", token.prefix, None)


def test_deleting_the_account_deletes_its_tokens(alice, alice_client):
    _, secret = api_token_create(user=alice, name="CI")
    response = alice_client.post("/accounts/profile/delete/", {"password": "alice-Secret-123"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert client_with(secret).get("/api/avatars/").status_code == 401
