"""The Gemini engine with the real google-genai client against the fake Gemini server."""

from __future__ import annotations

import base64
import io
import json
import logging

import numpy as np
import pytest
from PIL import Image

from avatars.engines.base import (
    BadRequest,
    Blocked,
    HistoryItem,
    Misconfigured,
    ProfileContext,
    RateLimited,
    RenderRequest,
    Unavailable,
)
from avatars.engines.gemini.conversation import encode_image
from avatars.engines.gemini.engine import GeminiEngine
from avatars.engines.gemini.model_table import nearest_aspect_ratio
from tests.fakes.fixtures import TEST_API_KEY
from tests.fakes.gemini_server import b64decode_any

pytestmark = pytest.mark.django_db(databases=[])

BACKSTORY = ("Grew up by the sea, fixes old radios and collects maps. " * 400)[:20_000]
PROFILE = ProfileContext(
    display_name="Captain Eileen",
    backstory=BACKSTORY,
    palette=("#1d3557", "#e63946", "#f1faee"),
    traits="always wears round glasses",
    caption="Ad astra",
)


class Recorder:
    def __init__(self):
        self.calls: list[tuple] = []

    def __call__(self, stage, percent, message=None, text_delta=None):
        self.calls.append((stage, percent, message, text_delta))

    @property
    def deltas(self) -> list[str]:
        return [c[3] for c in self.calls if c[3]]


@pytest.fixture
def engine(gemini_settings) -> GeminiEngine:
    return GeminiEngine()


def make_request(source, **kwargs) -> RenderRequest:
    kwargs.setdefault("style_slug", "comics")
    kwargs.setdefault("style_prompt", "A classic comic-book panel of {name}.")
    kwargs.setdefault("profile", PROFILE)
    return RenderRequest(source=source, **kwargs)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def noise(side: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8))


# --- what goes out ----------------------------------------------------------------------------


def test_system_instruction_carries_the_whole_profile(engine, gemini_server, face_photo):
    engine.render(make_request(face_photo))
    system = gemini_server.last.system_text
    assert "Captain Eileen" in system
    assert BACKSTORY.strip() in system  # the whole backstory, not a cut
    for colour in PROFILE.palette:
        assert colour in system
    assert "always wears round glasses" in system
    assert "Letter the caption “Ad astra” onto the image" in system
    assert "recognisable" in system
    # the style prompt, with {name} filled in, is in the user's turn
    assert "A classic comic-book panel of Captain Eileen." in gemini_server.last.texts("user")[0]


def test_selfie_and_references_are_jpeg_parts_at_most_1024px(
    engine, gemini_server, face_photo, face_analysis
):
    selfie = face_photo.resize((2048, 1536))
    references = [face_photo.resize((1400, 1400)).rotate(i) for i in range(4)]
    engine.render(
        make_request(selfie, references=references, faces=face_analysis, aspect_ratio="4:3")
    )
    rec = gemini_server.last
    assert len(rec.images) == 4  # the selfie and three references: Nano Banana 2 keeps 4 people
    assert rec.images[0].size == (1024, 768)
    for image in rec.images:
        assert image.mime_type == "image/jpeg"
        assert max(image.size) <= 1024
    parts = rec.contents[0]["parts"]
    kinds = ["image" if "inlineData" in p else p["text"][:10] for p in parts]
    assert kinds[1] == "image"
    assert kinds[2:] == ["Reference:", "image"] * 3
    assert rec.body_size < 2_000_000

    # Nano Banana Pro keeps five people consistent: the selfie and four references.
    engine.render(make_request(selfie, references=references, model="gemini-3-pro-image"))
    assert len(gemini_server.last.images) == 5


def test_streamed_text_reaches_progress_in_order(engine, gemini_server, face_photo):
    progress = Recorder()
    result = engine.render(make_request(face_photo), progress)
    assert progress.deltas == list(gemini_server.texts)
    assert result.text == "".join(gemini_server.texts).strip()
    stages = [c[0] for c in progress.calls]
    assert stages[0] == "sending" and stages[-1] == "received"
    assert progress.calls[0][2] == "Sending your photo and profile"
    assert progress.calls[-1][1:3] == (90, "Received the image")
    percents = [c[1] for c in progress.calls]
    assert percents == sorted(percents)
    assert all(30 <= c[1] <= 85 for c in progress.calls if c[0] == "drawing")
    assert result.image.mode == "RGB"
    assert result.usage["total_tokens"] and result.usage["prompt_tokens"]
    assert result.usage["latency_ms"] >= 0 and result.usage["model"] == result.model


