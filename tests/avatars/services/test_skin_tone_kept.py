"""Skin tone per version: measured after it is drawn (its after-work, beside the likeness),
said in the API, and — for a version whose skin drifted in a style that keeps natural colour
— a plain note and a one-click retake that asks for the photo's skin tone."""

from __future__ import annotations

import pytest
from PIL import Image

from avatars.models import Avatar, Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.skin_retake import SKIN_RETAKE_INSTRUCTION
from avatars.skin import TOLERANCE
from bench.skin_tones import TONES, toned
from tests.conftest import encode, token_client, upload

pytestmark = pytest.mark.django_db

LIGHTER = "Your skin came out lighter"


@pytest.fixture(scope="module")
def brown_selfie(face_photo, face_analysis) -> bytes:
    """The astronaut with her skin made brown (bench/skin_tones.py: ITA about −16°), the skin
    Gemini edits have been reported to lighten; the fake's "lighter" answer washes it."""
    tone = {name: lab for name, *lab in TONES}["brown"]
    return encode(toned(face_photo, face_analysis, tuple(tone)), quality=92)


def _versions(alice, avatar: Avatar) -> list[dict]:
    return token_client(alice).get(f"/api/avatars/{avatar.pk}/").json()["turns"]


def test_a_studio_version_keeps_the_photos_skin_and_the_page_says_nothing(
    alice, alice_client, alice_avatar
):
    (version,) = _versions(alice, alice_avatar)
    skin = version["skin_tone"]
    assert set(skin) >= {"delta", "within", "exempt"}
    assert skin["within"] is True and skin["exempt"] is False
    assert 0 <= skin["delta"] <= TOLERANCE
    page = alice_client.get(f"/avatars/{alice_avatar.pk}/").content.decode()
    assert "Your skin came out" not in page and "retake-skin" not in page


def test_a_style_that_changes_colour_on_purpose_is_exempt_and_nothing_is_said(
    alice, alice_client, selfie_jpeg, run_jobs
):
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="zombie")
        )
    (version,) = _versions(alice, avatar)
    assert version["skin_tone"]["exempt"] is True
    page = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    assert "Your skin came out" not in page and "retake-skin" not in page


def test_a_version_without_a_face_has_no_skin_tone(alice, run_jobs):
    plain = encode(Image.linear_gradient("L").convert("RGB").resize((400, 300)))
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(plain), style=Style.objects.get(slug="comics")
        )
    (version,) = _versions(alice, avatar)
    assert version["status"] == "succeeded" and version["skin_tone"] is None


def test_a_gemini_drift_is_told_and_retaken_with_the_photos_skin_tone(
    alice, alice_client, gemini_settings, gemini_server, brown_selfie, run_jobs
):
    gemini_server.script("lighter")
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(brown_selfie),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
        )
    (version,) = _versions(alice, avatar)
    skin = version["skin_tone"]
    assert skin["within"] is False and skin["exempt"] is False and skin["delta"] > TOLERANCE
    assert skin["direction"][0] == "lighter"
    page = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    assert LIGHTER in page and "Retake with my skin tone" in page
    drifted = Turn.objects.get(pk=version["turn"])
    gemini_server.reset()
    with run_jobs():
        response = alice_client.post(f"/avatars/{avatar.pk}/v/{drifted.pk}/retake-skin/")
    assert response.status_code == 302
    retake = avatar.turns.order_by("number").last()
    assert retake.kind == Turn.Kind.EDIT and retake.parent_id == drifted.pk
    assert retake.engine == "gemini" and retake.status == Turn.Status.SUCCEEDED
    # The words reached the model's request: the photo's skin tone asked for, and which way
    # it drifted.
    asked = " ".join(gemini_server.last.texts("user"))
    assert SKIN_RETAKE_INSTRUCTION in asked and "made my skin lighter" in asked


def test_the_api_retakes_a_drifted_version_and_refuses_one_that_kept_its_tone(
    alice, alice_avatar, gemini_settings, gemini_server, brown_selfie, run_jobs
):
    api = token_client(alice)
    (kept,) = alice_avatar.turns.all()
    before = Turn.objects.count()
    refused = api.post(f"/api/avatars/{alice_avatar.pk}/turns/{kept.pk}/retake-skin/")
    assert refused.status_code == 400 and refused.json()["code"] == "not_drifted"
    assert Turn.objects.count() == before
    gemini_server.script("lighter")
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(brown_selfie),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
        )
    drifted = avatar.turns.get()
    with run_jobs():
        answer = api.post(f"/api/avatars/{avatar.pk}/turns/{drifted.pk}/retake-skin/")
    assert answer.status_code == 200
    assert [t["kind"] for t in answer.json()["turns"]] == ["generate", "edit"]


def test_nobody_else_can_retake_your_version(bob_client, alice_avatar):
    (turn,) = alice_avatar.turns.all()
    before = Turn.objects.count()
    response = bob_client.post(f"/avatars/{alice_avatar.pk}/v/{turn.pk}/retake-skin/")
    assert response.status_code == 404 and Turn.objects.count() == before


def test_likeness_words_say_what_was_compared(alice, alice_client, alice_avatar):
    page = alice_client.get(f"/avatars/{alice_avatar.pk}/").content.decode()
    assert "compared with your photo" in page
    (version,) = _versions(alice, alice_avatar)
    assert version["likeness_words"].endswith("likeness, compared with your photo")
