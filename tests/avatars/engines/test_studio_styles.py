"""Every studio style on a real face photo, each checked for the property it promises."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from avatars.engines.base import BadRequest, ProfileContext, RenderRequest
from avatars.engines.studio import StudioEngine, crop_to_ratio
from avatars.engines.studio.common import StyleContext
from avatars.engines.studio.pixel_art import block_size
from avatars.engines.studio.registry import STYLES

SEEDED = [
    "comics",
    "manga",
    "zombie",
    "pop-art",
    "pixel-art",
    "pencil-sketch",
    "anime",
    "vintage",
    "neon",
]


@pytest.fixture(scope="module")
def rendered(face_photo, face_analysis):
    """Each style rendered once on the 1024² photo (styles are pure: sharing is safe)."""
    cache: dict[str, Image.Image] = {}

    def get(slug: str, palette=()) -> Image.Image:
        key = f"{slug}:{palette}"
        if key not in cache:
            _name, render = STYLES[slug]
            cache[key] = render(face_photo, StyleContext(faces=face_analysis, palette=palette))
        return cache[key]

    return get


def arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int32)


def face_box(face_analysis):
    return face_analysis.face.box


def chroma(a: np.ndarray) -> float:
    """Mean colourfulness in Lab (distance from neutral grey), robust in dark areas."""
    lab = cv2.cvtColor(np.ascontiguousarray(a.astype(np.uint8)), cv2.COLOR_RGB2LAB).astype(float)
    return float(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128).mean())


def colours(a: np.ndarray) -> int:
    return len(np.unique(a.reshape(-1, 3), axis=0))


def test_every_seeded_style_is_registered():
    assert set(SEEDED) <= set(STYLES)
    engine = StudioEngine()
    assert all(engine.supports_style(slug) for slug in SEEDED)
    assert not engine.supports_style("watercolour")


@pytest.mark.parametrize("slug", SEEDED)
def test_style_keeps_size_and_changes_the_picture(slug, rendered, face_photo):
    out = rendered(slug)
    assert out.mode == "RGB"
    if slug == "pixel-art":
        block = block_size(*face_photo.size)
        assert out.width == face_photo.width // block * block
        assert out.height == face_photo.height // block * block
    else:
        assert out.size == face_photo.size
    diff = np.abs(arr(out) - arr(face_photo)).mean()
    assert diff > 10, f"{slug} barely changed the photo ({diff:.1f})"


def test_comics_has_few_flat_colours_and_dark_outlines(rendered, face_photo):
    out = arr(rendered("comics"))
    assert colours(out) <= 24, "comics should be flat colour"
    assert colours(arr(face_photo)) > 10_000
    ink = (out.max(axis=-1) < 40).mean()
    assert ink > 0.03, f"too little ink ({ink:.1%})"
    # Halftone: the same colour appears both as a flat area and as its darker dot shade.
    g = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    assert cv2.Laplacian(g, cv2.CV_32F).var() > 500


def test_manga_is_greyscale_with_ink_and_screentone(rendered):
    out = arr(rendered("manga"))
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    g = out[..., 0]
    assert (g < 60).mean() > 0.1, "ink and screentone"
    assert (g > 200).mean() > 0.2, "paper white"


def test_zombie_face_turns_green_grey_with_dark_sunken_eyes(rendered, face_photo, face_analysis):
    src, out = arr(face_photo), arr(rendered("zombie"))
    left, top, right, bottom = face_box(face_analysis)
    region = (slice(top, bottom), slice(left, right))
    s, z = src[region].reshape(-1, 3).mean(0), out[region].reshape(-1, 3).mean(0)
    assert s[0] > s[1], "the source face is warm (more red than green)"
    assert z[1] > z[0] and z[1] > z[2], f"zombie face should lean green, got {z}"
    assert chroma(out[region]) < chroma(src[region]) * 0.9, "and be more grey"
    face = face_analysis.face
    d = int(face.eye_distance * 0.3)
    for x, y in (face.left_eye, face.right_eye):
        x, y = int(x), int(y)

        # Relative to the cheek below it, the eye socket is darker than in the photo.
        def socket_to_cheek(a, x=x, y=y):
            socket = a[y - d : y + d, x - d : x + d].mean()
            return socket / a[y + 2 * d : y + 3 * d, x - d : x + d].mean()

        assert socket_to_cheek(out) < socket_to_cheek(src) * 0.85, "sunken, darkened eyes"


def test_pop_art_is_four_panels_in_four_palettes(rendered):
    out = arr(rendered("pop-art"))
    h, w = out.shape[:2]
    ph, pw, m = h // 2, w // 2, 4  # panel size and a margin clear of the gutters
    panels = [out[y + m : y + ph - m, x + m : x + pw - m] for y in (0, ph) for x in (0, pw)]
    palettes = []
    for panel in panels:
        found = {tuple(c) for c in np.unique(panel.reshape(-1, 3), axis=0)}
        assert len(found) <= 4, "each panel is posterised to four colours"
        palettes.append(frozenset(found))
    assert len(set(palettes)) == 4, "each panel has its own palette"
    # The same picture in each panel: colour boundaries fall in the same places.
    changes = [(np.diff(p, axis=1) != 0).any(-1) for p in panels]
    for other in changes[1:]:
        assert (changes[0] == other).mean() > 0.95


def test_pixel_art_is_a_grid_of_identical_blocks_with_few_colours(rendered, face_photo):
    out = arr(rendered("pixel-art"))
    block = block_size(*face_photo.size)
    assert block >= 8
    h, w = out.shape[:2]
    cells = out.reshape(h // block, block, w // block, block, 3)
    assert (cells == cells[:, :1, :, :1, :]).all(), "every block is one colour"
    assert colours(out) <= 32


def test_pencil_sketch_is_near_greyscale_on_light_paper(rendered):
    out = arr(rendered("pencil-sketch"))
    spread = (out.max(-1) - out.min(-1)).mean()
    assert spread < 15, f"near-greyscale (channel spread {spread:.1f})"
    assert np.median(out.mean(-1)) > 170, "mostly light paper"
    assert (out.mean(-1) < 120).mean() > 0.03, "with graphite strokes"


def test_anime_is_smooth_vivid_cel_shading(rendered, face_photo, face_analysis):
    src, out = arr(face_photo), arr(rendered("anime"))
    hsv = lambda a: cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_RGB2HSV)  # noqa: E731
    assert hsv(out)[..., 1].mean() > hsv(src)[..., 1].mean() * 1.15, "more saturated"
    left, top, right, bottom = face_box(face_analysis)
    cheek = (slice(top + (bottom - top) // 2, bottom), slice(left, right))
    grey = lambda a: cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_RGB2GRAY)  # noqa: E731
    # Smooth skin: far fewer distinct tones on the face than in the photo.
    assert len(np.unique(grey(out[cheek]))) < len(np.unique(grey(src[cheek]))) * 0.85
    assert (out.max(-1) < 80).mean() > 0.01, "clean dark line art"


def test_vintage_is_sepia_with_a_vignette(rendered):
    out = arr(rendered("vintage"))
    mean = out.reshape(-1, 3).mean(0)
    assert mean[0] > mean[1] > mean[2], f"sepia: red > green > blue, got {mean}"
    hsv = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_RGB2HSV)
    hue = hsv[..., 0][hsv[..., 2] > 60]  # hue is meaningless in the darkest corners
    assert ((hue >= 5) & (hue <= 30)).mean() > 0.9, "brown-orange hue everywhere"
    h, w = out.shape[:2]
    centre = out[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].mean()
    corners = np.mean([out[: h // 8, : w // 8].mean(), out[-h // 8 :, -w // 8 :].mean()])
    assert corners < centre * 0.9, "darkened corners"


def test_neon_is_dark_with_bright_glowing_edges(rendered):
    out = arr(rendered("neon"))
    lum = out.mean(-1)
    assert np.median(lum) < 60, "mostly dark"
    assert (lum > 180).mean() > 0.01, "bright tubes"
    sat = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_RGB2HSV)[..., 1]
    assert sat[(lum > 60) & (lum < 200)].mean() > 100, "the glow is coloured"


def test_profile_palette_is_honoured(rendered):
    palette = ((20, 200, 60), (250, 240, 20))
    pop = arr(rendered("pop-art", palette))
    h, w = pop.shape[:2]
    first = {tuple(c) for c in np.unique(pop[: h // 2 - 3, : w // 2 - 3].reshape(-1, 3), axis=0)}
    assert set(palette) <= first, "the first pop-art panel is printed in the profile's colours"
    plain, tinted = arr(rendered("comics")), arr(rendered("comics", palette))
    assert (tinted[..., 1] - tinted[..., 2]).mean() > (plain[..., 1] - plain[..., 2]).mean()
    neon = arr(rendered("neon", palette))
    bright = neon[neon.mean(-1) > 120]
    assert bright[:, 1].mean() > bright[:, 2].mean(), "neon tubes in green/yellow, not blue"


@pytest.mark.parametrize("slug", SEEDED)
def test_styles_are_deterministic(slug, astronaut_512):
    _name, render = STYLES[slug]
    a = render(astronaut_512, StyleContext())
    b = render(astronaut_512.copy(), StyleContext())
    assert a.tobytes() == b.tobytes()


def test_engine_reports_real_stages_in_order(face_photo, face_analysis):
    seen = []

    def progress(stage, percent, message=None, text_delta=None):
        seen.append((stage, percent))

    request = RenderRequest(source=face_photo, style_slug="comics", faces=face_analysis)
    result = StudioEngine().render(request, progress)
    stages = list(dict.fromkeys(stage for stage, _ in seen))
    assert stages == ["decode", "detect", "stylise", "encode"]
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[-1] < 100
    assert result.text.startswith("Drew you in Comics")
    assert result.image.size == face_photo.size


def test_engine_letters_the_profile_caption(face_photo, face_analysis):
    plain = StudioEngine().render(
        RenderRequest(source=face_photo, style_slug="vintage", faces=face_analysis)
    )
    request = RenderRequest(
        source=face_photo,
        style_slug="vintage",
        faces=face_analysis,
        profile=ProfileContext(caption="Captain Ada"),
    )
    seen = []
    result = StudioEngine().render(request, lambda stage, *a, **k: seen.append(stage))
    assert "letter" in seen and "Captain Ada" in result.text
    a, b = arr(plain.image), arr(result.image)
    h = a.shape[0]
    assert np.abs(a[: h // 2] - b[: h // 2]).mean() < 1, "top untouched"
    assert np.abs(a[-h // 6 :] - b[-h // 6 :]).mean() > 10, "caption at the bottom"


def test_engine_crops_to_the_requested_ratio_around_the_face(face_photo, face_analysis):
    cropped, faces, _person = crop_to_ratio(face_photo, face_analysis, "3:4")
    assert cropped.size == (768, 1024)
    left, top, right, bottom = faces.face.box
    assert 0 <= left < right <= 768 and 0 <= top < bottom <= 1024
    result = StudioEngine().render(
        RenderRequest(
            source=face_photo, style_slug="manga", faces=face_analysis, aspect_ratio="3:4"
        )
    )
    assert result.image.size == (768, 1024)
    with pytest.raises(BadRequest):
        crop_to_ratio(face_photo, face_analysis, "wide")


def test_a_photo_without_a_face_still_gets_the_style():
    rng = np.random.default_rng(0)
    landscape = Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))
    result = StudioEngine().render(RenderRequest(source=landscape, style_slug="zombie"))
    assert result.image.size == (400, 300)
    assert "couldn't find a face" in result.text


def test_a_2k_selfie_is_drawn_at_1k_unless_2k_is_asked_for(face_photo, face_analysis):
    # Selfies are stored at up to 2048 px; drawing at that size took four times as long.
    selfie = face_photo.resize((2048, 1536))
    faces = face_analysis.scaled_to(2048, 1536)
    engine = StudioEngine()
    assert engine.capabilities()["image_sizes"] == ["1K", "2K"]
    plain = engine.render(RenderRequest(source=selfie, style_slug="anime", faces=faces))
    assert plain.image.size == (1024, 768)
    big = engine.render(
        RenderRequest(source=selfie, style_slug="anime", faces=faces, image_size="2K")
    )
    assert big.image.size == (2048, 1536)
    # The faces were moved with the picture: a catch-light sits in each eye at either size.
    for image in (plain.image, big.image):
        face = faces.scaled_to(*image.size).face
        d = face.eye_distance
        for x, y in (face.left_eye, face.right_eye):
            x, y = int(x - d * 0.05), int(y - d * 0.05)
            assert arr(image)[y - 1 : y + 2, x - 1 : x + 2].min() > 200, "a catch-light"


def test_a_small_selfie_is_not_enlarged_and_a_shape_is_cut_before_the_fit(
    face_photo, face_analysis
):
    small = face_photo.resize((600, 600))
    result = StudioEngine().render(
        RenderRequest(source=small, style_slug="vintage", faces=face_analysis, image_size="2K")
    )
    assert result.image.size == (600, 600)
    wide = face_photo.resize((2048, 2048))
    result = StudioEngine().render(
        RenderRequest(
            source=wide,
            style_slug="manga",
            faces=face_analysis.scaled_to(2048, 2048),
            aspect_ratio="3:4",
        )
    )
    assert result.image.size == (768, 1024)


def test_an_unknown_size_is_refused_in_words(face_photo, face_analysis):
    request = RenderRequest(
        source=face_photo, style_slug="comics", faces=face_analysis, image_size="4K"
    )
    with pytest.raises(BadRequest, match="can't draw at 4K. It offers: 1K, 2K"):
        StudioEngine().render(request)
