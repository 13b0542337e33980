"""The slider's live preview: the studio at 256 px from a photo whose face was found already,
with the likeness of what it drew read where the style drew the face."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from avatars.engines.base import BadRequest
from avatars.engines.studio.preview import PREVIEW_SIDE, studio_preview
from avatars.engines.studio.registry import STYLES
from avatars.faces import analyse, likeness

# The preview reads likeness at the face's known place; dlib, looking for the face itself in
# the same 256 px picture, read within 0.052 of it wherever it found one (Grace Hopper:
# Vintage, Pencil Sketch, Anime, Comics at 0, 50, 100, Zombie at 0 and 50). A face read in
# the wrong place reads as a stranger (0.8 and more).
AGREEMENT = 0.08


@pytest.fixture(scope="module")
def big_hopper(hopper):
    photo = hopper.resize((1024, 1200), Image.Resampling.LANCZOS)
    return photo, analyse(photo)


@pytest.mark.parametrize("style", list(STYLES))
def test_it_draws_the_style_small_with_its_likeness(face_photo, face_analysis, style):
    preview = studio_preview(
        photo=face_photo, faces=face_analysis, style_slug=style, style_strength=30
    )
    assert preview.image.mode == "RGB"
    assert max(preview.image.size) <= PREVIEW_SIDE
    assert max(preview.image.size) > PREVIEW_SIDE - 10  # pixel art trims to whole cells
    assert 0 < preview.likeness < 1.2
    assert preview.words in ("strong likeness", "fair likeness", "weak likeness")


@pytest.mark.parametrize(
    ("style", "strength"),
    [(s, n) for s in ("vintage", "pencil-sketch", "anime") for n in (0, 50, 100)]
    + [("zombie", 0), ("zombie", 50)],  # a Zombie at 100 hides the face from dlib's search
)
def test_the_likeness_is_read_where_the_face_was_drawn(big_hopper, style, strength):
    photo, faces = big_hopper
    preview = studio_preview(photo=photo, faces=faces, style_slug=style, style_strength=strength)
    found = likeness(faces, preview.image)
    assert found is not None
    assert abs(preview.likeness - found) < AGREEMENT


def test_the_same_preview_is_the_same_pixels(face_photo, face_analysis):
    one, two = (
        studio_preview(photo=face_photo, faces=face_analysis, style_slug="comics", style_strength=9)
        for _ in range(2)
    )
    assert one.image.tobytes() == two.image.tobytes()
    assert one.likeness == two.likeness


def test_the_strength_moves_the_preview(face_photo, face_analysis):
    pictures = [
        np.asarray(
            studio_preview(
                photo=face_photo, faces=face_analysis, style_slug="anime", style_strength=s
            ).image,
            np.float32,
        )
        for s in (0, 100)
    ]
    assert np.abs(pictures[0] - pictures[1]).mean() > 4


def test_the_picture_alone_skips_the_likeness(face_photo, face_analysis):
    alone = studio_preview(
        photo=face_photo, faces=face_analysis, style_slug="neon", with_likeness=False
    )
    full = studio_preview(photo=face_photo, faces=face_analysis, style_slug="neon")
    assert alone.likeness is None and full.likeness is not None
    assert alone.image.tobytes() == full.image.tobytes()


def test_faces_kept_without_their_embedding_get_it_first(face_photo, face_analysis):
    bare = dataclasses.replace(face_analysis, embedding=None)
    found = studio_preview(photo=face_photo, faces=bare, style_slug="vintage")
    kept = studio_preview(photo=face_photo, faces=face_analysis, style_slug="vintage")
    assert found.likeness == pytest.approx(kept.likeness, abs=1e-6)


def test_faces_found_at_another_size_follow_the_photo(face_photo, astronaut_512):
    at_512 = analyse(astronaut_512)
    preview = studio_preview(photo=face_photo, faces=at_512, style_slug="vintage")
    assert preview.likeness < 0.6


def test_a_photo_without_a_face_still_previews_without_likeness():
    from skimage import data

    coffee = Image.fromarray(data.coffee())
    faces = analyse(coffee)
    assert faces.face is None
    preview = studio_preview(photo=coffee, faces=faces, style_slug="pop-art", style_strength=80)
    assert preview.likeness is None and preview.words == "no face found"
    assert max(preview.image.size) <= PREVIEW_SIDE


def test_a_profile_palette_and_a_shape_are_taken(face_photo, face_analysis):
    preview = studio_preview(
        photo=face_photo,
        faces=face_analysis,
        style_slug="pop-art",
        palette=("#ff0066", "#00ccff"),
        aspect_ratio="3:4",
    )
    width, height = preview.image.size
    assert abs(width / height - 3 / 4) < 0.05
    colours = {tuple(c) for c in np.asarray(preview.image).reshape(-1, 3)}
    assert {(255, 0, 102), (0, 204, 255)} <= colours  # the first panel prints in them


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"style_slug": "watercolour"}, "can't draw the style 'watercolour'"),
        ({"style_slug": "comics", "style_strength": 101}, "not 101"),
    ],
)
def test_what_the_studio_cannot_preview_is_refused_in_words(
    face_photo, face_analysis, options, words
):
    with pytest.raises(BadRequest, match=words):
        studio_preview(photo=face_photo, faces=face_analysis, **options)
