"""Gemini through the whole site: the real google-genai client against the fake server."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from avatars.engines.gemini.model_table import c2pa_type
from avatars.models import Avatar, Style, Turn
from avatars.provenance.verify import verify
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_request_edit
from tests.conftest import Listener, api_token, upload
from tests.fakes.fixtures import TEST_API_KEY
from tests.fakes.gemini_server import b64decode_any

pytestmark = pytest.mark.django_db


def test_create_page_offers_gemini_only_when_configured(alice_client, settings, gemini_settings):
    page = alice_client.get("/avatars/new/").content.decode()
    assert 'value="gemini"' in page and "gemini-3.1-flash-image" in page
    settings.GEMINI_API_KEY = ""
    page = alice_client.get("/avatars/new/").content.decode()
    assert 'value="gemini"' not in page


def page_options(page: str) -> dict:
    found = re.search(r'<script id="model-options" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


def test_create_page_knows_what_each_model_accepts(alice_client, gemini_settings):
    page = alice_client.get("/avatars/new/").content.decode()
    options = page_options(page)["gemini"]
    assert list(options) == [
        "",
        "gemini-3.1-flash-image",
        "gemini-3-pro-image",
        "gemini-3.1-flash-lite-image",
    ]
    assert options["gemini-3.1-flash-lite-image"]["image_sizes"] == ["1K"]
    assert options["gemini-3-pro-image"]["image_sizes"] == ["1K", "2K", "4K"]
    assert "8:1" in options["gemini-3.1-flash-lite-image"]["aspect_ratios"]
    assert "8:1" not in options["gemini-3-pro-image"]["aspect_ratios"]
    assert options[""] == options["gemini-3.1-flash-image"]  # the default
    assert '<option value="8:1">' in page and '<option value="4K">' in page
    assert "js/model-options.js" in page


@pytest.mark.parametrize(
    ("model", "option", "says"),
    [
        (
            "gemini-3.1-flash-lite-image",
            {"image_size": "2K"},
            "gemini-3.1-flash-lite-image can't draw at 2K. It offers: 1K.",
        ),
        ("gemini-3-pro-image", {"aspect_ratio": "1:8"}, "gemini-3-pro-image can't draw a 1:8"),
    ],
)
def test_page_and_api_refuse_what_the_model_cant_do_before_sending(
    alice, alice_client, gemini_settings, gemini_server, selfie_jpeg, model, option, says
):
    post = {"photo": upload(selfie_jpeg), "style": "comics", "engine": "gemini", "model": model}
    response = alice_client.post("/avatars/new/", {**post, **option})
    assert response.status_code == 400
    assert says in response.content.decode().replace("&#x27;", "'")

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    post["photo"] = upload(selfie_jpeg)
    response = api.post("/api/avatars/", {**post, **option}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_option" and says in response.json()["detail"]

    assert not Avatar.objects.exists() and not gemini_server.requests


def test_lite_draws_an_extreme_shape_at_1k(
    alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            model="gemini-3.1-flash-lite-image",
            aspect_ratio="1:4",
            image_size="1K",
        )
    turn = Avatar.objects.get(pk=avatar.pk).current_turn
    assert turn.status == Turn.Status.SUCCEEDED and turn.width * 4 == turn.height
    assert gemini_server.last.model == "gemini-3.1-flash-lite-image"
    assert gemini_server.last.image_config == {"aspectRatio": "1:4", "imageSize": "1K"}


def test_retired_names_still_work_for_new_and_old_versions(
    alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            model="gemini-2.5-flash-image",  # shut down on 2 October 2026
        )
    v1 = Avatar.objects.get(pk=avatar.pk).current_turn
    assert v1.status == Turn.Status.SUCCEEDED and v1.model == "gemini-3.1-flash-image"
    assert gemini_server.last.model == "gemini-3.1-flash-image"
    # A version drawn before the preview ended: its edits go to the stable model.
    Turn.objects.filter(pk=v1.pk).update(model="gemini-3-pro-image-preview")
    with run_jobs():
        edit = turn_request_edit(avatar=avatar, instruction="add a hat")
    edit.refresh_from_db()
    assert edit.status == Turn.Status.SUCCEEDED, edit.error_message
    assert edit.model == "gemini-3-pro-image"
    assert [r.model for r in gemini_server.requests] == [
        "gemini-3.1-flash-image",
        "gemini-3-pro-image",
    ]


def test_a_model_google_withdrew_fails_once_and_says_pick_another(
    alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs, caplog
):
    gemini_server.models = [m for m in gemini_server.models if m[0] != "gemini-3-pro-image"]
    with run_jobs(), caplog.at_level(logging.WARNING):
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            model="gemini-3-pro-image",
        )
    turn = Turn.objects.get(avatar=avatar)
    assert turn.status == Turn.Status.FAILED
    assert turn.error_code == "model_gone"
    assert turn.error_message == (
        "The model gemini-3-pro-image is no longer available — pick another: "
        "gemini-3.1-flash-image, gemini-3.1-flash-lite-image."
    )
    assert turn.attempts == 1, "a configuration failure is not retried"
    assert len(gemini_server.requests) == 1, "one request: the SDK didn't retry either"
    (logged,) = [r for r in caplog.records if "is gone" in r.getMessage()]
    assert logged.levelno == logging.ERROR
    assert "gemini-3-pro-image" in logged.getMessage()
    assert "is not found for API version" in logged.getMessage()
    assert TEST_API_KEY not in caplog.text

    # The operator reads the model and what users are offered on the turn in the admin.
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root-Pw-123")
    operator = Client()
    operator.force_login(admin)
    page = operator.get(f"/admin/avatars/turn/{turn.pk}/change/").content.decode()
    assert "model_gone" in page and "gemini-3-pro-image is no longer available" in page


def test_a_signed_image_keeps_google_s_credentials_inside_ours(
    alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    gemini_server.script("signed")
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            model="gemini-3.1-flash-lite-image",
        )
    turn = Avatar.objects.get(pk=avatar.pk).current_turn
    sent = gemini_server.last.answered_image
    with turn.image.open("rb") as fh:
        stored = fh.read()
    assert c2pa_type(sent) == "image/png"
    # Not re-encoded: Google's file, its pixels and labels as they came, now carrying our
    # signed manifest, with Google's file kept inside it as a component.
    assert turn.signed
    credentials = verify(stored, mime="image/png")
    assert credentials.verdict == "trusted"
    (link,) = credentials.chain
    assert link.actions == ["c2pa.created"] and link.render["engine"] == "gemini"
    assert link.render["model"] == "gemini-3.1-flash-lite-image"
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(sent)).tobytes()
    # An unsigned reply is stored as our own PNG with its AI-generated labels, and signed.
    with run_jobs():
        edit = turn_request_edit(avatar=avatar, instruction="add a hat")
    edit.refresh_from_db()
    with edit.image.open("rb") as fh:
        own = fh.read()
    assert own != gemini_server.last.answered_image and b"AI-Generated" in own
    chain = verify(own, mime="image/png").chain
    assert [link.actions[0] for link in chain] == ["c2pa.opened", "c2pa.created"]


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
    # The likeness comes after "done": the picture is shown before it is measured.
    assert kinds[-2:] == ["done", "likeness"] and "text" in kinds
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
        assert [e["type"] for e in events][-2:] == ["done", "likeness"]
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
