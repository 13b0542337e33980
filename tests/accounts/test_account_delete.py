"""Alice leaves: on the site (her password, then a goodbye page with her account's signed
deletion receipt, shown once) or through the API (the receipt in the answer, her token stops
working); the receipt lists every file of hers with its SHA-256. Every avatar, version and
photo of hers leaves the storage — no empty folder either — and nothing of Bob's. Reports she
made stay without her name, and the moderators' records keep what they describe. A wrong or
missing password deletes nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import ApiToken, Profile, User
from avatars.models import Avatar, ModerationAction, Report, Style, Turn
from avatars.services.avatars import avatar_create
from tests.conftest import api_token, draw_avatar, draw_edit, upload

# Each test gets a media storage of its own, so a listing sees no other test's files.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]

PASSWORD = "alice-Secret-123"


def storage_listing() -> set[str]:
    """Every file and folder in the media storage, folders ending in '/'."""
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) + ("/" if p.is_dir() else "") for p in root.rglob("*")}


def hers(user: User) -> set[str]:
    return {name for name in storage_listing() if name.startswith(f"u{user.pk}/")}


@pytest.fixture
def edited_avatar(alice_avatar, run_jobs):
    """Alice's avatar with two versions: a selfie and four version files in the storage."""
    return draw_edit(alice_avatar, "add round glasses", run_jobs)


@pytest.fixture
def bobs_avatar(bob, selfie_jpeg, run_jobs):
    return draw_avatar(bob, selfie_jpeg, run_jobs, style="manga")


def sums(user: User) -> dict[str, str]:
    """The SHA-256 of each file of ``user``'s in the storage, by name."""
    root = Path(settings.MEDIA_ROOT)
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()
        for name in hers(user)
        if not name.endswith("/")
    }


def _receipt_lists(receipt: dict, files: dict[str, str]) -> None:
    assert receipt["kind"] == "account" and receipt["reason"] == "user"
    assert {f["name"]: f["sha256"] for f in receipt["files"]} == files
    assert receipt["missing"] == []


def _nothing_deleted(alice: User, listing: set[str]) -> None:
    assert User.objects.filter(pk=alice.pk).exists()
    assert Profile.objects.filter(user=alice).exists()
    assert Avatar.objects.filter(owner=alice).count() == 1
    assert Turn.objects.filter(avatar__owner=alice).count() == 2
    assert storage_listing() == listing


# --- on the site ---------------------------------------------------------------------------


def test_alice_deletes_her_account_and_nothing_of_hers_is_left(
    alice, alice_client, edited_avatar, bobs_avatar, run_jobs
):
    before = storage_listing()
    # the selfie, 2 PNGs, 2 WebPs, 2 thumbnails
    assert len([n for n in hers(alice) if not n.endswith("/")]) == 7
    bobs = before - hers(alice)

    page = alice_client.get("/accounts/profile/delete/")
    assert page.status_code == 200
    assert 'type="password"' in page.content.decode()

    files = sums(alice)
    with run_jobs():
        response = alice_client.post("/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/deleted/"

    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Avatar.objects.filter(pk=edited_avatar.pk).exists()
    assert not Turn.objects.filter(avatar_id=edited_avatar.pk).exists()
    assert hers(alice) == set()  # no file, no empty folder
    assert storage_listing() == bobs  # Bob's photos untouched

    goodbye = alice_client.get("/accounts/deleted/")
    assert "Your account is deleted" in goodbye.content.decode()
    assert "shown this once" in goodbye.content.decode()
    _receipt_lists(json.loads(goodbye.context["receipt"])["receipt"], files)
    assert 'download="pixme-receipt-account-' in goodbye.content.decode()
    # Shown once: nothing of the account is kept to show it again.
    assert alice_client.get("/accounts/deleted/")["Location"] == "/"
    assert alice_client.get("/accounts/profile/").status_code == 302  # signed out


def test_a_wrong_password_refuses_in_words_and_deletes_nothing(
    alice, alice_client, edited_avatar, run_jobs
):
    before = storage_listing()
    with run_jobs():
        response = alice_client.post("/accounts/profile/delete/", {"password": "not-it"})
    assert response.status_code == 400
    assert "That password isn&#x27;t right, so nothing was deleted." in response.content.decode()
    _nothing_deleted(alice, before)
    assert alice_client.get("/accounts/profile/").status_code == 200  # still signed in


def test_no_password_refuses_and_deletes_nothing(alice, alice_client, edited_avatar, run_jobs):
    before = storage_listing()
    with run_jobs():
        response = alice_client.post("/accounts/profile/delete/", {})
    assert response.status_code == 400
    assert "Type your password to confirm." in response.content.decode()
    _nothing_deleted(alice, before)


def test_the_page_needs_login(client, alice):
    response = client.get("/accounts/profile/delete/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/accounts/profile/delete/", {"password": PASSWORD}).status_code == 302
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_profile_page_leads_to_the_deletion(alice_client):
    assert (
        'href="/accounts/profile/delete/"'
        in alice_client.get("/accounts/profile/").content.decode()
    )


# --- through the API -----------------------------------------------------------------------


@pytest.fixture
def alice_api(alice) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    return api


def test_a_token_client_deletes_the_account_and_its_token_stops_working(
    alice, alice_api, edited_avatar, bobs_avatar, run_jobs
):
    bobs = storage_listing() - hers(alice)
    files = sums(alice)
    with run_jobs():
        response = alice_api.post("/api/account/delete/", {"password": PASSWORD}, format="json")
    assert response.status_code == 200
    _receipt_lists(response.json()["receipt"]["receipt"], files)
    assert json.loads(response.json()["receipt_text"]) == response.json()["receipt"]
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not ApiToken.objects.filter(user_id=alice.pk).exists()
    assert hers(alice) == set()
    assert storage_listing() == bobs
    assert alice_api.get("/api/avatars/").status_code == 401


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        (
            {"password": "not-it"},
            "wrong_password",
            "That password isn't right, so nothing was deleted.",
        ),
        ({}, "password_required", "Type your password to confirm."),
    ],
)
def test_the_api_refuses_a_wrong_or_missing_password_and_deletes_nothing(
    alice, alice_api, edited_avatar, run_jobs, body, code, detail
):
    before = storage_listing()
    with run_jobs():
        response = alice_api.post("/api/account/delete/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": code}
    _nothing_deleted(alice, before)
    assert alice_api.get("/api/avatars/").status_code == 200  # the token still works


