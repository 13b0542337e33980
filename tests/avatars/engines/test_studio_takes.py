"""Several takes of one selfie in the studio: real differences (framing, and each style's own
parameters: colours, screens, line weight, palettes), not copies — each still its style, each
the same pixels every time, and the first take exactly the picture a single create draws."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

from avatars.engines.base import RenderRequest
from avatars.engines.studio import FRAMING, StudioEngine
from avatars.engines.studio.registry import STYLES

# Mean absolute difference (0-255, per channel) between two takes, compared at 128² so a
# screen that merely shifts by a dot counts for little. Measured on the astronaut at 512²:
# the closest pair of every style is takes 1 and 3 (same framing, the style's parameters
# alone), from 9.1 (comics) and 9.3 (pencil sketch) to 51.6 (pop art); a copy is 0.
MIN_DIFFERENCE = 6.0
TAKES = range(4)


@pytest.fixture(scope="module")
def faces(astronaut_512):
    from avatars.faces import analyse

    return analyse(astronaut_512, with_embedding=False)


def _take(photo, faces, style: str, variant: int) -> Image.Image:
    request = RenderRequest(source=photo, style_slug=style, faces=faces, variant=variant)
    return StudioEngine().render(request).image


def _small(image: Image.Image) -> np.ndarray:
    return np.asarray(image.resize((128, 128), Image.Resampling.BOX), np.float32)


@pytest.mark.parametrize("style", list(STYLES))
def test_every_take_differs_from_every_other(astronaut_512, faces, style):
    takes = [_take(astronaut_512, faces, style, v) for v in TAKES]
    for a, b in itertools.combinations(TAKES, 2):
        difference = float(np.abs(_small(takes[a]) - _small(takes[b])).mean())
        assert difference > MIN_DIFFERENCE, (
            f"{style}: takes {a + 1} and {b + 1} differ by {difference:.1f}"
        )
    # Same size (pixel art keeps whole cells: a few pixels less at most).
    for take in takes:
        assert abs(take.width - takes[0].width) <= takes[0].width // 40
        assert abs(take.height - takes[0].height) <= takes[0].height // 40


@pytest.mark.parametrize("style", list(STYLES))
def test_the_same_take_is_the_same_pixels(astronaut_512, faces, style):
    again = [_take(astronaut_512, faces, style, 2).tobytes() for _ in range(2)]
    assert again[0] == again[1]


@pytest.mark.parametrize("style", ["comics", "pixel-art", "zombie"])
def test_the_first_take_is_the_single_create(astronaut_512, faces, style):
    single = StudioEngine().render(
        RenderRequest(source=astronaut_512, style_slug=style, faces=faces)
    )
    assert single.image.tobytes() == _take(astronaut_512, faces, style, 0).tobytes()


def test_the_style_survives_every_take(astronaut_512, faces):
    for variant in TAKES:
        manga = np.asarray(_take(astronaut_512, faces, "manga", variant)).astype(int)
        assert np.abs(manga[..., 0] - manga[..., 2]).max() == 0, "manga stays black and white"
        pixels = np.asarray(_take(astronaut_512, faces, "pixel-art", variant))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) <= 32, "a limited palette"
        pop = np.asarray(_take(astronaut_512, faces, "pop-art", variant))
        h, w = pop.shape[:2]
        assert (pop[h // 2, :, :] == 255).all() and (pop[:, w // 2, :] == 255).all(), "4 panels"


def test_later_takes_frame_closer_or_keep_it_all():
    assert FRAMING[0] == 1.0, "the first take is the whole picture, as a single create"
    assert all(0.5 < keep <= 1.0 for keep in FRAMING)
