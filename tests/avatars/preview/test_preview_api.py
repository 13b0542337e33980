"""POST /api/preview/: the studio's quick look at a style and a style strength, from a photo
or one of your avatars, before anything is spent."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from avatars.models import Avatar, Turn
from tests.conftest import encode, token_client, upload

pytestmark = pytest.mark.django_db


def _picture(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def test_it_previews_a_photo_small_with_its_likeness(alice, selfie_jpeg):
    response = token_client(alice).post(
        "/api/preview/",
        {"photo": upload(selfie_jpeg), "style": "comics", "style_strength": 30},
        format="multipart",
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    picture = _picture(response)
    assert picture.format == "WEBP" and max(picture.size) <= 256
    # A distance was measured (a 256 px drawing reads less alike than the avatar will at full
    # size: README, "Style strength").
    assert 0 < float(response["X-Pixme-Likeness"]) < 1.5
    assert response["X-Pixme-Likeness-Words"].endswith("compared with your photo")
    assert response["X-Pixme-Preview"] == "studio"
    assert not Avatar.objects.exists() and not Turn.objects.exists()  # nothing spent


def test_the_preview_changes_with_the_style_strength(alice, alice_avatar):
    api = token_client(alice)
    low, high = (
        api.post(
            "/api/preview/",
            {"avatar": alice_avatar.pk, "style": "pop-art", "style_strength": s},
            format="multipart",
        )
        for s in (0, 100)
    )
    assert low.status_code == high.status_code == 200
    assert low.content != high.content


def test_it_previews_your_own_avatar_and_nobody_elses(alice, bob, alice_avatar):
    turns = Turn.objects.count()
    mine = token_client(alice).post(
        "/api/preview/", {"avatar": alice_avatar.pk, "style": "anime"}, format="multipart"
    )
    assert mine.status_code == 200 and max(_picture(mine).size) <= 256
    theirs = token_client(bob).post(
        "/api/preview/", {"avatar": alice_avatar.pk, "style": "anime"}, format="multipart"
    )
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    assert Turn.objects.count() == turns


def test_with_gemini_chosen_it_says_it_is_the_studios_approximation(alice, alice_avatar):
    response = token_client(alice).post(
        "/api/preview/",
        {"avatar": alice_avatar.pk, "style": "comics", "engine": "gemini"},
        format="multipart",
    )
    assert response["X-Pixme-Preview"] == "studio-approximation"


@pytest.mark.parametrize("strength", ["101", "-3", "lots"])
def test_it_refuses_a_style_strength_outside_0_to_100(alice, alice_avatar, strength):
    turns = Turn.objects.count()
    response = token_client(alice).post(
        "/api/preview/",
        {"avatar": alice_avatar.pk, "style": "comics", "style_strength": strength},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["detail"]
    assert Turn.objects.count() == turns and Avatar.objects.count() == 1


def test_it_checks_a_photo_like_any_upload_and_keeps_nothing(alice):
    response = token_client(alice).post(
        "/api/preview/",
        {"photo": upload(b"not a picture at all", name="x.jpg"), "style": "comics"},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_image"
    assert not Avatar.objects.exists()


def test_it_needs_a_photo_or_an_avatar(alice):
    response = token_client(alice).post("/api/preview/", {"style": "comics"}, format="multipart")
    assert response.status_code == 400 and "photo" in response.json()["detail"]
    assert not Avatar.objects.exists() and not Turn.objects.exists()


def test_a_photo_without_a_face_is_previewed_without_a_likeness(alice):
    plain = encode(Image.linear_gradient("L").convert("RGB").resize((400, 300)))
    response = token_client(alice).post(
        "/api/preview/", {"photo": upload(plain), "style": "comics"}, format="multipart"
    )
    assert response.status_code == 200
    assert response["X-Pixme-Likeness"] == "none"
    assert response["X-Pixme-Likeness-Words"] == "no face found"


def test_it_is_rate_limited_per_account(alice, alice_avatar, settings):
    settings.PIXME_PREVIEW_RATE = "2/min"
    api = token_client(alice)
    answers = [
        api.post(
            "/api/preview/", {"avatar": alice_avatar.pk, "style": "comics"}, format="multipart"
        ).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]


def test_it_needs_a_signed_in_user(client, alice_avatar):
    response = client.post("/api/preview/", {"avatar": alice_avatar.pk, "style": "comics"})
    assert response.status_code in (401, 403)


def test_the_frames_of_a_drag_can_leave_the_likeness_out(alice, alice_avatar):
    response = token_client(alice).post(
        "/api/preview/",
        {"avatar": alice_avatar.pk, "style": "comics", "style_strength": 70, "likeness": "false"},
        format="multipart",
    )
    assert response.status_code == 200 and max(_picture(response).size) <= 256
    assert response["X-Pixme-Likeness"] == "unmeasured"
    assert response["X-Pixme-Likeness-Words"] == ""
