"""Profile-picture exports: the avatar page's round and square preview, and one zip of
face-framed squares at the sizes people upload plus a round PNG, on the page and the API."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from tests.conftest import token_client
from tests.moderation_people import moderator_create

pytestmark = pytest.mark.django_db

SIDES = [1024, 512, 400, 256, 128, 64]


def pngs(data: bytes) -> dict[str, Image.Image]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        out = {}
        for name in archive.namelist():
            image = Image.open(io.BytesIO(archive.read(name)))
            image.load()
            out[name] = image
        return out


def check_zip(data: bytes, avatar) -> None:
    files = pngs(data)
    stem = f"pixme-comics-{avatar.pk}-v1"
    squares = [f"{stem}/{stem}-{side}.png" for side in SIDES]
    assert sorted(files) == sorted([*squares, f"{stem}/{stem}-round-1024.png"])
    for side, name in zip(SIDES, squares, strict=True):
        assert files[name].size == (side, side)
        assert files[name].mode == "RGB"
        assert files[name].text["AI-Generated"] == "true"
    round_ = files[f"{stem}/{stem}-round-1024.png"]
    assert (round_.size, round_.mode) == ((1024, 1024), "RGBA")
    assert round_.getpixel((0, 0))[3] == 0  # outside the circle: transparent
    assert round_.getpixel((512, 512))[3] == 255  # the middle: the picture
    assert round_.getpixel((512, 3))[3] > 0  # the circle touches the edge
    assert round_.text["AI-Generated"] == "true"


def test_the_avatar_page_offers_the_preview_and_the_zip(alice_client, alice_avatar):
    turn = alice_avatar.current_turn
    page = alice_client.get(f"/avatars/{alice_avatar.pk}/")
    preview = f"/avatars/{alice_avatar.pk}/v/{turn.pk}/profile-picture.png"
    assert f'src="{preview}"'.encode() in page.content
    assert b'class="round"' in page.content

    image = Image.open(io.BytesIO(b"".join(alice_client.get(preview).streaming_content)))
    assert image.size == (256, 256)

    response = alice_client.get(f"/avatars/{alice_avatar.pk}/v/{turn.pk}/profile-pictures.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    check_zip(b"".join(response.streaming_content), alice_avatar)


def test_the_api_gives_the_same_zip(alice, alice_avatar):
    turn = alice_avatar.current_turn
    response = token_client(alice).get(
        f"/api/avatars/{alice_avatar.pk}/turns/{turn.pk}/profile-pictures.zip"
    )
    assert response.status_code == 200
    check_zip(b"".join(response.streaming_content), alice_avatar)


def test_someone_elses_version_is_not_found(alice_avatar, bob, bob_client):
    turn = alice_avatar.current_turn
    assert (
        bob_client.get(f"/avatars/{alice_avatar.pk}/v/{turn.pk}/profile-pictures.zip").status_code
        == 404
    )
    assert (
        bob_client.get(f"/avatars/{alice_avatar.pk}/v/{turn.pk}/profile-picture.png").status_code
        == 404
    )
    api = token_client(bob)
    url = f"/api/avatars/{alice_avatar.pk}/turns/{turn.pk}/profile-pictures.zip"
    assert api.get(url).status_code == 404


def test_a_hidden_avatar_has_no_profile_pictures(alice, alice_client, alice_avatar):
    from avatars.models import PictureSize
    from avatars.moderation.services import avatar_hide

    avatar_hide(avatar=alice_avatar, moderator=moderator_create(), reason="not ok")
    turn = alice_avatar.current_turn

    page = alice_client.get(f"/avatars/{alice_avatar.pk}/v/{turn.pk}/profile-pictures.zip")
    api = token_client(alice).get(
        f"/api/avatars/{alice_avatar.pk}/turns/{turn.pk}/profile-pictures.zip"
    )

    assert page.status_code == 403
    assert (api.status_code, api.json()["code"]) == (403, "moderated")
    assert not PictureSize.objects.exists()  # nothing was cut
