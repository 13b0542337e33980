"""A client that retries a create or an edit with the same Idempotency-Key gets the first
answer back and nothing new is made — even when the retries arrive all at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from avatars.models import Avatar, Turn
from idempotency.models import IdempotencyRecord
from idempotency.services import idempotency_claim, idempotency_prune
from pixme.errors import ApplicationError
from tests.conftest import api_token, token_client, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    return token_client(alice)


@pytest.fixture
def no_cap(settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0


def _create(api, selfie_jpeg, key: str | None = "key-1", style: str = "comics"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(
        "/api/avatars/",
        {"photo": upload(selfie_jpeg), "style": style},
        format="multipart",
        **headers,
    )


def _edit(api, avatar, instruction: str = "add a hat", key: str = "edit-1"):
    return api.post(
        f"/api/avatars/{avatar.pk}/edits/",
        {"instruction": instruction},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_repeated_create_returns_the_first_answer_and_makes_nothing(api, selfie_jpeg):
    first = _create(api, selfie_jpeg)
    again = _create(api, selfie_jpeg)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert first["Location"] == f"http://testserver/api/avatars/{first.json()['id']}/"
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Avatar.objects.count() == 1 and Turn.objects.count() == 1


def test_without_a_key_every_create_counts(api, selfie_jpeg, no_cap):
    assert _create(api, selfie_jpeg, key=None).status_code == 202
    assert _create(api, selfie_jpeg, key=None).status_code == 202
    assert Avatar.objects.count() == 2 and not IdempotencyRecord.objects.exists()


def test_a_repeated_edit_makes_one_version(api, alice_avatar, no_cap):
    first = _edit(api, alice_avatar)
    again = _edit(api, alice_avatar)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert alice_avatar.turns.count() == 2


def test_the_same_key_for_a_different_request_is_a_422(api, alice_avatar, selfie_jpeg, no_cap):
    assert _edit(api, alice_avatar, "add a hat").status_code == 202
    other_body = _edit(api, alice_avatar, "add a scarf")
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert set(other_body.json()) == {"detail", "code"}
    other_path = _create(api, selfie_jpeg, key="edit-1")
    assert other_path.status_code == 422
    assert alice_avatar.turns.count() == 2 and Avatar.objects.count() == 1


def test_a_different_photo_is_a_different_request(api, selfie_jpeg, hopper):
    from tests.conftest import encode

    assert _create(api, selfie_jpeg).status_code == 202
    other = api.post(
        "/api/avatars/",
        {"photo": upload(encode(hopper)), "style": "comics"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert other.status_code == 422 and Avatar.objects.count() == 1


def test_keys_are_each_users_own(api, bob, alice_avatar, selfie_jpeg):
    assert _create(api, selfie_jpeg, key="shared-key").status_code == 202
    bobs = _create(token_client(bob), selfie_jpeg, key="shared-key")
    assert bobs.status_code == 202
    assert Avatar.objects.filter(owner=bob).count() == 1


def test_a_refused_request_is_not_remembered(api, selfie_jpeg):
    refused = api.post(
        "/api/avatars/",
        {"photo": upload(b""), "style": "comics"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "bad_image"
    assert not IdempotencyRecord.objects.exists()
    # The client fixes its photo and sends it again with the same key.
    assert _create(api, selfie_jpeg).status_code == 202


def test_another_users_avatar_is_404_and_the_key_stays_free(bob, alice_avatar):
    bob_api = token_client(bob)
    assert _edit(bob_api, alice_avatar).status_code == 404
    assert not IdempotencyRecord.objects.exists() and alice_avatar.turns.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "café"])
def test_a_bad_key_is_a_400_in_the_error_shape(api, alice_avatar, key):
    response = _edit(api, alice_avatar, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_idempotency_key"
    assert alice_avatar.turns.count() == 1 and not IdempotencyRecord.objects.exists()


def test_a_key_still_being_answered_is_a_409_with_retry_after(api, alice, alice_avatar):
    fingerprint = _fingerprint_of_edit(api, alice_avatar)
    IdempotencyRecord.objects.create(user=alice, key="edit-1", fingerprint=fingerprint)
    response = _edit(api, alice_avatar)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert response["Retry-After"] == "1"
    assert alice_avatar.turns.count() == 1


def _fingerprint_of_edit(api, avatar) -> str:
    """What the API records for ``_edit(api, avatar)``: send it once with a fresh key."""
    _edit(api, avatar, key="probe")
    probe = IdempotencyRecord.objects.get(key="probe")
    fingerprint = probe.fingerprint
    probe.delete()
    Turn.objects.filter(avatar=avatar, number__gt=1).delete()
    return fingerprint


def test_an_abandoned_claim_is_taken_over(api, alice, alice_avatar, no_cap):
    fingerprint = _fingerprint_of_edit(api, alice_avatar)
    IdempotencyRecord.objects.create(
        user=alice,
        key="edit-1",
        fingerprint=fingerprint,
        created_at=timezone.now() - timedelta(minutes=6),
    )
    response = _edit(api, alice_avatar)
    assert response.status_code == 202 and alice_avatar.turns.count() == 2
    assert IdempotencyRecord.objects.get().answered


def test_a_key_is_forgotten_after_the_window(api, alice_avatar, settings, no_cap):
    settings.PIXME_IDEMPOTENCY_HOURS = 24
    assert _edit(api, alice_avatar).status_code == 202
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert _edit(api, alice_avatar).status_code == 202
    assert alice_avatar.turns.count() == 3
    assert IdempotencyRecord.objects.count() == 1  # the old one pruned on the way


def test_pruning_keeps_keys_inside_the_window(alice):
    old = IdempotencyRecord.objects.create(
        user=alice, key="old", fingerprint="a", created_at=timezone.now() - timedelta(days=2)
    )
    IdempotencyRecord.objects.create(user=alice, key="new", fingerprint="b")
    assert idempotency_prune() == 1
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert IdempotencyRecord.objects.filter(key="new").exists()


def test_a_throttled_repeat_is_a_429_with_retry_after(api, alice_avatar, settings, no_cap):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "create": "1/min",
        },
    }
    assert _edit(api, alice_avatar).status_code == 202
    throttled = _edit(api, alice_avatar)
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert alice_avatar.turns.count() == 2


def test_a_key_needs_a_signed_in_caller(db, alice_avatar):
    response = _edit(APIClient(), alice_avatar)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not IdempotencyRecord.objects.exists()


# --- at the same time ---------------------------------------------------------------------


def _at_once(n: int, work) -> list:
    """Run ``work`` in ``n`` threads released together, each on its own DB connection.

    The test database is SQLite in memory with a shared cache, where a write that meets
    another's lock fails at once ("database table is locked") instead of waiting as the site's
    SQLite file (a 20 s busy timeout) and PostgreSQL do: that wait is done here.
    """
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            for _ in range(500):
                try:
                    results[i] = work()
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
        except Exception as exc:  # noqa: BLE001 — reported by the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_claims_of_one_key_leave_exactly_one_claim(alice):
    def claim():
        try:
            return idempotency_claim(user=alice, key="k", fingerprint="f").pk
        except ApplicationError as exc:
            return exc.code

    results = _at_once(5, claim)
    claimed = [r for r in results if isinstance(r, int)]
    assert len(claimed) == 1, results
    assert sorted(r for r in results if isinstance(r, str)) == ["idempotency_in_progress"] * 4
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_five_identical_parallel_edits_make_one_version(alice, alice_avatar, settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    # No rate limit: the lock waits above repeat requests, which the throttle would count.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"burst": None, "sustained": None, "create": None},
    }
    token = api_token(alice)

    def client():
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return c

    codes = _at_once(5, lambda: _edit(client(), alice_avatar).status_code)
    assert all(code in (202, 409) for code in codes), codes
    assert alice_avatar.turns.count() == 2
    # Once the first is answered, every repeat is the remembered 202.
    assert _edit(client(), alice_avatar).status_code == 202
    assert alice_avatar.turns.count() == 2
