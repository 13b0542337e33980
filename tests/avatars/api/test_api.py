"""The token API does what the site does: create, watch, edit, revert, download, delete."""

import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from avatars.models import Avatar
from tests.conftest import api_token, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    return client


@pytest.fixture
def bob_api(bob):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(bob)}")
    return client


def test_it_issues_a_token_for_a_password(client, alice):
    response = client.post("/api/token/", {"username": "alice", "password": "alice-Secret-123"})
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_it_needs_a_token(db):
    assert APIClient().get("/api/avatars/").status_code == 401


def test_it_lists_styles_and_engines(api):
    data = api.get("/api/styles/").json()
    assert "comics" in [s["slug"] for s in data["styles"]]
    assert data["engines"] == ["studio"]
    assert [m["engine"] for m in data["models"]] == ["studio"]


def test_it_lists_what_each_gemini_model_accepts(api, settings):
    settings.GEMINI_API_KEY = "test-key"
    data = api.get("/api/styles/").json()
    (gemini,) = [m for m in data["models"] if m["engine"] == "gemini"]
    by_name = {m["name"]: m for m in gemini["models"]}
    assert gemini["default"]["name"] == "gemini-3.1-flash-image"
    assert by_name["gemini-3.1-flash-lite-image"]["image_sizes"] == ["1K"]
    assert "8:1" in by_name["gemini-3.1-flash-image"]["aspect_ratios"]
    assert "8:1" not in by_name["gemini-3-pro-image"]["aspect_ratios"]


def test_create_watch_download_and_delete(api, selfie_jpeg, run_jobs):
    with run_jobs():
        response = api.post(
            "/api/avatars/", {"photo": upload(selfie_jpeg), "style": "zombie"}, format="multipart"
        )
    assert response.status_code == 202
    avatar_id = response.json()["id"]
    data = api.get(f"/api/avatars/{avatar_id}/").json()
    (turn,) = data["turns"]
    assert turn["status"] == "succeeded" and data["current"] == turn["turn"]
    png = api.get(turn["image"].replace("http://testserver", ""))
    with Image.open(io.BytesIO(b"".join(png.streaming_content))) as im:
        assert im.text["Style"] == "zombie"
    assert api.get("/api/avatars/").json()["count"] == 1
    with run_jobs():
        assert api.delete(f"/api/avatars/{avatar_id}/").status_code == 204
    assert not Avatar.objects.exists()


def test_a_bad_upload_is_a_400_with_the_same_message(api):
    response = api.post(
        "/api/avatars/", {"photo": upload(b""), "style": "comics"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This file is empty. Please choose a photo.",
        "code": "bad_image",
    }
    assert not Avatar.objects.exists()


def test_other_users_avatars_are_404(bob_api, alice_avatar):
    t = alice_avatar.current_turn.pk
    for url in (
        f"/api/avatars/{alice_avatar.pk}/",
        f"/api/avatars/{alice_avatar.pk}/turns/{t}/image.png",
    ):
        assert bob_api.get(url).status_code == 404
    assert (
        bob_api.post(
            f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": "add a hat"}, format="json"
        ).status_code
        == 404
    )
    assert bob_api.delete(f"/api/avatars/{alice_avatar.pk}/").status_code == 404


def test_the_profile_can_be_read_and_updated(api):
    response = api.patch("/api/profile/", {"caption": "ALICE", "palette": "#ff0000"}, format="json")
    assert response.status_code == 200
    assert api.get("/api/profile/").json()["caption"] == "ALICE"
    bad = api.patch("/api/profile/", {"palette": "red"}, format="json")
    assert bad.status_code == 400


def test_the_profile_refuses_an_engine_that_is_not_offered(api, alice):
    response = api.patch("/api/profile/", {"default_engine": "nonsense"}, format="json")
    assert response.status_code == 400
    assert "no engine 'nonsense'" in str(response.json())
    alice.profile.refresh_from_db()
    assert alice.profile.default_engine == "studio"


def test_an_oversize_upload_is_a_413_in_the_sites_words(api, alice, selfie_jpeg):
    big = selfie_jpeg + b"\0" * (20 * 1024 * 1024)
    response = api.post(
        "/api/avatars/", {"photo": upload(big), "style": "comics"}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "This file is larger than 15 MB; the limit is 15 MB. "
        "Please choose a smaller photo.",
        "code": "too_large",
    }
    assert not Avatar.objects.exists()


def test_the_default_model_must_be_one_this_site_offers(api, alice):
    response = api.patch("/api/profile/", {"default_model": "bogus<script>"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_option"
    alice.profile.refresh_from_db()
    assert alice.profile.default_model == ""


def test_a_configured_gemini_model_can_be_the_default(api, alice, settings):
    settings.GEMINI_API_KEY = "test-key"
    model = settings.GEMINI_MODELS[0]
    ok = api.patch(
        "/api/profile/", {"default_engine": "gemini", "default_model": model}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["default_model"] == model
    bad = api.patch("/api/profile/", {"default_model": "gemini-0-imaginary"}, format="json")
    assert bad.status_code == 400 and "gemini-0-imaginary" in bad.json()["detail"]
    # Back to the studio: the Gemini model no longer applies.
    back = api.patch("/api/profile/", {"default_engine": "studio"}, format="json")
    assert back.json()["default_model"] == ""


def test_gemini_with_no_models_is_simply_not_offered(api, alice_client, settings):
    settings.GEMINI_API_KEY = "test-key"
    settings.GEMINI_MODELS = []
    assert api.get("/api/styles/").json()["engines"] == ["studio"]
    assert alice_client.get("/avatars/new/").status_code == 200


def test_a_create_says_where_to_follow_it(api, selfie_jpeg):
    response = api.post(
        "/api/avatars/", {"photo": upload(selfie_jpeg), "style": "comics"}, format="multipart"
    )
    assert response.status_code == 202
    avatar_id = response.json()["id"]
    assert response["Location"] == f"http://testserver/api/avatars/{avatar_id}/"
    assert response.json()["turns"][0]["status"] == "queued"


def test_an_edit_answers_with_the_new_version_and_where_to_follow_it(api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/edits/"
    response = api.post(url, {"instruction": "add a hat"}, format="json")
    assert response.status_code == 202
    turn = response.json()
    assert turn["number"] == 2 and turn["parent"] == alice_avatar.current_turn_id
    assert turn["status"] == "queued" and turn["engine"] == "studio"
    assert response["Location"] == f"http://testserver/api/avatars/{alice_avatar.pk}/"


def test_an_edit_needs_words_and_a_token(api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/edits/"
    bad = api.post(url, {}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "instruction: This field is required.",
        "code": "invalid",
        "errors": {"instruction": ["This field is required."]},
    }
    anonymous = APIClient().post(url, {"instruction": "add a hat"}, format="json")
    assert anonymous.status_code == 401
    assert alice_avatar.turns.count() == 1