def test_api_key_travels_in_the_header_only(engine, gemini_server, face_photo):
    engine.render(make_request(face_photo))
    rec = gemini_server.last
    assert rec.headers["x-goog-api-key"] == TEST_API_KEY
    assert rec.path.endswith("/models/gemini-3.1-flash-image:streamGenerateContent")
    assert rec.query == {"alt": ["sse"]}
    assert TEST_API_KEY not in json.dumps(rec.body)


def test_aspect_ratio_and_image_size_reach_image_config(engine, gemini_server, face_photo):
    result = engine.render(
        make_request(face_photo, model="gemini-3-pro-image", aspect_ratio="3:4", image_size="2K")
    )
    assert gemini_server.last.image_config == {"aspectRatio": "3:4", "imageSize": "2K"}
    assert result.image.width * 4 == result.image.height * 3

    engine.render(
        make_request(
            face_photo, model="gemini-3.1-flash-lite-image", aspect_ratio="8:1", image_size="1K"
        )
    )
    assert gemini_server.last.image_config == {"aspectRatio": "8:1", "imageSize": "1K"}

    # no ratio asked for: the source's shape, snapped to a supported ratio
    engine.render(make_request(face_photo.resize((1000, 760))))
    assert gemini_server.last.image_config == {"aspectRatio": "4:3"}

    sent = len(gemini_server.requests)
    with pytest.raises(BadRequest):
        engine.render(make_request(face_photo, aspect_ratio="7:1"))
    with pytest.raises(BadRequest, match="can't draw 2K images; choose one of 1K"):
        engine.render(
            make_request(face_photo, model="gemini-3.1-flash-lite-image", image_size="2K")
        )
    with pytest.raises(BadRequest, match="can't draw a 1:8 image"):
        engine.render(make_request(face_photo, model="gemini-3-pro-image", aspect_ratio="1:8"))
    assert len(gemini_server.requests) == sent, "refused before anything was sent"


def test_each_model_has_its_own_limits(engine):
    assert engine.models() == [
        "gemini-3.1-flash-image",
        "gemini-3-pro-image",
        "gemini-3.1-flash-lite-image",
    ]
    flash, pro, lite = (engine.capabilities(m) for m in engine.models())
    assert flash["image_sizes"] == pro["image_sizes"] == ["1K", "2K", "4K"]
    assert lite["image_sizes"] == ["1K"]
    assert len(flash["aspect_ratios"]) == len(lite["aspect_ratios"]) == 14
    assert {"1:4", "4:1", "1:8", "8:1"} <= set(lite["aspect_ratios"])
    assert len(pro["aspect_ratios"]) == 10 and "8:1" not in pro["aspect_ratios"]
    assert (flash["references"], pro["references"], lite["references"]) == (3, 4, 3)
    assert engine.capabilities("") == flash  # the default is the first
    assert engine.configured()


def test_a_long_edit_chain_stays_within_the_models_count_of_images(
    engine, gemini_server, face_photo, settings
):
    settings.GEMINI_HISTORY_BUDGET_BYTES = 10**9  # only the count of images limits here
    versions = [face_photo.resize((96 + i, 96 + i)) for i in range(20)]
    history = [HistoryItem(f"change {i}", f"did {i}", v) for i, v in enumerate(versions)]
    references = [face_photo.resize((200, 200))] * 3
    engine.render(
        make_request(
            face_photo,
            kind="edit",
            instruction="one more",
            base_image=versions[-1],
            history=history,
            references=references,
        )
    )
    rec = gemini_server.last
    assert len(rec.images) == 14  # Google's limit for a request to these models
    sent = [image.data for image in rec.images]
    assert sent[0] == encode_image(face_photo) and sent[-1] == encode_image(versions[-1])
    assert sent[-10:-1] == [encode_image(v) for v in versions[-10:-1]]  # the newest kept


# --- edits ----------------------------------------------------------------------------------


