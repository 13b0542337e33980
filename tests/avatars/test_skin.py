"""Skin tone: read on the face's own skin in CIELAB, compared between a photo and a version —
and the studio's natural-colour styles keep it, light skin to dark."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from avatars import skin
from avatars.engines.base import RenderRequest
from avatars.engines.studio import StudioEngine
from avatars.engines.studio.registry import NATURAL_COLOUR, STYLES, faces_drawn
from avatars.engines.studio.sizes import fit_to_side, output_side
from avatars.faces import analyse
from bench.skin_tones import TONES, toned

# The toned photos read within this ΔE00 of the tone they were built to (measured: 0.6 at
# most, the astronaut "very light").
READ_BACK = 1.5
# bench/skin_tones.py, after the fix: the worst ΔE00 of any natural-colour style, at 0, 50 or
# 100, on any of the 14 toned portraits is 5.1 (Pixel Art at 100, the astronaut "light");
# before it, 23.2 (Anime at 100, "intermediate"), with 53 of 126 over TOLERANCE.
# The studio draws the same pixels on every CPU; the mesh the check reads skin by moves by
# far less than a pixel between CPUs.
NATURAL = [slug for slug, natural in NATURAL_COLOUR.items() if natural]


@pytest.fixture(scope="module")
def portraits(face_photo, hopper):
    big_hopper = hopper.resize((1024, 1200), Image.Resampling.LANCZOS)
    found = {}
    for name, photo in (("astronaut", face_photo), ("hopper", big_hopper)):
        faces = analyse(photo, with_embedding=False)
        found[name] = (photo, faces, skin.mesh_points(photo, faces.face))
    return found


def _tone(image, points) -> skin.SkinTone:
    return skin.skin_tone(image, points)


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_it_reads_back_the_tone_a_photo_was_given_light_to_dark(portraits, name):
    photo, faces, points = portraits[name]
    itas = []
    for _label, *target in TONES:
        read = _tone(toned(photo, faces, tuple(target)), points)
        assert skin.delta_e(read, skin.SkinTone(*target, 1)) < READ_BACK
        itas.append(read.ita)
    assert itas == sorted(itas, reverse=True), "ITA falls from very light to very dark"
    assert itas[0] > 55 and itas[-1] < -30  # "very light" to "dark" on the ITA scale


def _check(photo, faces, points, version, style="comics"):
    return skin.skin_compare(
        photo=photo,
        photo_face=faces.face,
        version=version,
        version_face=faces.face,
        style_slug=style,
        photo_points=points,
        version_points=points,
    )


def test_the_photo_against_itself_is_within_and_says_nothing(portraits):
    photo, faces, points = portraits["astronaut"]
    check = _check(photo, faces, points, photo)
    assert check.delta == 0 and check.within and check.direction == () and check.words == ""
    assert check.to_dict() == {"delta": 0, "within": True, "exempt": False, "direction": []}


@pytest.mark.parametrize(
    ("change", "first"),
    [
        (lambda rgb: rgb * 0.65 + 255 * 0.35, "lighter"),
        (lambda rgb: rgb * 0.6, "darker"),
        (lambda rgb: rgb.mean(axis=2, keepdims=True) * 0.8 + rgb * 0.2, "greyer"),
    ],
)
def test_a_drifted_version_is_caught_and_named(portraits, change, first):
    photo, faces, points = portraits["hopper"]
    drifted = Image.fromarray(np.clip(change(np.asarray(photo, np.float32)), 0, 255).astype("u1"))
    check = _check(photo, faces, points, drifted)
    assert not check.within and check.delta > skin.TOLERANCE
    assert check.direction[0] == first
    assert check.words.startswith(f"Your skin came out {first}")
    assert check.words.endswith("than in your photo.")


@pytest.mark.parametrize("instruction", ["add sunglasses", "add round glasses", "add a beard"])
def test_glasses_and_a_beard_are_not_taken_for_skin(portraits, instruction):
    """The patches stay off the eyes and lips; what an accessory still covers is left out.
    Measured: sunglasses move the reading by 4.4 ΔE00 at most, round glasses 3.6, a beard
    1.9 (astronaut and Grace Hopper), against 10-19 with plain medians."""
    for photo, faces, points in portraits.values():
        edited = StudioEngine().render(
            RenderRequest(
                source=photo,
                style_slug="comics",
                kind="edit",
                instruction=instruction,
                base_image=photo,
                faces=faces,
                base_faces=faces,
            )
        )
        assert skin.delta_e(_tone(photo, points), _tone(edited.image, points)) < 6


def test_styles_that_change_colour_on_purpose_are_exempt():
    assert {s for s in STYLES if skin.exempt(s)} == {
        "zombie",
        "neon",
        "manga",
        "vintage",
        "pop-art",
        "pencil-sketch",
    }
    assert set(NATURAL) == {"comics", "anime", "pixel-art"}
    assert not skin.exempt("a-style-only-gemini-draws")


def test_an_exempt_style_is_measured_but_says_nothing(portraits):
    photo, faces, points = portraits["astronaut"]
    zombie = StudioEngine().render(RenderRequest(source=photo, style_slug="zombie", faces=faces))
    check = _check(photo, faces, points, zombie.image, style="zombie")
    assert check.exempt and not check.within and check.words == ""


def test_no_face_in_the_version_means_no_check(portraits):
    photo, faces, points = portraits["astronaut"]
    assert (
        skin.skin_compare(
            photo=photo,
            photo_face=faces.face,
            version=photo,
            version_face=None,
            style_slug="comics",
        )
        is None
    )


# Every tone at the default strength; the ends of the range at 0 and 100 too.
CASES = [(tone, 50) for tone in range(len(TONES))] + [
    (tone, strength) for tone in (0, 4, 6) for strength in (0, 100)
]


@pytest.mark.parametrize("style", NATURAL)
@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_natural_colour_styles_keep_every_skin_tone(portraits, style, name):
    photo, faces, _points = portraits[name]
    given = fit_to_side(photo, faces, output_side(""))[1]
    worst = []
    for tone, strength in CASES:
        image = toned(photo, faces, tuple(TONES[tone][1:]))
        points = skin.mesh_points(image, faces.face)
        out = (
            StudioEngine()
            .render(
                RenderRequest(source=image, style_slug=style, faces=faces, style_strength=strength)
            )
            .image
        )
        drawn = faces_drawn(style, given, *out.size)
        check = skin.skin_compare(
            photo=image,
            photo_face=faces.face,
            version=out,
            version_face=drawn.face,
            style_slug=style,
            photo_points=points,
            version_points=skin.similar_points(
                points * (given.width / image.width), given.face, drawn.face
            ),
        )
        worst.append((check.delta, TONES[tone][0], strength))
    assert max(worst)[0] <= skin.TOLERANCE, max(worst)
