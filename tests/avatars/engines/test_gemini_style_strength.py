""" "More me ↔ more style" with Gemini: the strength becomes the request's wording and how many
identity references it carries (the real google-genai client against the fake server)."""

from __future__ import annotations

import pytest

from avatars.engines.base import BadRequest, HistoryItem, RenderRequest
from avatars.engines.gemini.engine import GeminiEngine

pytestmark = pytest.mark.django_db(databases=[])

CLOSE = "Stay as close to the photo as the style allows"
BOLD = "Push the style as far as it goes"


@pytest.fixture
def engine(gemini_settings) -> GeminiEngine:
    return GeminiEngine()


def _request(photo, **options) -> RenderRequest:
    options.setdefault("style_slug", "comics")
    options.setdefault("style_prompt", "A classic comic-book panel.")
    return RenderRequest(source=photo, **options)


def _sent(server) -> tuple[str, int]:
    """The first user turn's words, and how many references went with the selfie."""
    words = "\n".join(server.last.texts("user"))
    return words, len(server.last.images) - 1


def test_fifty_sends_what_was_always_sent(engine, gemini_server, face_photo):
    references = [face_photo.rotate(i) for i in range(3)]
    engine.render(_request(face_photo, references=references))
    always = gemini_server.last.body
    engine.render(_request(face_photo, references=references, style_strength=50))
    assert gemini_server.last.body == always
    assert CLOSE not in str(always) and BOLD not in str(always)


def test_close_to_the_photo_asks_for_it_and_sends_every_reference(
    engine, gemini_server, face_photo
):
    references = [face_photo.rotate(i) for i in range(4)]
    engine.render(_request(face_photo, references=references, style_strength=0))
    words, sent = _sent(gemini_server)
    assert CLOSE in words and "skin tone" in words
    assert sent == 3  # every reference Nano Banana 2 takes


@pytest.mark.parametrize(("strength", "sent"), [(60, 3), (75, 2), (90, 1), (100, 1)])
def test_a_stronger_style_holds_the_identity_with_fewer_references(
    engine, gemini_server, face_photo, strength, sent
):
    references = [face_photo.rotate(i) for i in range(4)]
    engine.render(_request(face_photo, references=references, style_strength=strength))
    assert _sent(gemini_server)[1] == sent


def test_the_strongest_style_asks_for_it(engine, gemini_server, face_photo):
    engine.render(_request(face_photo, style_strength=100))
    words, _sent_refs = _sent(gemini_server)
    assert BOLD in words and "recognisable" in words


def test_an_edit_carries_its_own_strength_after_its_instruction(engine, gemini_server, face_photo):
    first = engine.render(_request(face_photo))
    history = [HistoryItem("", first.text, first.image, first.model_content)]
    engine.render(
        _request(
            face_photo,
            kind="edit",
            instruction="add round glasses",
            base_image=first.image,
            history=history,
            style_strength=10,
        )
    )
    last = gemini_server.last.contents[-1]["parts"][-1]["text"]
    assert last.startswith("add round glasses") and CLOSE in last
    assert CLOSE not in gemini_server.last.contents[0]["parts"][0]["text"]


def test_a_strength_outside_0_to_100_is_refused_before_anything_is_sent(
    engine, gemini_server, face_photo
):
    with pytest.raises(BadRequest, match="not 101"):
        engine.render(_request(face_photo, style_strength=101))
    assert gemini_server.requests == []
