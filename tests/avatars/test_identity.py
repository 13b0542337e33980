"""Several photos as a person's identity: likeness against all of them, takes ranked by it, and
the check each identity photo passes (one face, turned as asked, level, sharp, lit)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from avatars import identity
from avatars.engines.studio.common import StyleContext
from avatars.engines.studio.registry import STYLES
from avatars.faces import analyse, embed, embedding_distance
from bench.identity_ranking import blended, variants


@pytest.fixture(scope="module")
def people(astronaut_512, hopper):
    return {
        "astronaut": (astronaut_512, analyse(astronaut_512)),
        "hopper": (hopper, analyse(hopper)),
    }


@pytest.fixture(scope="module")
def astronaut_photos(people):
    photo, faces = people["astronaut"]
    made = variants(photo, faces)
    return [analyse(made[name]).embedding for name in ("warm", "tight", "dim", "mirrored")]


def test_likeness_to_several_photos_sums_up_every_distance(people, astronaut_photos):
    _photo, faces = people["astronaut"]
    distances = [embedding_distance(e, faces.embedding) for e in astronaut_photos]
    found = identity.likeness_to_photos(astronaut_photos, faces.embedding)
    assert found.nearest == pytest.approx(min(distances))
    assert found.mean == pytest.approx(sum(distances) / len(distances))
    centre = np.mean(np.asarray(astronaut_photos), axis=0)
    assert found.centroid == pytest.approx(embedding_distance(tuple(centre), faces.embedding))
    assert found.centroid <= found.mean  # the mean embedding is nearer than the photos, on average
    assert found.photos == 4 and found.value() == found.mean
    assert found.words == "strong likeness, compared with your 4 identity photos"
    alone = identity.likeness_to_photos(astronaut_photos[:1], people["hopper"][1].embedding)
    assert alone.words == "weak likeness, compared with your photo"


def test_takes_are_ranked_most_like_the_person_first(people, astronaut_photos):
    """Takes of known fidelity: the astronaut's face blended 0, 30 and 60% towards Grace
    Hopper's, drawn in Vintage. Their mean distances to the four photos, over Vintage's four
    takes (measured): 0.26-0.37, 0.43-0.52, 0.66-0.68 — apart at every take."""
    photo, faces = people["astronaut"]
    other, other_faces = people["hopper"]
    takes = []
    for amount in (0.6, 0.0, 0.3):
        drawn = STYLES["vintage"][1](
            blended(photo, faces.face, other, other_faces.face, amount), StyleContext(faces=faces)
        )
        takes.append(embed(drawn, faces.face))
    for how in identity.RANKINGS:
        assert identity.takes_ranked(astronaut_photos, takes, how) == [1, 2, 0]
    assert identity.takes_ranked(astronaut_photos, [None, *takes]) == [2, 3, 1, 0]


def test_ranking_needs_photos_and_a_known_summary(astronaut_photos):
    with pytest.raises(ValueError, match="at least one identity embedding"):
        identity.takes_ranked([], [astronaut_photos[0]])
    with pytest.raises(ValueError, match="rank by one of mean, centroid, nearest"):
        identity.takes_ranked(astronaut_photos, [astronaut_photos[0]], "median")


# --- the identity photo check ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_a_front_photo_passes_for_front(people, name):
    check = identity.identity_photo_check(people[name][0], "front")
    assert check.ok, check.problems
    assert check.faces == 1 and abs(check.yaw) < identity.FRONT_YAW
    assert check.seen in ("front", "smile")


def test_a_smile_is_seen_and_asked_for(people):
    assert identity.identity_photo_check(people["astronaut"][0], "smile").ok
    check = identity.identity_photo_check(people["hopper"][0], "smile")
    assert check.problems == ("Give us a smile.",)


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_front_photo_is_refused_for_a_three_quarter_view(people, side):
    check = identity.identity_photo_check(people["hopper"][0], side)
    assert check.problems == (f"Turn your head a little to your {side}, about a third of the way.",)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        # Blurred by a 50th of the face's width (more, and dlib no longer finds the face).
        (lambda im, face: im.filter(ImageFilter.GaussianBlur(face.width / 50)), "is blurred"),
        (lambda im, face: ImageEnhance.Brightness(im).enhance(0.3), "too dark to see your face"),
        (lambda im, face: im.rotate(25), "Hold your head level"),
    ],
)
@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_a_poor_photo_is_refused_in_words(people, name, change, words):
    photo, faces = people[name]
    check = identity.identity_photo_check(change(photo, faces.face), "front")
    assert not check.ok
    assert any(words in problem for problem in check.problems), check.problems


def test_a_washed_out_face_is_refused(people):
    check = identity.identity_photo_check(ImageEnhance.Brightness(people["hopper"][0]).enhance(2.2))
    assert check.problems == ("Your face is washed out by the light: step out of the glare.",)


def test_only_one_face_and_a_face_at_all(people):
    astronaut, hopper = people["astronaut"][0], people["hopper"][0].resize((512, 600))
    pair = Image.new("RGB", (1024, 600), "white")
    pair.paste(astronaut, (0, 44))
    pair.paste(hopper, (512, 0))
    check = identity.identity_photo_check(pair)
    assert check.problems == ("We see 2 faces: an identity photo shows only you.",)
    from skimage import data

    nobody = identity.identity_photo_check(Image.fromarray(data.coffee()), "other")
    assert nobody.problems == ("We can't find a face: face the camera, in good light.",)
    assert nobody.seen == ""


def test_an_unknown_angle_is_a_programming_error(people):
    with pytest.raises(ValueError, match="angle is one of front, left, right, smile, other"):
        identity.identity_photo_check(people["astronaut"][0], "upside-down")
