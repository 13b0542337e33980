"""A Gemini version whose skin drifted from the photo's is caught and named; a faithful one is
not (the real google-genai client against the fake server, which can answer with the face
washed lighter or left as it was). The selfie: the astronaut with her skin made brown
(bench/skin_tones.py: ITA about −16°), the skin Gemini edits have been reported to lighten."""

from __future__ import annotations

import pytest

from avatars import skin
from avatars.engines.base import RenderRequest
from avatars.engines.gemini.engine import GeminiEngine
from avatars.faces import analyse
from bench.skin_tones import TONES, toned

pytestmark = pytest.mark.django_db(databases=[])


@pytest.fixture(scope="module")
def brown(face_photo, face_analysis):
    tone = dict((name, lab) for name, *lab in TONES)["brown"]
    return toned(face_photo, face_analysis, tuple(tone))


def _version_check(gemini_server, photo, face_analysis, answer: str) -> skin.SkinCheck:
    gemini_server.script(answer)
    result = GeminiEngine().render(
        RenderRequest(source=photo, style_slug="comics", faces=face_analysis)
    )
    found = analyse(result.image, with_embedding=False)
    assert found.face is not None, "the fake keeps the face where it was"
    return skin.skin_compare(
        photo=photo,
        photo_face=face_analysis.face,
        version=result.image,
        version_face=found.face,
        style_slug="comics",
    )


def test_a_lightened_face_is_caught_as_lighter(
    gemini_settings, gemini_server, brown, face_analysis
):
    check = _version_check(gemini_server, brown, face_analysis, "lighter")
    assert not check.within and not check.exempt
    assert check.delta > skin.TOLERANCE
    assert check.direction[0] == "lighter"
    assert (
        check.words == f"Your skin came out {' and '.join(check.direction[:2])} than in your photo."
    )
    assert check.to_dict()["within"] is False


def test_a_faithful_face_is_within(gemini_settings, gemini_server, brown, face_analysis):
    check = _version_check(gemini_server, brown, face_analysis, "faithful")
    assert check.within and check.words == ""
