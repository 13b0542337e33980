""" "More me ↔ More style" on each version: asked for on create and edit (API and pages), kept
on the version, sent to the engine, refused outside 0-100 with nothing written."""

from __future__ import annotations

import pytest

from avatars.models import Avatar, Turn
from avatars.services.context import turn_render_request
from tests.conftest import token_client, upload

pytestmark = pytest.mark.django_db


def test_a_create_keeps_its_style_strength_and_the_engine_gets_it(alice, selfie_jpeg, run_jobs):
    api = token_client(alice)
    with run_jobs():
        response = api.post(
            "/api/avatars/",
            {"photo": upload(selfie_jpeg), "style": "comics", "style_strength": "20"},
            format="multipart",
        )
    assert response.status_code == 202
    (version,) = api.get(f"/api/avatars/{response.json()['id']}/").json()["turns"]
    assert version["status"] == "succeeded" and version["style_strength"] == 20
    turn = Turn.objects.get(pk=version["turn"])
    assert turn_render_request(turn=turn).style_strength == 20


def test_a_create_without_it_is_drawn_at_50(alice, selfie_jpeg, run_jobs):
    api = token_client(alice)
    with run_jobs():
        response = api.post(
            "/api/avatars/", {"photo": upload(selfie_jpeg), "style": "comics"}, format="multipart"
        )
    (version,) = api.get(f"/api/avatars/{response.json()['id']}/").json()["turns"]
    assert version["style_strength"] == 50


@pytest.mark.parametrize("value", ["101", "-1", "fifty", "5.5", "²"])
def test_it_refuses_a_style_strength_outside_0_to_100_and_writes_nothing(alice, selfie_jpeg, value):
    api = token_client(alice)
    response = api.post(
        "/api/avatars/",
        {"photo": upload(selfie_jpeg), "style": "comics", "style_strength": value},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("invalid", "validation_error") and "0" in body["detail"]
    assert not Avatar.objects.exists() and not Turn.objects.exists()


def test_an_edit_takes_a_style_strength_or_keeps_its_parents(alice, alice_avatar, run_jobs):
    api = token_client(alice)
    with run_jobs():
        first = api.post(
            f"/api/avatars/{alice_avatar.pk}/edits/",
            {"instruction": "make it warmer", "style_strength": 90},
            format="json",
        )
    assert first.status_code == 202 and first.json()["style_strength"] == 90
    with run_jobs():
        second = api.post(
            f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": "add a crown"}, format="json"
        )
    assert second.json()["style_strength"] == 90  # the edited version's own
    edited = Turn.objects.get(pk=second.json()["turn"])
    assert turn_render_request(turn=edited).style_strength == 90


def test_an_edit_refuses_a_style_strength_out_of_range_and_writes_nothing(alice, alice_avatar):
    api = token_client(alice)
    before = Turn.objects.count()
    response = api.post(
        f"/api/avatars/{alice_avatar.pk}/edits/",
        {"instruction": "make it warmer", "style_strength": 150},
        format="json",
    )
    assert response.status_code == 400 and "100" in response.json()["detail"]
    assert Turn.objects.count() == before


def test_the_create_page_has_the_slider_and_posts_it(alice, alice_client, selfie_jpeg, run_jobs):
    page = alice_client.get("/avatars/new/").content.decode()
    assert 'type="range"' in page and "More me" in page and "More style" in page
    with run_jobs():
        response = alice_client.post(
            "/avatars/new/",
            {
                "photo": upload(selfie_jpeg),
                "style": "comics",
                "engine": "studio",
                "style_strength": "0",
            },
        )
    assert response.status_code == 302
    assert Turn.objects.get(avatar__owner=alice).style_strength == 0


def test_the_create_page_refuses_a_bad_strength_in_words_and_writes_nothing(
    alice_client, selfie_jpeg
):
    response = alice_client.post(
        "/avatars/new/",
        {
            "photo": upload(selfie_jpeg),
            "style": "comics",
            "engine": "studio",
            "style_strength": "٣",
        },
    )
    assert response.status_code == 400 and "whole number" in response.content.decode()
    assert not Avatar.objects.exists()


def test_the_edit_form_has_the_slider_and_posts_it(alice_client, alice_avatar, run_jobs):
    page = alice_client.get(f"/avatars/{alice_avatar.pk}/").content.decode()
    assert 'name="style_strength"' in page and 'type="range"' in page
    with run_jobs():
        alice_client.post(
            f"/avatars/{alice_avatar.pk}/edit/",
            {"instruction": "make it warmer", "style_strength": "75"},
        )
    assert alice_avatar.turns.order_by("number").last().style_strength == 75
