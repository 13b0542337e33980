"""The Gemini model table: retired names, per-model limits, a withdrawn model, signed output."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from avatars.engines.base import ModelGone, RenderRequest
from avatars.engines.gemini.engine import GeminiEngine
from avatars.engines.gemini.model_table import MODELS, RETIRED, c2pa_type, replacement
from tests.fakes.gemini_server import C2PA_STORE

pytestmark = pytest.mark.django_db(databases=[])


@pytest.fixture
def engine(gemini_settings) -> GeminiEngine:
    return GeminiEngine()


def test_every_retired_name_leads_to_a_current_model():
    for name in RETIRED:
        assert replacement(name) in MODELS, name
    assert replacement("gemini-2.0-flash-exp") == "gemini-3.1-flash-image"  # via 2.5
    assert replacement("gemini-2.5-flash-image") == "gemini-3.1-flash-image"
    assert replacement("gemini-3-pro-image-preview") == "gemini-3-pro-image"
    assert replacement("gemini-3.1-flash-image-preview") == "gemini-3.1-flash-image"
    assert replacement("gemini-3-pro-image") is None


def test_a_retired_name_is_sent_as_its_replacement_and_logged_once(
    engine, gemini_server, face_photo, caplog
):
    old = "gemini-2.0-flash-preview-image-generation"  # this test's own: logged once a process
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            result = engine.render(RenderRequest(source=face_photo, style_slug="comics", model=old))
            assert result.model == "gemini-3.1-flash-image"
    assert [r.model for r in gemini_server.requests] == ["gemini-3.1-flash-image"] * 2
    told = [r.getMessage() for r in caplog.records if old in r.getMessage()]
    assert told == [
        f"Gemini model {old} is retired; using its replacement gemini-3.1-flash-image. "
        "Update GEMINI_MODELS or the client that asked for it."
    ]


def test_retired_names_in_the_settings_are_read_as_their_replacements(engine, settings):
    settings.GEMINI_MODELS = [
        "gemini-2.5-flash-image",
        "gemini-3.1-flash-image-preview",
        "gemini-3-pro-image-preview",
    ]
    assert engine.models() == ["gemini-3.1-flash-image", "gemini-3-pro-image"]
    assert engine.resolve_model("") == "gemini-3.1-flash-image"


def test_a_retired_name_whose_replacement_isnt_offered_gets_the_default(engine, settings):
    settings.GEMINI_MODELS = ["gemini-3-pro-image"]
    assert engine.resolve_model("gemini-2.5-flash-image") == "gemini-3-pro-image"


def test_a_model_newer_than_the_table_works_with_the_common_limits(
    engine, gemini_server, settings, face_photo
):
    settings.GEMINI_MODELS = ["gemini-4-flash-image"]
    gemini_server.models.append(("gemini-4-flash-image", "Next", ["generateContent"]))
    caps = engine.capabilities("gemini-4-flash-image")
    assert caps["image_sizes"] == ["1K"] and "21:9" in caps["aspect_ratios"]
    result = engine.render(RenderRequest(source=face_photo, style_slug="comics"))
    assert result.model == gemini_server.last.model == "gemini-4-flash-image"


def test_a_withdrawn_model_is_one_request_and_names_the_others(engine, gemini_server, face_photo):
    gemini_server.models = [m for m in gemini_server.models if m[0] != "gemini-3.1-flash-image"]
    with pytest.raises(ModelGone) as caught:
        engine.render(RenderRequest(source=face_photo, style_slug="comics"))
    assert caught.value.message == (
        "The model gemini-3.1-flash-image is no longer available — pick another: "
        "gemini-3-pro-image, gemini-3.1-flash-lite-image."
    )
    assert not caught.value.retryable and caught.value.code == "model_gone"
    assert len(gemini_server.requests) == 1


def test_the_only_model_withdrawn_tells_the_user_an_administrator_knows(
    engine, gemini_server, face_photo, settings
):
    settings.GEMINI_MODELS = ["gemini-3-pro-image"]
    gemini_server.models = []
    with pytest.raises(ModelGone, match="no longer available; an administrator has been told"):
        engine.render(RenderRequest(source=face_photo, style_slug="comics"))


# --- what Google signs --------------------------------------------------------------------


def encoded(fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, fmt, **params)
    return buf.getvalue()


def test_a_c2pa_manifest_is_found_in_png_webp_and_jpeg():
    png = encoded("PNG")
    cabx = len(C2PA_STORE).to_bytes(4, "big") + b"caBX" + C2PA_STORE + b"\0\0\0\0"
    assert c2pa_type(png[:33] + cabx + png[33:]) == "image/png"

    webp = encoded("WEBP")
    chunk = b"C2PA" + len(C2PA_STORE).to_bytes(4, "little") + C2PA_STORE
    chunk += b"\0" * (len(C2PA_STORE) & 1)
    body = webp[8:] + chunk
    assert c2pa_type(b"RIFF" + len(body).to_bytes(4, "little") + body) == "image/webp"

    jpeg = encoded("JPEG")
    # APP11: "JP", instance 1, sequence 1, then the JUMBF box.
    payload = b"JP" + b"\x00\x01" + b"\x00\x00\x00\x01" + C2PA_STORE
    app11 = b"\xff\xeb" + (len(payload) + 2).to_bytes(2, "big") + payload
    assert c2pa_type(jpeg[:2] + app11 + jpeg[2:]) == "image/jpeg"

    for plain in (png, webp, jpeg, b"", b"not an image"):
        assert c2pa_type(plain) is None