def test_edit_rebuilds_the_conversation_with_signatures_and_the_edited_image(
    engine, gemini_server, face_photo
):
    first = engine.render(make_request(face_photo, instruction="make me smile"))
    first_signatures = [b64decode_any(s) for s in gemini_server.last.signatures]
    stored = first.model_content
    assert json.dumps(stored) and len(json.dumps(stored)) < 10_000  # no image bytes kept
    assert "inline_data" not in json.dumps(stored)
    assert stored["_image_part_index"] == 1

    history = [HistoryItem("make me smile", first.text, first.image, first.model_content)]
    second = engine.render(
        make_request(
            face_photo,
            kind="edit",
            instruction="add round glasses",
            base_image=first.image,
            history=history,
        )
    )
    second_signatures = [b64decode_any(s) for s in gemini_server.last.signatures]
    history.append(
        HistoryItem("add round glasses", second.text, second.image, second.model_content)
    )

    progress = Recorder()
    engine.render(
        make_request(
            face_photo,
            kind="edit",
            instruction="make it night",
            base_image=second.image,
            history=history,
        ),
        progress,
    )
    rec = gemini_server.last
    assert [c["role"] for c in rec.contents] == ["user", "model", "user", "model", "user"]
    user_texts = rec.texts("user")
    assert "make me smile" in user_texts[0]
    assert "add round glasses" in user_texts[1]
    assert "make it night" in user_texts[-1]

    def signatures(content):
        return [
            b64decode_any(p["thoughtSignature"])
            for p in content["parts"]
            if "thoughtSignature" in p
        ]

    assert signatures(rec.contents[1]) == first_signatures
    assert signatures(rec.contents[3]) == second_signatures

    # the edited version's image sits in the last model turn, where the model's image was
    last_model = rec.contents[3]["parts"]
    assert "inlineData" in last_model[1] and "text" in last_model[0]
    sent = decode(b64decode_any(last_model[1]["inlineData"]["data"]))
    assert sent.size == second.image.size
    assert b64decode_any(last_model[1]["inlineData"]["data"]) == encode_image(second.image)
    # the selfie is first and the edited version is the last image sent
    assert rec.images[0].data == encode_image(face_photo)
    assert rec.images[-1].data == encode_image(second.image)
    assert "inlineData" not in json.dumps(rec.contents[-1])  # not sent twice
    assert progress.deltas == list(gemini_server.texts)


def test_edit_without_stored_content_attaches_the_version(engine, gemini_server, face_photo):
    version = face_photo.resize((800, 800)).rotate(90)
    history = [HistoryItem("", "A comic panel.", version, None)]
    engine.render(
        make_request(
            face_photo, kind="edit", instruction="add a hat", base_image=version, history=history
        )
    )
    rec = gemini_server.last
    assert [c["role"] for c in rec.contents] == ["user", "model", "user"]
    assert rec.contents[1]["parts"][0]["text"] == "A comic panel."
    assert rec.images[-1].data == encode_image(version)
    assert len(rec.images) == 2


def test_history_images_stay_within_the_budget(engine, gemini_server, face_photo, settings):
    versions = [noise(700, seed) for seed in range(8)]
    encoded = [encode_image(v) for v in versions]
    selfie_size = len(base64.b64encode(encode_image(face_photo)))
    one = len(base64.b64encode(encoded[0]))
    budget = selfie_size + int(3.5 * one)  # room for the selfie + the edited one + 2 older
    settings.GEMINI_HISTORY_BUDGET_BYTES = budget
    history = [HistoryItem(f"change {i}", f"did {i}", v) for i, v in enumerate(versions)]
    engine.render(
        make_request(
            face_photo,
            kind="edit",
            instruction="one more",
            base_image=versions[-1],
            history=history,
        )
    )
    rec = gemini_server.last
    assert rec.image_b64_bytes <= budget
    sent = [image.data for image in rec.images]
    assert sent[0] == encode_image(face_photo)  # the selfie, always
    assert sent[-1] == encoded[-1]  # the edited version, always
    assert sent[1:] == encoded[-3:]  # the oldest were left out first
    # every earlier turn is still there in words
    assert len([c for c in rec.contents if c["role"] == "model"]) == len(versions)
    assert "change 1" in rec.texts("user")


# --- failures -------------------------------------------------------------------------------


def test_429_is_rate_limited_with_the_servers_delay(engine, gemini_server, face_photo):
    gemini_server.script("429", retry_delay="7s")
    with pytest.raises(RateLimited) as caught:
        engine.render(make_request(face_photo))
    assert caught.value.retry_after == 7
    assert "7 seconds" in caught.value.message
    assert caught.value.retryable
    assert len(gemini_server.requests) == 1  # the SDK did not retry it behind our back


