"""The avatar pages: create, view, list, delete — as Alice sees them."""

import pytest
from django.urls import reverse

from avatars.models import Avatar, Style, Turn
from tests.conftest import upload

pytestmark = pytest.mark.django_db


def test_the_landing_page_shows_the_styles(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    for name in ("Comics", "Manga", "Zombie", "Pop Art", "Pixel Art", "Neon"):
        assert name in response.content.decode()


def test_the_create_page_offers_the_enabled_styles(alice_client):
    Style.objects.filter(slug="neon").update(enabled=False)
    html = alice_client.get(reverse("avatars:new")).content.decode()
    assert 'value="comics"' in html and 'value="zombie"' in html
    assert 'value="neon"' not in html
    assert 'type="file"' in html


def test_creating_needs_login(client):
    response = client.get(reverse("avatars:new"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_creates_an_avatar_and_shows_it(alice_client, alice, selfie_jpeg, run_jobs):
    with run_jobs():
        response = alice_client.post(
            reverse("avatars:new"),
            {"photo": upload(selfie_jpeg), "style": "manga", "engine": "studio"},
        )
    avatar = Avatar.objects.get(owner=alice)
    assert response["Location"] == reverse("avatars:detail", args=[avatar.pk])
    turn = avatar.current_turn
    assert turn.status == Turn.Status.SUCCEEDED
    assert (turn.width, turn.height) == (1024, 1024)
    assert turn.likeness is not None
    html = alice_client.get(response["Location"]).content.decode()
    assert reverse("avatars:turn-image", args=[avatar.pk, turn.pk]) in html
    assert reverse("avatars:source", args=[avatar.pk]) in html
    assert "Download PNG" in html and "WebP" in html
    assert "v1" in html


def test_the_json_client_gets_202_at_once(alice_client, selfie_jpeg):
    response = alice_client.post(
        reverse("avatars:new"),
        {"photo": upload(selfie_jpeg), "style": "comics", "engine": "studio"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 202
    assert response.json()["url"].startswith("/avatars/")


def test_an_unknown_style_is_a_form_error(alice_client, selfie_jpeg):
    response = alice_client.post(
        reverse("avatars:new"), {"photo": upload(selfie_jpeg), "style": "nope", "engine": "studio"}
    )
    assert response.status_code == 400
    assert Avatar.objects.count() == 0


def test_the_list_is_newest_first_and_paginated(alice_client, alice_avatar):
    comics = Style.objects.get(slug="comics")
    for i in range(13):
        Avatar.objects.create(
            owner=alice_avatar.owner,
            style=comics,
            title=f"extra {i}",
            source=alice_avatar.source.name,
        )
    page1 = alice_client.get(reverse("avatars:list")).content.decode()
    assert "extra 12" in page1 and "Page 1 of 2" in page1
    assert page1.index("extra 12") < page1.index("extra 11")
    page2 = alice_client.get(reverse("avatars:list") + "?page=2").content.decode()
    assert "extra 0" in page2


def test_it_deletes_an_avatar_and_its_files(alice_client, alice_avatar, run_jobs):
    files = [
        alice_avatar.source,
        alice_avatar.current_turn.image,
        alice_avatar.current_turn.thumbnail,
    ]
    storage = files[0].storage
    assert all(storage.exists(f.name) for f in files)
    confirm = alice_client.get(reverse("avatars:delete", args=[alice_avatar.pk]))
    assert b"can't be undone" in confirm.content.replace(b"&#x27;", b"'")
    with run_jobs():
        response = alice_client.post(reverse("avatars:delete", args=[alice_avatar.pk]))
    assert response.status_code == 302
    assert not Avatar.objects.filter(pk=alice_avatar.pk).exists()
    assert not Turn.objects.filter(avatar_id=alice_avatar.pk).exists()
    assert not any(storage.exists(f.name) for f in files)


def test_the_status_endpoint_gives_the_snapshot(alice_client, alice_avatar):
    data = alice_client.get(reverse("avatars:status", args=[alice_avatar.pk])).json()
    assert data["type"] == "snapshot"
    (turn,) = data["turns"]
    assert turn["status"] == "succeeded" and turn["percent"] == 100
    assert turn["image"].endswith("image.png")


def test_a_failed_edit_shows_its_message_once_and_says_failed(alice_client, alice_avatar, run_jobs):
    from avatars.services.turns import turn_request_edit

    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction="undo")  # nothing earlier to undo to
    html = alice_client.get(f"/avatars/{alice_avatar.pk}/").content.decode()
    assert html.count("There&#x27;s nothing earlier to undo to.") == 1, "once, not in a card too"
    live = html[html.index('id="live"') : html.index('id="progress-template"')]
    assert "progress-card" not in live  # a finished turn leaves no card behind
    assert 'class="status-failed"' in html
    assert "retry-form" not in html, "retrying can't undo what isn't there"
