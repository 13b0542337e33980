"""The /verify/ page, POST /api/verify/ and manage.py pixme_verify: the same check, three ways."""

import html
import io
import os

import pytest
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from avatars.provenance.services import sign
from tests.avatars.provenance.test_provenance import RENDER, chain_of_three, picture
from tests.conftest import encode, upload


@pytest.fixture
def edited_file() -> bytes:
    return chain_of_three()[-1]


def test_anyone_can_check_a_file_on_the_page(client, db, edited_file):
    response = client.post("/verify/", {"file": upload(edited_file, "v3.png", "image/png")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Signed by Pix Me!" in page
    assert page.index("version 3") < page.index("version 2") < page.index("version 1")
    assert "Created by a trained model (AI)" in page


def test_the_page_says_exactly_why_not(client, db, edited_file):
    resaved = io.BytesIO()
    Image.open(io.BytesIO(edited_file)).save(resaved, "PNG")
    response = client.post("/verify/", {"file": upload(resaved.getvalue(), "x.png", "image/png")})
    assert response.status_code == 200
    assert "No Content Credentials" in response.content.decode()


def test_the_page_refuses_a_hostile_file_like_an_upload(client, db):
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)
    response = client.post("/verify/", {"file": upload(bomb, "bomb.png", "image/png")})
    assert response.status_code == 400
    assert "the limit is 40 megapixels" in response.content.decode()
    response = client.post("/verify/", {"file": upload(b"%PDF-1.4 not an image", "a.png")})
    assert response.status_code == 400
    assert "isn't a photo we can read" in html.unescape(response.content.decode())


def test_the_api_answers_the_same(db, edited_file):
    response = APIClient().post(
        "/api/verify/", {"file": upload(edited_file, "v3.png", "image/png")}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "trusted" and body["valid"] is True
    assert [link["actions"][0] for link in body["chain"]] == [
        "c2pa.opened",
        "c2pa.opened",
        "c2pa.created",
    ]
    assert body["chain"][0]["render"] == RENDER


def test_the_api_refuses_a_non_image_in_the_error_shape(db):
    response = APIClient().post(
        "/api/verify/", {"file": upload(b"hello", "a.png", "image/png")}, format="multipart"
    )
    assert response.status_code == 400
    assert "isn't a photo we can read" in response.json()["detail"]


def test_the_command_exits_0_only_for_a_valid_manifest(tmp_path, db, edited_file, capsys):
    good = tmp_path / "good.png"
    good.write_bytes(edited_file)
    call_command("pixme_verify", str(good))
    assert "TRUSTED" in capsys.readouterr().out

    plain = tmp_path / "plain.png"
    plain.write_bytes(picture(9))
    with pytest.raises(SystemExit) as exit_:
        call_command("pixme_verify", str(plain))
    assert exit_.value.code == 1

    altered = bytearray(sign(picture(8), mime="image/png", title="t", render=RENDER))
    altered[altered.index(b"IDAT") + 100] ^= 0xFF
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(altered))
    with pytest.raises(SystemExit) as exit_:
        call_command("pixme_verify", str(bad))
    assert exit_.value.code == 1
    assert "ALTERED" in capsys.readouterr().out
    assert os.path.exists(good)


def test_the_api_refuses_an_oversize_file_in_the_sites_words(db, edited_file):
    big = edited_file + b"\0" * (20 * 1024 * 1024)
    response = APIClient().post(
        "/api/verify/", {"file": upload(big, "big.png", "image/png")}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "the limit is 15 MB" in response.json()["detail"]


def test_checking_is_rate_limited_per_address_on_the_page_and_the_api(
    client, db, settings, edited_file
):
    settings.PIXME_VERIFY_RATE = "2/min"
    for _ in range(2):
        response = client.post("/verify/", {"file": upload(edited_file, "v.png", "image/png")})
        assert response.status_code == 200
    refused = client.post("/verify/", {"file": upload(edited_file, "v.png", "image/png")})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "checked many files just now" in html.unescape(refused.content.decode())
    api = APIClient().post(
        "/api/verify/", {"file": upload(edited_file, "v.png", "image/png")}, format="multipart"
    )
    assert api.status_code == 429 and api.json()["code"] == "throttled"


def test_a_versions_and_a_shared_links_credentials_count_like_any_check(
    alice_client, alice_avatar, client, settings
):
    """Each credentials page reads a stored file's manifest: the same per-address limit."""
    from avatars.sharing.services import avatar_share

    avatar_share(avatar=alice_avatar)
    turn = alice_avatar.current_turn_id
    settings.PIXME_VERIFY_RATE = "2/min"
    own = f"/avatars/{alice_avatar.pk}/v/{turn}/credentials/"
    shared = f"/s/{alice_avatar.share_token}/credentials/"
    assert alice_client.get(own).status_code == 200
    assert client.get(shared).status_code == 200
    for refused in (alice_client.get(own), client.get(shared)):
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Please try again in" in html.unescape(refused.content.decode())