def test_500_is_unavailable_after_the_sdk_retries(engine, gemini_server, face_photo):
    gemini_server.script("500", times=2)
    with pytest.raises(Unavailable) as caught:
        engine.render(make_request(face_photo))
    assert caught.value.message == "Gemini is having trouble right now."
    assert len(gemini_server.requests) == 2


def test_one_500_is_retried_by_the_sdk(engine, gemini_server, face_photo):
    gemini_server.script("500")
    result = engine.render(make_request(face_photo))
    assert result.image and len(gemini_server.requests) == 2


def test_timeout_is_unavailable(engine, gemini_server, face_photo, settings):
    settings.GEMINI_TIMEOUT_SECONDS = 0.5
    settings.GEMINI_RETRY_ATTEMPTS = 1
    gemini_server.script("timeout", sleep=3)
    with pytest.raises(Unavailable) as caught:
        engine.render(make_request(face_photo))
    assert caught.value.message == "Gemini took too long to answer."


def test_unreachable_server_is_unavailable(engine, face_photo, settings):
    settings.GEMINI_BASE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.GEMINI_RETRY_ATTEMPTS = 1
    with pytest.raises(Unavailable):
        engine.render(make_request(face_photo))


def test_prompt_blocked_for_safety(engine, gemini_server, face_photo):
    gemini_server.script("safety")
    with pytest.raises(Blocked) as caught:
        engine.render(make_request(face_photo))
    assert caught.value.message == "The model declined this request; try rephrasing it."
    assert "SAFETY" in caught.value.detail


def test_image_safety_finish_is_blocked(engine, gemini_server, face_photo):
    gemini_server.script("image_safety", texts=["I can't draw that."])
    with pytest.raises(Blocked) as caught:
        engine.render(make_request(face_photo))
    assert caught.value.model_text == "I can't draw that."


def test_reply_without_image_is_blocked_with_the_models_text(engine, gemini_server, face_photo):
    gemini_server.script("no_image", texts=["I'd rather ", "not draw ", "this one."])
    with pytest.raises(Blocked) as caught:
        engine.render(make_request(face_photo))
    assert caught.value.model_text == "I'd rather not draw this one."


@pytest.mark.parametrize("behaviour", ["bad_key", "403"])
def test_bad_key_is_misconfigured_without_leaking_it(
    engine, gemini_server, face_photo, behaviour, caplog
):
    gemini_server.script(behaviour)
    with caplog.at_level(logging.DEBUG), pytest.raises(Misconfigured) as caught:
        engine.render(make_request(face_photo))
    exc = caught.value
    assert exc.message == (
        "Gemini isn't set up correctly on this server; an administrator has been told."
    )
    for text in (exc.message, exc.detail, str(exc), repr(exc.__cause__)):
        assert TEST_API_KEY not in text
    assert exc.__cause__ is None and exc.__suppress_context__
    assert TEST_API_KEY not in caplog.text
    assert any(
        r.levelno == logging.ERROR and r.name.startswith("avatars.engines.gemini")
        for r in caplog.records
    )


def test_other_400_is_a_bad_request(engine, gemini_server, face_photo):
    gemini_server.script("400", message="Unsupported MIME type: image/heic.")
    with pytest.raises(BadRequest) as caught:
        engine.render(make_request(face_photo))
    assert "Unsupported MIME type" in caught.value.message


def test_unconfigured_engine_says_so(engine, face_photo, settings):
    settings.GEMINI_API_KEY = ""
    assert not engine.configured()
    with pytest.raises(Misconfigured):
        engine.render(make_request(face_photo))


# --- models and ratios ------------------------------------------------------------------------


def test_unknown_model_is_refused_with_the_choices(engine):
    with pytest.raises(BadRequest) as caught:
        engine.resolve_model("dall-e-3")
    assert "gemini-3-pro-image" in caught.value.message


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1024, 1024), "1:1"),
        ((1920, 1080), "16:9"),
        ((1080, 1920), "9:16"),
        ((3000, 1000), "21:9"),
        ((1000, 1500), "2:3"),
        ((1080, 1350), "4:5"),
        ((1200, 1000), "5:4"),
        ((600, 800), "3:4"),
    ],
)
def test_nearest_aspect_ratio(size, expected):
    assert (
        nearest_aspect_ratio(
            *size, GeminiEngine().capabilities("gemini-3-pro-image")["aspect_ratios"]
        )
        == expected
    )
