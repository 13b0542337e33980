"""Alice is suspended by Mona, a moderator: she reads why on every page, the API answers 403
with the reason, her old log-ins and tokens stop working, her links die, and nothing new is
drawn until the suspension is lifted."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from avatars.models import Avatar, ModerationAction, Style, Turn
from avatars.moderation.services import user_suspend, user_suspend_lift
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_request_edit, turn_retry
from avatars.sharing.services import avatar_share
from pixme.errors import ApplicationError
from tests.conftest import upload
from tests.moderation_people import client_for, moderator_create

pytestmark = pytest.mark.django_db

REASON = "Repeated nudity after a warning"


@pytest.fixture
def mona(db):
    return moderator_create()


def _suspend(alice, mona):
    user_suspend(user=alice, moderator=mona, reason=REASON)
    alice.refresh_from_db()


def test_her_open_sessions_end(alice, alice_client, alice_avatar, mona):
    assert alice_client.get("/avatars/").status_code == 200
    _suspend(alice, mona)
    assert alice_client.get("/avatars/").status_code == 302  # to the log-in page


def test_every_page_says_why_after_she_logs_in_again(alice, alice_avatar, mona):
    _suspend(alice, mona)
    client = client_for(alice)
    for url in ["/", "/avatars/", f"/avatars/{alice_avatar.pk}/", "/accounts/profile/"]:
        page = client.get(url).content.decode()
        assert f"Your account is suspended: {REASON}" in page, url


def test_other_people_see_no_banner(alice, bob_client, mona):
    _suspend(alice, mona)
    assert "suspended" not in bob_client.get("/").content.decode()


def test_her_token_stops_working_and_a_new_one_gets_403_with_the_reason(alice, mona, client):
    _row, old = api_token_create(user=alice, name="laptop")
    _suspend(alice, mona)
    assert not ApiToken.objects.filter(user=alice).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/avatars/").status_code == 401
    new = api.post(
        "/api/token/", {"username": "alice", "password": "alice-Secret-123"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    response = api.get("/api/avatars/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": f"Your account is suspended: {REASON}",
        "code": "suspended",
    }


def test_the_api_refuses_her_session_and_writes_nothing(alice, mona, selfie_jpeg):
    _suspend(alice, mona)
    api = APIClient()
    api.force_login(alice)
    response = api.post(
        "/api/avatars/", {"photo": upload(selfie_jpeg), "style": "comics"}, format="multipart"
    )
    assert response.status_code == 403 and response.json()["code"] == "suspended"
    assert not Avatar.objects.exists()


def test_she_cannot_create_edit_or_retry(alice, alice_avatar, mona, selfie_jpeg, run_jobs):
    with run_jobs():
        edit = turn_request_edit(avatar=alice_avatar, instruction="add a hat")
    failed = Turn.objects.filter(pk=edit.pk)
    failed.update(status=Turn.Status.FAILED)  # as if the engine had failed it
    _suspend(alice, mona)
    turns_before = Turn.objects.count()
    with pytest.raises(ApplicationError, match="suspended") as refused:
        avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    assert refused.value.code == "suspended" and REASON in refused.value.message
    with pytest.raises(ApplicationError, match="suspended"):
        turn_request_edit(
            avatar=alice_avatar, instruction="add a hat", parent=alice_avatar.turns.get(number=1)
        )
    with pytest.raises(ApplicationError, match="suspended"):
        turn_retry(turn=failed.get())
    assert Avatar.objects.count() == 1
    assert Turn.objects.count() == turns_before
    assert failed.get().status == Turn.Status.FAILED


def test_the_new_avatar_page_refuses_and_writes_nothing(alice, mona, selfie_jpeg):
    _suspend(alice, mona)
    client = client_for(alice)
    response = client.post("/avatars/new/", {"photo": upload(selfie_jpeg), "style": "comics"})
    assert "suspended" in response.content.decode()
    assert not Avatar.objects.exists()


def test_her_shared_links_die_and_her_queued_versions_are_cancelled(
    alice, alice_avatar, mona, django_capture_on_commit_callbacks
):
    avatar_share(avatar=alice_avatar)
    alice_avatar.refresh_from_db()
    link = f"/s/{alice_avatar.share_token}/"
    with django_capture_on_commit_callbacks(execute=False):  # stays queued: no job runs
        queued = turn_request_edit(avatar=alice_avatar, instruction="add a hat")
    _suspend(alice, mona)
    alice_avatar.refresh_from_db()
    assert (alice_avatar.visibility, alice_avatar.share_token) == ("private", None)
    assert client_for(mona).get(link).status_code == 404
    queued.refresh_from_db()
    assert queued.status == Turn.Status.CANCELLED


def test_lifting_gives_everything_back_but_the_links(alice, mona, selfie_jpeg, run_jobs):
    _suspend(alice, mona)
    user_suspend_lift(user=alice, moderator=mona, reason="Appeal accepted")
    alice.refresh_from_db()
    assert not alice.is_suspended and alice.suspension_reason == ""
    assert "suspended" not in client_for(alice).get("/").content.decode()
    with run_jobs():
        avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    assert Avatar.objects.filter(owner=alice).count() == 1


def test_a_moderator_cannot_suspend_herself_or_staff_and_nothing_is_written(alice, mona):
    colleague = moderator_create("max")
    with pytest.raises(ApplicationError, match="your own account"):
        user_suspend(user=mona, moderator=mona, reason="x")
    with pytest.raises(ApplicationError, match="superuser"):
        user_suspend(user=colleague, moderator=mona, reason="x")
    with pytest.raises(ApplicationError, match="reason"):
        user_suspend(user=alice, moderator=mona, reason="   ")
    _suspend(alice, mona)
    with pytest.raises(ApplicationError, match="already suspended"):
        user_suspend(user=alice, moderator=mona, reason="again")
    colleague.refresh_from_db()
    assert not colleague.is_suspended and not mona.is_suspended
    assert ModerationAction.objects.count() == 1


def test_she_can_still_take_her_data_and_leave_through_the_api(alice, mona, alice_avatar):
    _suspend(alice, mona)
    api = APIClient()
    api.force_authenticate(alice)
    assert api.get("/api/avatars/").status_code == 403
    export = api.get("/api/account/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    gone = api.post("/api/account/delete/", {"password": "alice-Secret-123"}, format="json")
    assert gone.status_code == 200 and gone.json()["receipt"]  # its deletion receipt, once
    assert not Avatar.objects.filter(owner_id=alice.pk).exists()


def test_her_named_tokens_end_and_lifting_does_not_revive_them(alice, mona):
    from accounts.models import ApiToken
    from accounts.services import api_token_create
    from avatars.moderation.services import user_suspend_lift

    _token, secret = api_token_create(user=alice, name="laptop")
    _suspend(alice, mona)
    assert not ApiToken.objects.filter(user=alice).exists()
    user_suspend_lift(user=alice, moderator=mona, reason="Appeal upheld")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/avatars/").status_code == 401
