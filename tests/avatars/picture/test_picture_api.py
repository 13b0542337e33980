"""``GET, PUT, DELETE /api/picture/`` and the profile page's switch: only the holder of a
confirmed address puts a picture under its hash."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.confirmation import email_confirmation_token
from avatars.models import Picture, Style
from avatars.services.avatars import avatar_create
from tests.conftest import token_client, upload
from tests.moderation_people import moderator_create
from tests.picture_people import ALICE, confirm, md5, sha256

pytestmark = pytest.mark.django_db


def test_it_starts_off(alice):
    response = token_client(alice).get("/api/picture/")
    assert response.status_code == 200
    assert response.json() == {
        "enabled": False,
        "avatar": None,
        "turn": None,
        "email_verified": False,
        "url": None,
    }


def test_it_refuses_until_the_address_is_confirmed(alice, alice_avatar):
    alice.email = ALICE
    alice.save()
    api = token_client(alice)

    response = api.put("/api/picture/", {"avatar": alice_avatar.pk, "turn": None}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "email_unverified"
    assert not Picture.objects.exists()
    assert Client().get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404


def test_it_shows_an_avatar_once_the_address_is_confirmed(alice, alice_avatar):
    confirm(alice, ALICE)
    api = token_client(alice)

    response = api.put("/api/picture/", {"avatar": alice_avatar.pk, "turn": None}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "enabled": True,
        "avatar": alice_avatar.pk,
        "turn": None,
        "email_verified": True,
        "url": f"http://testserver/avatar/{sha256(ALICE)}",
    }
    assert api.get("/api/picture/").json()["enabled"] is True
    assert Client().get(f"/avatar/{sha256(ALICE)}?d=404").status_code == 200


def test_it_pins_one_version(alice, alice_avatar):
    confirm(alice, ALICE)
    turn = alice_avatar.current_turn
    response = token_client(alice).put(
        "/api/picture/", {"avatar": alice_avatar.pk, "turn": turn.pk}, format="json"
    )
    assert response.json()["turn"] == turn.pk
    assert Picture.objects.get().turn == turn


def test_delete_stops_it(alice, alice_avatar):
    confirm(alice, ALICE)
    api = token_client(alice)
    api.put("/api/picture/", {"avatar": alice_avatar.pk}, format="json")

    assert api.delete("/api/picture/").status_code == 204

    assert not Picture.objects.exists()
    assert Client().get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404


def test_a_stranger_cannot_publish_under_someone_elses_address(
    alice, alice_avatar, bob, bob_client, selfie_jpeg, django_capture_on_commit_callbacks
):
    """Bob says Alice's address is his. He never receives its link, a link of his own can't
    confirm it, and Alice's link confirms it for Alice only: nothing of his is ever shown
    under its hash."""
    confirm(alice, ALICE)  # Alice shows nothing yet
    api = token_client(bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(
            "/api/account/email/",
            {"email": ALICE, "password": "bob-Secret-123"},
            format="json",
        )
    assert response.status_code == 200
    (message,) = mail.outbox  # went to the mailbox, which is Alice's
    assert message.to == [ALICE]
    with django_capture_on_commit_callbacks(execute=True):
        bobs = avatar_create(
            owner=bob,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="manga"),
        )
    bobs.refresh_from_db()

    refused = api.put("/api/picture/", {"avatar": bobs.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "email_unverified"
    # Alice's own link, opened by Bob, confirms the address for Alice, not for him.
    alice_token = email_confirmation_token(user=alice)
    bob_client.get(f"/accounts/email/confirm/{alice_token}/")
    bob.refresh_from_db()
    assert bob.email_confirmed == ""
    assert api.put("/api/picture/", {"avatar": bobs.pk}, format="json").status_code == 400
    # Nor can he name Alice's avatar.
    assert api.put("/api/picture/", {"avatar": alice_avatar.pk}, format="json").status_code == 404

    assert not Picture.objects.exists()
    assert Client().get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404


def test_someone_elses_avatar_or_version_is_not_found(alice, alice_avatar, bob):
    confirm(bob, "bob@example.com")
    api = token_client(bob)
    assert api.put("/api/picture/", {"avatar": alice_avatar.pk}, format="json").status_code == 404
    body = {"avatar": alice_avatar.pk, "turn": alice_avatar.current_turn_id}
    assert api.put("/api/picture/", body, format="json").status_code == 404
    assert not Picture.objects.exists()


def test_a_hidden_avatar_cannot_be_shown(alice, alice_avatar):
    from avatars.moderation.services import avatar_hide

    confirm(alice, ALICE)
    avatar_hide(avatar=alice_avatar, moderator=moderator_create(), reason="not ok")

    response = token_client(alice).put("/api/picture/", {"avatar": alice_avatar.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "moderated"
    assert not Picture.objects.exists()


def test_a_suspended_user_cannot_show_one(alice, alice_avatar, alice_client):
    from avatars.moderation.services import user_suspend

    confirm(alice, ALICE)
    user_suspend(user=alice, moderator=moderator_create(), reason="spam")
    alice_client.force_login(alice)  # the suspension ended the session: a new log-in

    response = alice_client.put(
        "/api/picture/", {"avatar": alice_avatar.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    page = alice_client.post("/accounts/profile/picture/", {"picture": f"a:{alice_avatar.pk}"})
    assert page.status_code == 302
    assert not Picture.objects.exists()


def test_a_confirmed_new_address_moves_the_picture_to_its_hash(alice, alice_avatar):
    from accounts.confirmation import email_confirm

    confirm(alice, ALICE)
    token_client(alice).put("/api/picture/", {"avatar": alice_avatar.pk}, format="json")
    alice.email = "alice@new.example"
    alice.save()
    assert Client().get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404

    email_confirm(token=email_confirmation_token(user=alice))

    assert Client().get(f"/avatar/{md5('alice@new.example')}?d=404").status_code == 200
    assert Client().get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404


# --- the profile page ----------------------------------------------------------------------


def test_the_profile_page_asks_for_a_confirmed_address_first(alice_client, alice, alice_avatar):
    page = alice_client.get("/accounts/profile/")
    assert b'id="picture-needs-email"' in page.content
    assert b'name="picture"' not in page.content


def test_the_profile_page_turns_it_on_and_off(alice_client, alice, alice_avatar):
    confirm(alice, ALICE)
    page = alice_client.get("/accounts/profile/")
    assert f'value="a:{alice_avatar.pk}"'.encode() in page.content
    assert sha256(ALICE).encode() in page.content

    alice_client.post("/accounts/profile/picture/", {"picture": f"a:{alice_avatar.pk}"})
    assert Picture.objects.get().avatar == alice_avatar
    page = alice_client.get("/accounts/profile/")
    assert f'<img src="/avatar/{sha256(ALICE)}?s=128"'.encode() in page.content

    alice_client.post("/accounts/profile/picture/", {"picture": "off"})
    assert not Picture.objects.exists()


def test_the_profile_page_will_not_show_someone_elses_version(alice, alice_avatar, bob, bob_client):
    confirm(bob, "bob@example.com")
    response = bob_client.post(
        "/accounts/profile/picture/", {"picture": f"t:{alice_avatar.current_turn_id}"}
    )
    assert response.status_code == 404
    assert not Picture.objects.exists()
