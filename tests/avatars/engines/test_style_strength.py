""" "More me ↔ more style": every studio style drawn from 0 (as close to the photo as the style
allows) to 100 (the strongest style), 50 being the style as it always was — each strength its
own picture, the same pixels every time, and likeness falling as the style grows stronger."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from avatars.engines.base import BadRequest, RenderRequest, style_strength_check
from avatars.engines.studio import StudioEngine
from avatars.engines.studio.registry import STYLES, faces_drawn
from avatars.engines.studio.sizes import fit_to_side, output_side
from avatars.faces import analyse, embed, embedding_distance

# Mean absolute difference (0-255 per channel, compared at 128²) between two strengths of a
# style. Measured on the astronaut at 512²: the closest pair is Manga's 0 and 50 (7.3), then
# Pop Art's 0 and 50 (7.5); a copy is 0.
MIN_DIFFERENCE = 4.0
# Each style's likeness distance (read at the face, as the preview reads it) rises from 0 to
# 100 by at least this much, on the portrait named (bench/style_strength.py, full size). The
# smallest rise measured there is 0.12 (Pop Art on the astronaut); ±1 grey level of noise on
# the photo moved a reading by at most ±0.03 on these pairs (Pixel Art at 0).
MIN_RISE = 0.05
CLEAREST = {
    "comics": "hopper",
    "manga": "hopper",
    "zombie": "astronaut",
    "pop-art": "astronaut",
    "pixel-art": "astronaut",
    "pencil-sketch": "astronaut",
    "anime": "hopper",
    "vintage": "astronaut",
    "neon": "hopper",
}


@pytest.fixture(scope="module")
def faces(astronaut_512):
    return analyse(astronaut_512, with_embedding=False)


def _draw(photo, faces, style: str, **options) -> Image.Image:
    request = RenderRequest(source=photo, style_slug=style, faces=faces, **options)
    return StudioEngine().render(request).image


def _small(image: Image.Image) -> np.ndarray:
    return np.asarray(image.resize((128, 128), Image.Resampling.BOX), np.float32)


@pytest.mark.parametrize("style", list(STYLES))
def test_fifty_is_the_style_as_it_always_was(astronaut_512, faces, style):
    always = _draw(astronaut_512, faces, style)
    assert _draw(astronaut_512, faces, style, style_strength=50).tobytes() == always.tobytes()


@pytest.mark.parametrize("style", list(STYLES))
def test_each_strength_draws_its_own_picture(astronaut_512, faces, style):
    drawn = {s: _small(_draw(astronaut_512, faces, style, style_strength=s)) for s in (0, 50, 100)}
    for a, b in ((0, 50), (50, 100), (0, 100)):
        difference = float(np.abs(drawn[a] - drawn[b]).mean())
        assert difference > MIN_DIFFERENCE, f"{style}: {a} and {b} differ by {difference:.1f}"


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("strength", [0, 100])
def test_every_strength_gives_the_same_pixels_every_time(astronaut_512, faces, style, strength):
    again = [
        _draw(astronaut_512, faces, style, style_strength=strength, variant=1).tobytes()
        for _ in range(2)
    ]
    assert again[0] == again[1]


@pytest.fixture(scope="module")
def portraits(face_photo, hopper):
    """The bench's two portraits at its sizes, with their faces and identity embeddings."""
    big_hopper = hopper.resize((1024, 1200), Image.Resampling.LANCZOS)
    return {name: (photo, analyse(photo)) for name, photo in
            (("astronaut", face_photo), ("hopper", big_hopper))}  # fmt: skip


@pytest.mark.parametrize("style", list(STYLES))
def test_more_style_is_less_like_the_photo(portraits, style):
    photo, faces = portraits[CLEAREST[style]]
    given_faces = fit_to_side(photo, faces, output_side(""))[1]

    def distance(strength: int) -> float:
        out = _draw(photo, faces, style, style_strength=strength)
        drawn = faces_drawn(style, given_faces, *out.size)
        return embedding_distance(faces.embedding, embed(out, drawn.face))

    closest, strongest = distance(0), distance(100)
    assert strongest - closest > MIN_RISE, f"{style}: {closest:.3f} at 0, {strongest:.3f} at 100"


def test_the_style_survives_every_strength(astronaut_512, faces):
    for strength in (0, 100):
        manga = np.asarray(_draw(astronaut_512, faces, "manga", style_strength=strength))
        assert (manga[..., 0] == manga[..., 2]).all(), "manga stays black and white"
        pixels = np.asarray(_draw(astronaut_512, faces, "pixel-art", style_strength=strength))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) <= 32, "a limited palette"
        pop = np.asarray(_draw(astronaut_512, faces, "pop-art", style_strength=strength))
        h, w = pop.shape[:2]
        assert (pop[h // 2, :, :] == 255).all() and (pop[:, w // 2, :] == 255).all(), "4 panels"


def test_a_profile_palette_and_a_strong_style_still_draw(astronaut_512, faces):
    from avatars.engines.base import ProfileContext

    eight = ProfileContext(palette=tuple(f"#{i:02x}{i:02x}{i:02x}" for i in range(10, 90, 10)))
    for style in STYLES:
        out = _draw(astronaut_512, faces, style, style_strength=100, profile=eight)
        assert out.mode == "RGB"


@pytest.mark.parametrize("value", [0, 37, 100, "64"])
def test_a_strength_from_0_to_100_is_taken(value):
    assert style_strength_check(value) == int(value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (-1, "goes from 0 (more like your photo) to 100 (more style), not -1"),
        (101, "not 101"),
        ("150", "not 150"),
        ("strong", "a whole number from 0"),
        (50.5, "a whole number from 0"),
        (True, "a whole number from 0"),
        (None, "a whole number from 0"),
    ],
)
def test_anything_else_is_refused_in_words(value, words):
    with pytest.raises(BadRequest, match=words.replace("(", r"\(").replace(")", r"\)")):
        style_strength_check(value)


def test_the_engine_refuses_a_strength_outside_the_range(astronaut_512, faces):
    with pytest.raises(BadRequest, match="not 120"):
        StudioEngine().render(
            RenderRequest(
                source=astronaut_512, style_slug="comics", faces=faces, style_strength=120
            )
        )
