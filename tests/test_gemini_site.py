"""Gemini through the whole site: the real google-genai client against the fake server."""

from __future__ import annotations

import pytest

from avatars.models import Avatar, Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_request_edit
from tests.conftest import Listener, upload
from tests.fakes.fixtures import TEST_API_KEY
from tests.fakes.gemini_server import b64decode_any

pytestmark = pytest.mark.django_db


def test_create_page_offers_gemini_only_when_configured(alice_client, settings, gemini_settings):
    page = alice_client.get("/avatars/new/").content.decode()
    assert 'value="gemini"' in page and "gemini-2.5-flash-image" in page
    settings.GEMINI_API_KEY = ""
    page = alice_client.get("/avatars/new/").content.decode()
    assert 'value="gemini"' not in page


def test_create_and_two_edits_through_the_site(
    alice_client, alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    profile = alice.profile
    profile.display_name = "Captain Alice"
    profile.backstory = "Flew the shuttle twice. " * 50
    profile.caption = "ALICE"
    profile.save()
    with run_jobs():
        response = alice_client.post(
            "/avatars/new/",
            {
                "photo": upload(selfie_jpeg),
                "style": "comics",
                "engine": "gemini",
                "model": "gemini-3.1-flash-image",
                "aspect_ratio": "3:4",
                "image_size": "2K",
            },
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 202, response.content
        avatar_id = response.json()["avatar"]
        listener = Listener(avatar_id)
    events = listener.drain()
    v1 = Turn.objects.get(avatar_id=avatar_id, number=1)
    assert v1.status == Turn.Status.SUCCEEDED, v1.error_message
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "done" and "text" in kinds
    stages = [e["stage"] for e in events if e["type"] == "progress"]
    assert {"sending", "drawing", "received"} <= set(stages)
    streamed = "".join(e["delta"] for e in events if e["type"] == "text")
    assert streamed and streamed == v1.model_text
    request = gemini_server.last
    assert "Captain Alice" in request.system_text and "ALICE" in request.system_text
    assert request.image_config == {"aspectRatio": "3:4", "imageSize": "2K"}
    assert request.headers["x-goog-api-key"] == TEST_API_KEY
    assert v1.model == "gemini-3.1-flash-image"
    assert v1.usage["prompt_tokens"] > 0 and v1.usage["latency_ms"] > 0
    assert v1.model_content and v1.likeness is not None

    for instruction in ("add round glasses", "make the lighting warmer"):
        with run_jobs():
            response = alice_client.post(
                f"/avatars/{avatar_id}/edit/",
                {"instruction": instruction},
                HTTP_ACCEPT="application/json",
            )
            assert response.status_code == 202, response.content
        events = listener.drain()
        assert [e["type"] for e in events][-1] == "done"
        assert any(e["type"] == "text" for e in events)
    turns = list(Turn.objects.filter(avatar_id=avatar_id).order_by("number"))
    assert [t.status for t in turns] == [Turn.Status.SUCCEEDED] * 3
    assert Avatar.objects.get(pk=avatar_id).current_turn_id == turns[2].pk
    # The last request carried the whole conversation, with the model's signatures intact.
    last = gemini_server.last
    user_texts = " ".join(last.texts("user"))
    assert "add round glasses" in user_texts and "make the lighting warmer" in user_texts
    sent_signatures = [
        b64decode_any(p["thoughtSignature"])
        for c in last.contents
        if c["role"] == "model"
        for p in c["parts"]
        if p.get("thoughtSignature")
    ]
    # (The SDK re-encodes them URL-safe: compare the bytes.)
    answered = [b64decode_any(s) for r in gemini_server.requests[:-1] for s in r.signatures]
    assert set(answered) <= set(sent_signatures)
    assert len(last.images) >= 2, "the selfie and the edited version"


FAILURES = [
    ("429", {"retry_delay": "7s"}, "rate_limited", "busy right now; try again in 7 seconds"),
    ("500", {}, "unavailable", "Gemini is having trouble right now."),
    ("safety", {}, "blocked", "The model declined this request; try rephrasing it."),
    ("no_image", {}, "blocked", "The model declined this request; try rephrasing it."),
    ("bad_key", {}, "misconfigured", "isn't set up correctly"),
]


@pytest.mark.parametrize(("behaviour", "options", "code", "message"), FAILURES)
def test_each_failure_ends_as_a_failed_turn_and_keeps_earlier_versions(
    alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs, behaviour, options, code, message
):
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="manga"),
            engine="gemini",
        )
    avatar.refresh_from_db()
    v1 = avatar.current_turn
    assert v1.status == Turn.Status.SUCCEEDED
    gemini_server.script(behaviour, times=20, **options)
    with run_jobs():
        edit = turn_request_edit(avatar=avatar, instruction="add a hat")
    edit.refresh_from_db()
    assert edit.status == Turn.Status.FAILED
    assert edit.error_code == code
    assert message in edit.error_message
    assert TEST_API_KEY not in edit.error_message
    assert edit.flagged == (code == "blocked")
    if code in ("rate_limited", "unavailable"):
        assert edit.attempts == 3, "transient failures are retried"
    else:
        assert edit.attempts == 1, "permanent failures are not"
    avatar.refresh_from_db()
    assert avatar.current_turn_id == v1.pk and v1.image.storage.exists(v1.image.name)


def test_the_daily_quota_refuses_politely(alice, alice_client, gemini_settings, selfie_jpeg):
    gemini_settings.PIXME_DAILY_QUOTA = 1
    post = {"photo": None, "style": "comics", "engine": "gemini"}
    post["photo"] = upload(selfie_jpeg)
    assert alice_client.post("/avatars/new/", post).status_code == 302
    post["photo"] = upload(selfie_jpeg)
    response = alice_client.post("/avatars/new/", post)
    assert response.status_code == 400
    assert "used your 1 gemini generations for today" in response.content.decode()
    # A profile may be given more, and the studio is never counted.
    alice.profile.daily_quota = 5
    alice.profile.save()
    post["photo"] = upload(selfie_jpeg)
    assert alice_client.post("/avatars/new/", post).status_code == 302
    post.update(engine="studio", photo=upload(selfie_jpeg))
    assert alice_client.post("/avatars/new/", post).status_code == 302
