"""Background edits cut along the person mask (issue #25): the person, hair included, stays
as drawn; the background goes white, yellow, a sunset or a city; a picture with nobody in it
is refused in words and left as it was."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from avatars import person
from avatars.engines.base import BadRequest, NoPerson, RenderRequest
from avatars.engines.studio import StudioEngine
from avatars.person import PersonMask
from tests.avatars.engines import mask_quality as mq

ENGINE = StudioEngine()


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


def edit(base: Image.Image, instruction: str, **kwargs):
    return ENGINE.render(
        RenderRequest(
            source=base,
            style_slug="comics",
            kind="edit",
            instruction=instruction,
            base_image=base,
            **kwargs,
        )
    )


def arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int32)


def regions(name: str = "astronaut"):
    """Sure person and sure background: the hand-drawn mask, 12 px away from its outline."""
    import cv2

    ref = mq.reference(name).astype(np.uint8)
    kernel = np.ones((25, 25), np.uint8)
    return cv2.erode(ref, kernel) > 0, cv2.dilate(ref, kernel) == 0


def test_remove_the_background_leaves_the_person_on_plain_white(astronaut):
    result = edit(astronaut, "remove the background")
    inside, outside = regions()
    out, before = arr(result.image), arr(astronaut)
    assert (out[outside] >= 250).all(axis=1).mean() > 0.99, "the background is white"
    assert np.abs(out[inside] - before[inside]).max(axis=1).mean() < 2, "the person is untouched"
    assert result.text == "Took the background away (plain white)."


def test_the_hair_keeps_its_own_colour_at_the_edge(astronaut):
    # Along the top of the head the soft edge is hair over a pale wall: once the wall's tint
    # is taken out, the hair there is as dark as the hair just inside, not a pale halo.
    result = edit(astronaut, "remove the background")
    out = arr(result.image).sum(axis=2)
    column = out[10:60, 228]  # straight up from the crown of the head
    hair = out[40:50, 228].mean()
    edge = column[(column < 700) & (column > 80)]
    assert edge.size >= 2 and np.median(edge) < hair + 250


def test_transparent_background_says_white_stands_in_for_it(astronaut):
    result = edit(astronaut, "make the background transparent")
    _inside, outside = regions()
    assert (arr(result.image)[outside] >= 250).all(axis=1).mean() > 0.99
    assert result.image.mode == "RGB"
    assert "without transparency" in result.text


def test_yellow_sunset_and_city_backgrounds(astronaut):
    inside, outside = regions()
    before = arr(astronaut)
    yellow = arr(edit(astronaut, "put me on a yellow background").image)
    r, g, b = (yellow[outside][:, c].mean() for c in range(3))
    assert r > 200 and g > 150 and b < 120, "yellow"
    for ask in ("put me on a sunset background", "put me on a city background"):
        out = arr(edit(astronaut, ask).image)
        assert np.abs(out[outside] - before[outside]).mean() > 40, ask
        assert np.abs(out[inside] - before[inside]).max(axis=1).mean() < 2, ask
    city = arr(edit(astronaut, "put me on a city background").image)
    # Lit windows: warm yellow squares in the towers.
    lit = (city[..., 0] > 240) & (city[..., 1] > 200) & (city[..., 2] < 140) & outside
    assert lit.sum() > 200


def test_every_background_scene_is_the_same_every_time(astronaut):
    first = edit(astronaut, "put me on a city background").image
    again = edit(astronaut, "put me on a city background").image
    assert np.array_equal(arr(first), arr(again))


def test_a_kept_mask_of_the_version_is_used_not_found_again(astronaut):
    # A mask kept for this version saying nobody is there is believed: the model isn't run.
    nobody = PersonMask(np.zeros((256, 256), bool), *astronaut.size)
    with pytest.raises(NoPerson):
        edit(astronaut, "remove the background", base_person=nobody)
    # And a kept mask of somebody is what the cut follows.
    kept = person.find(astronaut)
    assert np.array_equal(
        arr(edit(astronaut, "remove the background", base_person=kept).image),
        arr(edit(astronaut, "remove the background").image),
    )


@pytest.mark.parametrize("picture", ["blank", "cat"])
def test_no_person_found_says_so_and_changes_nothing(picture):
    from skimage import data

    if picture == "blank":
        image = Image.new("RGB", (600, 400), (200, 180, 160))
    else:  # the model outlines a cat as it would a person; no face says it isn't one
        image = Image.fromarray(data.chelsea())
    with pytest.raises(NoPerson) as caught:
        edit(image, "put me on a city background")
    assert caught.value.code == "no_person"
    assert "couldn't find a person" in caught.value.message
    assert "unchanged" in caught.value.message
    assert isinstance(caught.value, BadRequest)  # permanent: not retried


def test_a_version_whose_style_hides_the_face_still_gets_its_background(face_photo):
    # Pixel art hides the face from the face detector; the selfie's kept faces say it's
    # there, and the mask finds the sprite's figure.
    from avatars.faces import analyse

    faces = analyse(face_photo, with_embedding=False)
    sprite = ENGINE.render(
        RenderRequest(source=face_photo, style_slug="pixel-art", faces=faces)
    ).image
    result = ENGINE.render(
        RenderRequest(
            source=face_photo,
            style_slug="pixel-art",
            kind="edit",
            instruction="remove the background",
            base_image=sprite,
            faces=faces,
        )
    )
    corner = arr(result.image)[:100, :100]
    assert (corner >= 250).all(axis=2).mean() > 0.95


def test_a_person_too_small_or_too_big_for_a_new_background_is_told_which(astronaut):
    from avatars.engines.studio.edits import background

    # The astronaut small in a big empty room: about 2% of it, found, but too little of her
    # to keep in front of a scene. (Through the engine, dlib can't find a face that small, so
    # it says it couldn't find a person at all.)
    room = Image.new("RGB", (1024, 1024), (200, 180, 160))
    room.paste(astronaut.resize((340, 340)), (430, 684))
    mask = person.find(room)
    assert mask.found
    with pytest.raises(background.NoSeparation) as caught:
        background.replace_background(np.asarray(room), mask.alpha(room), "city")
    assert caught.value.share < 0.03
    # A close-up of her face: too little background to change, and the engine says so.
    face = astronaut.crop((185, 70, 265, 150)).resize((600, 600))
    with pytest.raises(BadRequest, match="fill almost all"):
        edit(face, "put me on a city background")