def test_guessing_the_password_pauses_like_a_log_in(alice, alice_api, edited_avatar, settings):
    # A borrowed token or session can't try passwords here without limit.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert alice_api.post("/api/account/delete/", {"password": "guess"}).status_code == 400
    locked = alice_api.post("/api/account/delete/", {"password": "guess"})
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    right = alice_api.post("/api/account/delete/", {"password": PASSWORD})
    assert right.status_code == 429
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_api_needs_a_signed_in_client(alice):
    assert APIClient().post("/api/account/delete/", {"password": PASSWORD}).status_code == 401
    assert User.objects.filter(pk=alice.pk).exists()


# --- what others need stays ----------------------------------------------------------------


def test_reports_alice_made_stay_without_her_name(alice, alice_client, bob, bobs_avatar, run_jobs):
    report = Report.objects.create(
        avatar=bobs_avatar, reporter=alice, reason=Report.Reason.SPAM, note="Selling pills"
    )
    with run_jobs():
        alice_client.post("/accounts/profile/delete/", {"password": PASSWORD})
    report.refresh_from_db()
    assert report.reporter is None
    assert (report.avatar_id, report.reason, report.note) == (
        bobs_avatar.pk,
        Report.Reason.SPAM,
        "Selling pills",
    )


def test_the_moderators_records_keep_their_descriptions(
    alice, alice_client, edited_avatar, run_jobs
):
    moderator = User.objects.create_user("mod", password="mod-Secret-123", is_staff=True)
    record = ModerationAction.objects.create(
        avatar=edited_avatar,
        avatar_repr=f"Comics avatar #{edited_avatar.pk} by alice",
        subject_user=alice,
        subject_user_repr="alice",
        moderator=moderator,
        moderator_repr="mod",
        action="hide",
        reason="Nudity",
    )
    with run_jobs():
        alice_client.post("/accounts/profile/delete/", {"password": PASSWORD})
    record.refresh_from_db()
    assert record.avatar is None and record.subject_user is None
    assert record.avatar_repr == f"Comics avatar #{edited_avatar.pk} by alice"
    assert record.subject_user_repr == "alice"
    assert (record.action, record.reason, record.moderator) == ("hide", "Nudity", moderator)


# --- a job still waiting ---------------------------------------------------------------------


def test_a_queued_version_finishing_later_leaves_no_file(
    alice, alice_client, selfie_jpeg, django_capture_on_commit_callbacks, run_jobs
):
    # Alice starts an avatar; its job is queued but no worker has picked it up yet.
    with django_capture_on_commit_callbacks(execute=False) as queued_jobs:
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    assert avatar.turns.get().status == Turn.Status.QUEUED
    assert hers(alice)  # the selfie is stored

    with run_jobs():
        alice_client.post("/accounts/profile/delete/", {"password": PASSWORD})
    assert hers(alice) == set()

    # The worker gets to the job afterwards: it finds nothing to draw and writes nothing.
    for job in queued_jobs:
        job()
    assert hers(alice) == set()
    assert storage_listing() == set()
