"""The profile page's identity photos: shown, added, replaced and deleted; the guided
capture's steps ask for the angles still missing."""

from __future__ import annotations

import pytest

from avatars.identity_photos.services import MAX_PHOTOS, identity_photo_create
from avatars.models import IdentityPhoto
from tests.conftest import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


def test_the_profile_shows_the_section_and_the_steps(alice_client):
    page = alice_client.get("/accounts/profile/").content.decode()
    assert 'id="identity-photos"' in page and "No identity photos yet" in page
    assert 'data-steps="front,left,right,smile,other"' in page
    assert "js/identity-photos.js" in page


def test_it_adds_a_photo_and_asks_for_the_angles_left(alice, alice_client, front_jpeg):
    response = alice_client.post(
        "/accounts/profile/identity-photos/", {"photo": upload(front_jpeg), "angle": "front"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#identity-photos")
    photo = IdentityPhoto.objects.get(owner=alice)
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "Identity photo added (facing the camera)." in page
    assert f"/accounts/profile/identity-photos/{photo.pk}.jpg" in page
    assert 'data-steps="left,right,smile,other"' in page
    shown = alice_client.get(f"/accounts/profile/identity-photos/{photo.pk}.jpg")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"


def test_a_wrong_angle_is_refused_saying_what_to_change(alice, alice_client, front_jpeg):
    response = alice_client.post(
        "/accounts/profile/identity-photos/",
        {"photo": upload(front_jpeg), "angle": "right"},
        follow=True,
    )
    assert "That photo wasn&#x27;t kept: Turn your head a little to your right" in (
        response.content.decode()
    )
    assert not IdentityPhoto.objects.exists()


def test_it_replaces_and_deletes(alice, alice_client, front_jpeg, run_jobs):
    first = identity_photo_create(owner=alice, upload=upload(front_jpeg), angle="front")
    alice_client.post(
        "/accounts/profile/identity-photos/",
        {"photo": upload(front_jpeg), "angle": "front", "replaces": first.pk},
    )
    second = IdentityPhoto.objects.get(owner=alice)
    assert second.pk != first.pk
    with run_jobs():
        alice_client.post(f"/accounts/profile/identity-photos/{second.pk}/delete/")
    assert not IdentityPhoto.objects.exists()


def test_when_full_the_page_says_so(alice, alice_client, front_jpeg):
    for _ in range(MAX_PHOTOS):
        identity_photo_create(owner=alice, upload=upload(front_jpeg), angle="front")
    page = alice_client.get("/accounts/profile/").content.decode()
    assert 'id="identity-full"' in page and 'id="identity-upload"' not in page


def test_bob_can_neither_see_nor_delete_alices(alice, bob_client, front_jpeg):
    photo = identity_photo_create(owner=alice, upload=upload(front_jpeg), angle="front")
    assert bob_client.get(f"/accounts/profile/identity-photos/{photo.pk}.jpg").status_code == 404
    response = bob_client.post(f"/accounts/profile/identity-photos/{photo.pk}/delete/")
    assert response.status_code == 404
    assert IdentityPhoto.objects.filter(pk=photo.pk).exists()
