"""What a moderator's decision means, wherever Alice tries (avatars.moderation.rules).

Mona, a moderator, hides or removes one of Alice's avatars: Alice still sees it and may delete
it, but nobody edits, retries or re-picks it, and its pictures leave neither as downloads nor
in her export. Mona suspends Alice: Alice may take her data and leave, and nothing else — no
webhooks, tokens, profile changes, reports or reverts, on the pages or the API."""

from __future__ import annotations

import html
import io
import json
import zipfile

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, Profile
from accounts.services import api_token_create, profile_for_user
from avatars.models import Avatar, Reel, Report, Turn
from avatars.moderation.services import avatar_hide, avatar_remove, user_suspend
from avatars.reels.services import reel_request
from avatars.services.turns import turn_request_edit, turn_retry, turn_revert
from avatars.sharing.services import avatar_share
from pixme.errors import ApplicationError
from tests.conftest import draw_edit
from tests.moderation_people import client_for, moderator_create
from webhooks.models import Webhook
from webhooks.services import webhook_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]

HIDE_REASON = "Shows a real singer's face"
SUSPEND_REASON = "Spam links in every caption"
PASSWORD = "alice-Secret-123"


@pytest.fixture
def mona(db):
    return moderator_create()


@pytest.fixture
def two_versions(alice_avatar, run_jobs):
    """Alice's avatar with version 2 (a hat) current, so version 1 could be made current."""
    draw_edit(alice_avatar, "add a red hat", run_jobs)
    assert alice_avatar.current_turn.number == 2
    return alice_avatar


@pytest.fixture
def failed_edit(two_versions):
    """Version 3 of it, failed in a way a retry could fix."""
    turn = Turn.objects.create(
        avatar=two_versions,
        parent=two_versions.current_turn,
        number=3,
        kind=Turn.Kind.EDIT,
        instruction="add a scarf",
        engine="studio",
        status=Turn.Status.FAILED,
        error_code="unavailable",
    )
    return turn


def _decide(avatar, mona, decision: str) -> Avatar:
    decide = avatar_hide if decision == "hidden" else avatar_remove
    decide(avatar=avatar, moderator=mona, reason=HIDE_REASON)
    avatar.refresh_from_db()
    return avatar


def _suspend(alice, mona):
    user_suspend(user=alice, moderator=mona, reason=SUSPEND_REASON)
    alice.refresh_from_db()


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _turn_rows(avatar) -> list[tuple]:
    return list(avatar.turns.order_by("pk").values_list("pk", "status", "number"))


# --- a hidden or removed avatar ------------------------------------------------------------


@pytest.mark.parametrize("decision,verb", [("hidden", "hid"), ("removed", "removed")])
def test_the_page_refuses_an_edit_of_a_moderated_avatar_and_writes_nothing(
    alice, alice_avatar, mona, decision, verb
):
    _decide(alice_avatar, mona, decision)
    before = _turn_rows(alice_avatar)
    response = client_for(alice).post(
        reverse("avatars:edit", args=[alice_avatar.pk]), {"instruction": "add a red hat"}
    )
    assert response.status_code == 403
    assert f"A moderator {verb} this avatar, so it can't be edited." in _text(response)
    assert HIDE_REASON in _text(response)
    assert _turn_rows(alice_avatar) == before


def test_the_api_refuses_an_edit_of_a_hidden_avatar_with_403(alice, alice_avatar, mona):
    _decide(alice_avatar, mona, "hidden")
    before = _turn_rows(alice_avatar)
    response = _api_for(alice).post(
        f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": "add a red hat"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": f"A moderator hid this avatar, so it can't be edited. Reason: {HIDE_REASON}",
        "code": "moderated",
    }
    assert _turn_rows(alice_avatar) == before


def test_a_hidden_avatar_can_be_neither_retried_nor_reverted(alice, failed_edit, mona):
    avatar = _decide(failed_edit.avatar, mona, "hidden")
    version_1 = avatar.turns.get(number=1)
    api = _api_for(alice)
    base = f"/api/avatars/{avatar.pk}/turns"
    retried = api.post(f"{base}/{failed_edit.pk}/retry/")
    assert retried.status_code == 403 and retried.json()["code"] == "moderated"
    reverted = api.post(f"{base}/{version_1.pk}/revert/")
    assert reverted.status_code == 403 and "can't be changed" in reverted.json()["detail"]
    # The page's buttons go to the same services.
    client = client_for(alice)
    page = client.post(
        reverse("avatars:turn-action", args=[avatar.pk, version_1.pk, "revert"]), follow=True
    )
    assert "A moderator hid this avatar, so it can't be changed." in _text(page)
    with pytest.raises(ApplicationError, match="can't be retried") as refused:
        turn_retry(turn=failed_edit)
    assert refused.value.code == "moderated"
    failed_edit.refresh_from_db()
    avatar.refresh_from_db()
    assert failed_edit.status == Turn.Status.FAILED
    assert avatar.current_turn.number == 2


