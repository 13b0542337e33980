"""``GET/POST /api/identity-photos/`` and ``DELETE /api/identity-photos/<id>/``: each photo
checked like any upload and as an identity photo, at most five, only the owner's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from avatars.identity_photos.services import MAX_PHOTOS, identity_photo_create
from avatars.models import IdentityPhoto
from avatars.moderation.services import user_suspend
from pixme.errors import ApplicationError
from tests.conftest import token_client, upload
from tests.moderation_people import moderator_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


def stored_files() -> set[str]:
    return {str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def post(api, data: bytes, **fields):
    return api.post("/api/identity-photos/", {"photo": upload(data), **fields}, format="multipart")


def test_it_keeps_a_front_photo(alice, front_jpeg):
    api = token_client(alice)
    response = post(api, front_jpeg, angle="front")
    assert response.status_code == 201, response.json()
    body = response.json()
    photo = IdentityPhoto.objects.get(owner=alice)
    assert body["id"] == photo.pk and body["angle"] == "front"
    assert body["angle_name"] == "Facing the camera"
    assert abs(body["seen"]["yaw"]) < 12
    assert photo.faces["embedding"] and len(photo.faces["faces"]) == 1
    listed = api.get("/api/identity-photos/").json()
    assert [p["id"] for p in listed] == [photo.pk]
    picture = api.get(body["url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"


def test_without_an_angle_it_keeps_the_angle_seen(alice, front_jpeg):
    response = post(token_client(alice), front_jpeg)
    assert response.status_code == 201
    assert response.json()["angle"] in ("front", "smile")


def test_it_turns_the_photo_upright_and_keeps_no_metadata(alice, astronaut_512):
    # A phone's photo: stored on its side, with the turn and a place in its EXIF.
    sideways = astronaut_512.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    sideways.save(buf, "JPEG", quality=92, exif=exif)

    response = post(token_client(alice), buf.getvalue(), angle="front")

    assert response.status_code == 201, response.json()
    photo = IdentityPhoto.objects.get(owner=alice)
    with photo.photo.open("rb") as fh:
        kept = Image.open(io.BytesIO(fh.read()))
    assert kept.format == "JPEG" and kept.size == astronaut_512.size
    assert not kept.getexif() and "exif" not in kept.info and "icc_profile" not in kept.info


def test_a_photo_without_a_face_is_refused_in_words(alice, no_face_jpeg):
    response = post(token_client(alice), no_face_jpeg, angle="front")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "We can't find a face: face the camera, in good light.",
        "code": "no_face",
    }
    assert not IdentityPhoto.objects.exists() and stored_files() == set()


def test_a_photo_at_the_wrong_angle_is_refused_saying_how_to_turn(alice, front_jpeg):
    response = post(token_client(alice), front_jpeg, angle="left")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Turn your head a little to your left, about a third of the way.",
        "code": "bad_photo",
    }
    assert not IdentityPhoto.objects.exists() and stored_files() == set()


def test_a_file_that_is_no_photo_is_refused_like_any_upload(alice):
    response = post(token_client(alice), b"not a picture at all", angle="front")
    assert response.status_code == 400 and response.json()["code"] == "bad_image"
    assert not IdentityPhoto.objects.exists() and stored_files() == set()


def test_an_unknown_angle_is_refused(alice, front_jpeg):
    response = post(token_client(alice), front_jpeg, angle="upside-down")
    assert response.status_code == 400 and "angle" in response.json()["detail"]
    assert not IdentityPhoto.objects.exists()


def test_a_sixth_photo_is_refused_with_too_many(alice, front_jpeg):
    api = token_client(alice)
    for _ in range(MAX_PHOTOS):
        assert post(api, front_jpeg, angle="front").status_code == 201
    before = stored_files()

    response = post(api, front_jpeg, angle="front")

    assert response.status_code == 400 and response.json()["code"] == "too_many"
    assert "delete or replace one" in response.json()["detail"]
    assert IdentityPhoto.objects.filter(owner=alice).count() == MAX_PHOTOS
    assert stored_files() == before


def test_a_photo_is_replaced_in_its_place(alice, front_jpeg, no_face_jpeg):
    api = token_client(alice)
    for _ in range(MAX_PHOTOS):
        first = post(api, front_jpeg, angle="front").json()
    refused = post(api, no_face_jpeg, angle="front", replaces=first["id"])
    assert refused.status_code == 400 and refused.json()["code"] == "no_face"
    assert IdentityPhoto.objects.filter(pk=first["id"]).exists()  # kept while refused
    response = post(api, front_jpeg, angle="front", replaces=first["id"])
    assert response.status_code == 201
    assert IdentityPhoto.objects.filter(owner=alice).count() == MAX_PHOTOS
    assert not IdentityPhoto.objects.filter(pk=first["id"]).exists()


def test_it_deletes_a_photo_and_its_file(alice, front_jpeg, run_jobs):
    api = token_client(alice)
    photo_id = post(api, front_jpeg, angle="front").json()["id"]
    assert stored_files()
    with run_jobs():  # the file goes once the deletion is committed
        response = api.delete(f"/api/identity-photos/{photo_id}/")
    assert response.status_code == 204
    assert not IdentityPhoto.objects.exists() and stored_files() == set()


def test_it_checks_ownership(alice, bob, front_jpeg):
    photo_id = post(token_client(alice), front_jpeg, angle="front").json()["id"]
    bobs = token_client(bob)
    assert bobs.get("/api/identity-photos/").json() == []
    assert bobs.delete(f"/api/identity-photos/{photo_id}/").status_code == 404
    assert bobs.get(f"/api/identity-photos/{photo_id}/photo.jpg").status_code == 404
    response = post(bobs, front_jpeg, angle="front", replaces=photo_id)
    assert response.status_code == 404
    assert IdentityPhoto.objects.filter(owner=alice).count() == 1
    assert not IdentityPhoto.objects.filter(owner=bob).exists()
    assert token_client(alice).delete(f"/api/identity-photos/{2**63}/").status_code == 404


def test_it_needs_a_signed_in_client(client):
    assert client.get("/api/identity-photos/").status_code in (401, 403)


def test_a_suspended_user_cannot_add_one(alice, alice_client, front_jpeg):
    api = token_client(alice)
    user_suspend(user=alice, moderator=moderator_create(), reason="Spam in shared avatars.")
    # Signed out everywhere (her tokens stop, her session ends) — and the service says why.
    assert post(api, front_jpeg).status_code == 401
    page = alice_client.post("/accounts/profile/identity-photos/", {"photo": upload(front_jpeg)})
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    with pytest.raises(ApplicationError) as refused:
        identity_photo_create(owner=alice, upload=upload(front_jpeg), angle="front")
    assert refused.value.code == "suspended"
    assert "you can't add identity photos" in refused.value.message
    assert not IdentityPhoto.objects.exists() and stored_files() == set()
