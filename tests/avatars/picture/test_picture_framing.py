"""Face framing, measured: on the sample portraits — scikit-image's astronaut and matplotlib's
Grace Hopper, as they are and placed off-centre on wide canvases — the face dlib finds in the
square the picture URL serves has its centre within 10 % of the square's side of the
square's centre, where a square cut from the picture's middle misses it (or cuts it)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.test import Client
from PIL import Image, ImageFilter

from avatars import faces
from avatars.models import Style, Turn
from avatars.services.avatars import avatar_create
from tests.conftest import encode, upload
from tests.picture_people import confirm, md5, picture, published

pytestmark = pytest.mark.django_db

SIDE = 512
LIMIT = 0.10


def on_canvas(photo: Image.Image, size: tuple[int, int], at: tuple[int, int]) -> Image.Image:
    """``photo`` placed at ``at`` on a wide canvas of its own colours, blurred."""
    canvas = photo.resize(size).filter(ImageFilter.GaussianBlur(30))
    canvas.paste(photo, at)
    return canvas


@pytest.fixture
def portraits(astronaut_512, hopper) -> dict[str, Image.Image]:
    return {
        "astronaut": astronaut_512,
        "hopper": hopper,
        "astronaut on the left": on_canvas(astronaut_512, (1400, 800), (40, 250)),
        "hopper on the right": on_canvas(hopper, (1500, 760), (960, 80)),
    }


def offset(image: Image.Image) -> float:
    """How far the largest face's centre is from the square's centre, as a share of its side
    (the larger of the two axes)."""
    found = faces.analyse(image, with_embedding=False).face
    assert found is not None, "no face in the square"
    cx, cy = found.center
    return max(abs(cx - image.width / 2), abs(cy - image.height / 2)) / image.width


def middle_square(turn: Turn) -> Image.Image:
    with turn.image.open("rb") as fh:
        full = Image.open(io.BytesIO(fh.read())).convert("RGB")
    short = min(full.size)
    left, top = (full.width - short) // 2, (full.height - short) // 2
    return full.crop((left, top, left + short, top + short)).resize((SIDE, SIDE))


def test_the_face_is_in_the_middle_of_the_square_on_every_sample_portrait(
    alice, portraits, run_jobs
):
    confirm(alice, "alice@example.com")
    measured = {}
    for name, photo in portraits.items():
        with run_jobs():
            avatar = avatar_create(
                owner=alice,
                upload=upload(encode(photo, "JPEG", quality=92)),
                style=Style.objects.get(slug="comics"),
            )
        avatar.refresh_from_db()
        published(alice, avatar)

        served = picture(Client().get(f"/avatar/{md5('alice@example.com')}?s={SIDE}"))
        measured[name] = (offset(served.convert("RGB")), _middle_offset(avatar.current_turn))

    for name, (framed, _middle) in measured.items():
        assert framed <= LIMIT, (name, measured)
    # The off-centre ones show it is the framing: the picture's middle misses the face.
    for name in ("astronaut on the left", "hopper on the right"):
        assert measured[name][1] is None or measured[name][1] > 2 * LIMIT, (name, measured)


def _middle_offset(turn: Turn) -> float | None:
    """The same measure on a square cut from the picture's middle (None: no face in it)."""
    square = middle_square(turn)
    if faces.analyse(square, with_embedding=False).face is None:
        return None
    return offset(square)


def test_a_picture_without_a_face_is_cut_from_its_middle():
    from avatars.picture.framing import face_square

    assert face_square(1200, 800, None).box == (200, 0, 1000, 800)


def test_a_face_near_an_edge_narrows_the_square_to_keep_it_centred():
    from avatars.faces import Face
    from avatars.picture.framing import face_square

    face = Face(box=(40, 300, 240, 500), landmarks=((0, 0),) * 5, score=1.0)
    square = face_square(1600, 900, face)
    cx = square.left + square.side / 2
    assert abs(cx - 140) <= 1
    assert square.side >= 1.4 * 200
    assert np.isclose(square.top + square.side / 2, 400, atol=1)