def test_the_owner_still_sees_a_hidden_avatar_without_what_she_cant_use(alice, two_versions, mona):
    avatar = _decide(two_versions, mona, "hidden")
    response = client_for(alice).get(reverse("avatars:detail", args=[avatar.pk]))
    assert response.status_code == 200
    page = _text(response)
    assert "A moderator hid this avatar." in page and HIDE_REASON in page
    assert "It can't be changed, shared or downloaded; only you see it, here." in page
    assert 'id="edit-form"' not in page and "Make current" not in page
    assert 'id="reel"' not in page
    assert reverse("avatars:turn-thumbnail", args=[avatar.pk, avatar.current_turn_id]) in page


def test_hiding_cancels_the_versions_still_waiting_to_be_drawn(
    alice_avatar, mona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # stays queued: no job runs
        queued = turn_request_edit(avatar=alice_avatar, instruction="add a red hat")
    _decide(alice_avatar, mona, "hidden")
    queued.refresh_from_db()
    assert queued.status == Turn.Status.CANCELLED
    assert queued.message == "Cancelled: a moderator hid this avatar"


def test_the_owner_may_still_delete_a_hidden_avatar(alice, alice_avatar, mona):
    _decide(alice_avatar, mona, "hidden")
    response = client_for(alice).post(reverse("avatars:delete", args=[alice_avatar.pk]))
    assert response.status_code == 302
    assert not Avatar.objects.filter(pk=alice_avatar.pk).exists()


def _export(client) -> tuple[zipfile.ZipFile, dict]:
    response = client.get(reverse("account-export"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return archive, json.loads(archive.read("pixme.json"))


def test_the_export_leaves_out_what_the_downloads_refuse(
    alice, two_versions, mona, selfie_jpeg, run_jobs
):
    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    with run_jobs():
        kept = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
        )
    hidden = _decide(two_versions, mona, "hidden")
    client = client_for(alice)
    download = client.get(
        reverse("avatars:turn-download", args=[hidden.pk, hidden.current_turn_id, "png"])
    )
    assert download.status_code == 403

    archive, document = _export(client)
    names = set(archive.namelist())
    by_id = {a["id"]: a for a in document["avatars"]}
    listed = by_id[hidden.pk]
    # Listed, with the decision and the download's own words for what is left out …
    assert (listed["moderation"], listed["moderation_reason"]) == ("hidden", HIDE_REASON)
    assert listed["pictures_left_out"] == download.content.decode()
    assert [v["number"] for v in listed["versions"]] == [1, 2]
    assert [v["image"] for v in listed["versions"]] == [None, None]
    assert not [n for n in names if n.startswith(f"avatars/{hidden.pk}-") and "/v" in n]
    # … the selfie she gave us still comes back, as it still shows on the avatar's page …
    assert listed["selfie"] in names
    assert client.get(reverse("avatars:source", args=[hidden.pk])).status_code == 200
    # … and her other avatar is whole.
    assert by_id[kept.pk]["pictures_left_out"] is None
    assert by_id[kept.pk]["versions"][0]["image"] in names


def test_the_export_of_a_removed_avatar_lists_it_with_no_pictures(alice, alice_avatar, mona):
    removed = _decide(alice_avatar, mona, "removed")
    archive, document = _export(client_for(alice))
    (listed,) = document["avatars"]
    assert listed["moderation"] == "removed"
    assert listed["pictures_left_out"].startswith("A moderator removed this avatar")
    assert listed["selfie"] is None and listed["versions"][0]["image"] is None
    # No picture: only the data, and the signed receipt of the pictures the moderator removed.
    (receipt,) = document["receipts"]
    assert (receipt["receipt"]["kind"], receipt["receipt"]["reason"]) == ("avatar", "moderator")
    assert sorted(archive.namelist()) == sorted(["pixme.json", receipt["file"]])
    assert not Avatar.objects.get(pk=removed.pk).source


# --- a suspended user ----------------------------------------------------------------------


def test_a_suspended_user_cannot_add_a_webhook_on_the_page(alice, mona, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    _suspend(alice, mona)
    response = client_for(alice).post(
        reverse("webhooks:add"), {"url": "http://127.0.0.1:9/hook"}, follow=True
    )
    page = _text(response)
    assert f"Your account is suspended, so you can't add webhooks: {SUSPEND_REASON}" in page
    assert "Add webhook" not in page  # the form is not offered either
    assert not Webhook.objects.exists()


def test_a_suspended_user_cannot_add_a_webhook_anywhere(alice, mona, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    _suspend(alice, mona)
    with pytest.raises(ApplicationError) as refused:
        webhook_create(owner=alice, url="http://127.0.0.1:9/hook")
    assert refused.value.code == "suspended"
    response = _api_for(alice).post(
        "/api/webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "suspended"
    assert not Webhook.objects.exists()


def test_a_suspended_user_cannot_create_a_token_on_the_page(alice, mona):
    _suspend(alice, mona)
    client = client_for(alice)
    response = client.post(
        reverse("profile-api-token"), {"action": "create", "name": "laptop"}, follow=True
    )
    page = _text(response)
    assert f"Your account is suspended, so you can't create API tokens: {SUSPEND_REASON}" in page
    assert "Create token" not in page
    assert not ApiToken.objects.exists()
    assert "new_api_token" not in client.session


def test_a_suspended_user_cannot_create_a_token_anywhere(alice, mona):
    _suspend(alice, mona)
    with pytest.raises(ApplicationError) as refused:
        api_token_create(user=alice, name="laptop")
    assert refused.value.code == "suspended"
    response = _api_for(alice).post("/api/tokens/", {"name": "laptop"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "suspended"
    assert not ApiToken.objects.exists()


def test_a_suspended_user_cannot_change_her_profile_on_the_page(alice, mona):
    profile = profile_for_user(user=alice)
    before = Profile.objects.filter(pk=profile.pk).values().get()
    _suspend(alice, mona)
    response = client_for(alice).post(
        reverse("profile"), {"display_name": "Buy cheap pills", "caption": "spam.example"}
    )
    assert response.status_code == 400
    assert (
        f"Your account is suspended, so you can't change your profile: {SUSPEND_REASON}"
        in _text(response)
    )
    assert Profile.objects.filter(pk=profile.pk).values().get() == before


def test_a_suspended_user_cannot_change_her_profile_through_the_api(alice, mona):
    profile = profile_for_user(user=alice)
    before = Profile.objects.filter(pk=profile.pk).values().get()
    _suspend(alice, mona)
    response = _api_for(alice).patch(
        "/api/profile/", {"display_name": "Buy cheap pills"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "suspended"
    assert Profile.objects.filter(pk=profile.pk).values().get() == before


def test_a_suspended_user_cannot_revert_or_make_a_reel(alice, two_versions, mona):
    _suspend(alice, mona)
    version_1 = two_versions.turns.get(number=1)
    with pytest.raises(ApplicationError, match="can't change your avatars") as refused:
        turn_revert(avatar=two_versions, turn=version_1)
    assert refused.value.code == "suspended"
    with pytest.raises(ApplicationError, match="can't make reels"):
        reel_request(avatar=two_versions)
    two_versions.refresh_from_db()
    assert two_versions.current_turn.number == 2
    assert not Reel.objects.exists()


def test_a_suspended_user_cannot_report_a_shared_avatar(alice, bob, mona, selfie_jpeg, run_jobs):
    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    with run_jobs():
        bobs = avatar_create(
            owner=bob, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    bobs.refresh_from_db()
    token = avatar_share(avatar=bobs).share_token
    _suspend(alice, mona)
    response = client_for(alice).post(
        reverse("share:report", args=[token]), {"reason": "spam", "note": "revenge"}
    )
    assert response.status_code == 400
    assert "Your account is suspended, so you can't report avatars" in _text(response)
    assert not Report.objects.exists()


# --- what a suspended user still may do ----------------------------------------------------


def test_a_suspended_user_sees_her_things_and_removes_them(alice, alice_avatar, mona, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    webhook = webhook_create(owner=alice, url="http://127.0.0.1:9/hook")
    _suspend(alice, mona)
    client = client_for(alice)
    page = _text(client.get(reverse("avatars:detail", args=[alice_avatar.pk])))
    assert 'id="edit-form"' not in page and 'data-follow="off"' in page
    assert "nothing can be shared while your account is suspended" in page
    assert client.get(reverse("profile")).status_code == 200
    client.post(reverse("webhooks:delete", args=[webhook.pk]))
    assert not Webhook.objects.exists()
    client.post(reverse("avatars:delete", args=[alice_avatar.pk]))
    assert not Avatar.objects.exists()


def test_a_password_token_only_takes_her_data_and_closes_the_account(alice, alice_avatar, mona):
    _suspend(alice, mona)
    answer = APIClient().post(
        "/api/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    refused = {
        ("get", "/api/avatars/"),
        ("post", f"/api/avatars/{alice_avatar.pk}/ws-ticket/"),
        ("post", "/api/tokens/"),
        ("patch", "/api/profile/"),
        ("post", "/api/webhooks/"),
    }
    for method, url in refused:
        response = getattr(api, method)(url, {"name": "x", "url": "x"}, format="json")
        assert response.status_code == 403, url
        assert response.json()["code"] == "suspended", url
    export = api.get("/api/account/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    closed = api.post("/api/account/delete/", {"password": PASSWORD}, format="json")
    assert closed.status_code == 200 and closed.json()["receipt"]["receipt"]["kind"] == "account"
    assert not Avatar.objects.exists()


def test_a_suspended_user_exports_and_deletes_her_account_on_the_pages(alice, alice_avatar, mona):
    _suspend(alice, mona)
    client = client_for(alice)
    archive, document = _export(client)
    assert document["avatars"][0]["versions"][0]["image"] in archive.namelist()
    response = client.post(reverse("account-delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not type(alice).objects.filter(pk=alice.pk).exists()
