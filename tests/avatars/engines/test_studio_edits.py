"""Studio edits on a real face photo: each lands where it promises and leaves the rest alone."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from avatars.engines.base import BadRequest, HistoryItem, ProfileContext, RenderRequest
from avatars.engines.studio import StudioEngine
from avatars.faces import FaceAnalysis

ENGINE = StudioEngine()


@pytest.fixture(scope="module")
def comic(face_photo, face_analysis) -> Image.Image:
    """The version being edited: a Comics avatar of the photo."""
    return ENGINE.render(
        RenderRequest(source=face_photo, style_slug="comics", faces=face_analysis)
    ).image


def edit(source, base, faces, instruction, **kwargs):
    events = []
    result = ENGINE.render(
        RenderRequest(
            source=source,
            style_slug="comics",
            kind="edit",
            instruction=instruction,
            base_image=base,
            faces=faces,
            **kwargs,
        ),
        lambda stage, percent, message=None, text_delta=None: events.append((stage, percent)),
    )
    return result, events


def arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int32)


def changed(before: Image.Image, after: Image.Image, threshold: int = 40) -> np.ndarray:
    """(ys, xs) of pixels the edit visibly changed."""
    diff = np.abs(arr(after) - arr(before)).max(axis=2)
    return np.nonzero(diff > threshold)


@pytest.mark.parametrize("variant", ["round", "square", "sunglasses"])
def test_glasses_land_in_the_eye_band(face_photo, face_analysis, comic, variant):
    face = face_analysis.face
    result, _ = edit(face_photo, comic, face_analysis, f"add {variant} glasses")
    ys, xs = changed(comic, result.image)
    assert len(ys) > 200, "the glasses are visible"
    d = face.eye_distance
    eye_y = (face.left_eye[1] + face.right_eye[1]) / 2
    in_band = (
        (np.abs(ys - eye_y) <= 0.6 * d)
        & (xs >= face.left_eye[0] - 1.15 * d)
        & (xs <= face.right_eye[0] + 1.15 * d)
    )
    assert in_band.mean() > 0.97, f"only {in_band.mean():.0%} of the glasses are on the eyes"
    # …and they cover both eyes, not just one.
    assert (xs < face.center[0]).mean() == pytest.approx(0.5, abs=0.12)
    assert "glasses" in result.text.lower()


@pytest.mark.parametrize("variant", ["top hat", "cap", "wizard hat", "crown"])
def test_hats_sit_above_the_face_box(face_photo, face_analysis, comic, variant):
    left, top, right, _bottom = face_analysis.face.box
    result, _ = edit(face_photo, comic, face_analysis, f"add a {variant}")
    ys, xs = changed(comic, result.image)
    assert len(ys) > 500
    assert (ys < top).mean() > 0.95, "the hat is on the head, not over the face"
    assert left - 0.2 * (right - left) < xs.mean() < right + 0.2 * (right - left)
    assert result.text == f"Added a {variant}."


@pytest.mark.parametrize("variant", ["moustache", "beard"])
def test_facial_hair_goes_below_the_nose(face_photo, face_analysis, comic, variant):
    face = face_analysis.face
    result, _ = edit(face_photo, comic, face_analysis, f"add a {variant}")
    ys, xs = changed(comic, result.image, threshold=25)
    assert len(ys) > 100
    # A moustache starts under the nose; a beard's sideburns climb the cheeks, below the eyes.
    d = face.eye_distance
    floor = face.nose[1] - 0.1 * d if variant == "moustache" else face.left_eye[1] + 0.2 * d
    assert (ys > floor).mean() > 0.97
    assert abs(xs.mean() - face.nose[0]) < 0.3 * face.eye_distance


def _warmth(image) -> float:
    a = arr(image)
    return float((a[..., 0] - a[..., 2]).mean())


def _luma(image) -> np.ndarray:
    return np.asarray(image.convert("L")).astype(float)


def test_warmer_and_cooler_shift_red_against_blue(face_photo, face_analysis, comic):
    warm, _ = edit(face_photo, comic, face_analysis, "make the lighting warmer")
    cool, _ = edit(face_photo, comic, face_analysis, "make it cooler")
    assert _warmth(warm.image) > _warmth(comic) + 10
    assert _warmth(cool.image) < _warmth(comic) - 10
    assert warm.text == "Warmed the light."


def test_brighter_darker_and_contrast(face_photo, face_analysis, comic):
    bright, _ = edit(face_photo, comic, face_analysis, "brighter")
    dark, _ = edit(face_photo, comic, face_analysis, "darker")
    punchy, _ = edit(face_photo, comic, face_analysis, "more contrast")
    assert _luma(bright.image).mean() > _luma(comic).mean() + 10
    assert _luma(dark.image).mean() < _luma(comic).mean() - 10
    assert _luma(punchy.image).std() > _luma(comic).std() * 1.15


def test_black_and_white_has_no_colour(face_photo, face_analysis, comic):
    result, _ = edit(face_photo, comic, face_analysis, "black and white")
    a = arr(result.image)
    assert (a.max(axis=2) - a.min(axis=2)).max() <= 1


@pytest.mark.parametrize(
    "ask", ["a sunset background", "a starfield background", "blue background"]
)
def test_background_changes_the_corners_and_keeps_the_face(face_photo, face_analysis, comic, ask):
    result, _ = edit(face_photo, comic, face_analysis, ask)
    before, after = arr(comic), arr(result.image)
    h, w = before.shape[:2]
    k = h // 10
    corners = [(slice(0, k), slice(0, k)), (slice(0, k), slice(w - k, w))]
    for rows, cols in corners:
        assert np.abs(after[rows, cols] - before[rows, cols]).mean() > 30, "the backdrop changed"
    left, top, right, bottom = face_analysis.face.box
    core = (slice(top + 10, bottom - 10), slice(left + 10, right - 10))
    assert np.abs(after[core] - before[core]).mean() < 3, "the face is untouched"


def test_caption_letters_only_its_band(face_photo, face_analysis, comic):
    bottom, _ = edit(face_photo, comic, face_analysis, 'write "Ada" at the bottom')
    top, _ = edit(face_photo, comic, face_analysis, "write 'Ada' at the top")
    b, t, c = arr(bottom.image), arr(top.image), arr(comic)
    h = c.shape[0]
    assert np.array_equal(b[: h * 6 // 10], c[: h * 6 // 10])
    assert np.abs(b[-h // 12 :] - c[-h // 12 :]).mean() > 20
    assert np.array_equal(t[h * 4 // 10 :], c[h * 4 // 10 :])
    assert np.abs(t[: h // 12] - c[: h // 12]).mean() > 20
    assert bottom.text == "Lettered “Ada” at the bottom."


def test_my_caption_uses_the_profile(face_photo, face_analysis, comic):
    result, _ = edit(
        face_photo,
        comic,
        face_analysis,
        "add my caption",
        profile=ProfileContext(caption="Captain Ada", palette=("#2a9d4f",)),
    )
    assert "Captain Ada" in result.text
    # The banner takes the palette's first colour.
    band = arr(result.image)[-8:-2].reshape(-1, 3).mean(axis=0)
    assert band[1] > band[0] + 40 and band[1] > band[2] + 20


def test_several_asks_all_apply_and_are_reported(face_photo, face_analysis, comic):
    result, events = edit(face_photo, comic, face_analysis, "add a hat and make it warmer")
    assert result.text == "Added a top hat; warmed the light."
    assert _warmth(result.image) > _warmth(comic) + 10
    top = face_analysis.face.box[1]
    assert (arr(result.image)[:top] != arr(comic)[:top]).any()
    stages = [stage for stage, _ in events]
    assert stages[0] == "decode" and "detect" in stages and stages[-1] == "encode"
    percents = [p for _, p in events]
    assert percents == sorted(percents)


def test_edits_are_deterministic(face_photo, face_analysis, comic):
    ask = "flowers in the background, add sunglasses and a crown"
    one, _ = edit(face_photo, comic, face_analysis, ask)
    two, _ = edit(face_photo, comic, face_analysis, ask)
    assert one.image.tobytes() == two.image.tobytes()


def test_undo_returns_the_version_before(face_photo, face_analysis, comic):
    earlier = Image.new("RGB", comic.size, (10, 20, 30))
    history = [HistoryItem("", image=earlier), HistoryItem("add a crown", image=comic)]
    result, _ = edit(face_photo, comic, face_analysis, "undo", history=history)
    assert result.image.tobytes() == earlier.tobytes()
    assert result.text == "Undid “add a crown”."
    with pytest.raises(BadRequest, match="nothing earlier"):
        edit(face_photo, comic, face_analysis, "undo", history=history[:1])


def test_an_impossible_edit_is_refused_with_what_we_can_do(face_photo, face_analysis, comic):
    with pytest.raises(BadRequest) as caught:
        edit(face_photo, comic, face_analysis, "make me taller")
    assert "can't" in caught.value.message and "glasses" in caught.value.message


def test_a_style_that_hides_the_face_still_gets_its_glasses(face_photo, face_analysis):
    pixels = ENGINE.render(
        RenderRequest(source=face_photo, style_slug="pixel-art", faces=face_analysis)
    ).image
    result, _ = edit(face_photo, pixels, face_analysis, "add sunglasses")
    ys, _xs = changed(pixels, result.image)
    eye_y = face_analysis.face.left_eye[1]
    assert len(ys) > 200 and abs(np.median(ys) - eye_y) < face_analysis.face.eye_distance * 0.5


def test_no_face_anywhere_means_no_accessory_and_a_clear_message():
    blank = Image.new("RGB", (400, 400), (200, 180, 160))
    with pytest.raises(BadRequest, match="couldn't find a face"):
        edit(blank, blank, FaceAnalysis(400, 400), "add a hat")
    # Edits that need no face still work on such a picture.
    result, _ = edit(blank, blank, FaceAnalysis(400, 400), "make it cooler")
    assert _warmth(result.image) < _warmth(blank)


def test_no_face_means_no_background_swap_rather_than_painting_over_the_person():
    blank = Image.new("RGB", (400, 400), (200, 180, 160))
    with pytest.raises(BadRequest, match="can't tell you from the background"):
        edit(blank, blank, FaceAnalysis(400, 400), "sunset background")


def test_a_hat_with_no_room_above_the_head_is_refused_not_claimed(face_photo, face_analysis):
    # Crop the photo so the top of the face box is the top of the picture.
    left, top, right, bottom = face_analysis.face.box
    cropped = face_photo.crop((0, top, face_photo.width, face_photo.height))
    faces = FaceAnalysis(
        cropped.width,
        cropped.height,
        tuple(
            type(f)(
                box=(f.box[0], f.box[1] - top, f.box[2], f.box[3] - top),
                landmarks=tuple((x, y - top) for x, y in f.landmarks),
                score=f.score,
            )
            for f in face_analysis.faces
        ),
    )
    with pytest.raises(BadRequest, match="no room above the head"):
        edit(cropped, cropped, faces, "add a top hat")
    # Glasses still fit.
    result, _ = edit(cropped, cropped, faces, "add glasses")
    assert result.text == "Added round glasses."


def test_a_coloured_hat_and_a_black_and_white_background(face_photo, face_analysis, comic):
    result, _ = edit(face_photo, comic, face_analysis, "add a green cap")
    ys, xs = changed(comic, result.image)
    hat = arr(result.image)[ys, xs].mean(axis=0)
    assert hat[1] > hat[0] + 20 and hat[1] > hat[2], f"the cap is green, got {hat}"

    result, _ = edit(face_photo, comic, face_analysis, "make the background black and white")
    a = arr(result.image)
    k = a.shape[0] // 10
    corner = a[:k, :k]
    assert (corner.max(axis=2) - corner.min(axis=2)).mean() < 3, "the backdrop lost its colour"
    before = arr(comic)[:k, :k].mean(axis=2)
    assert np.abs(corner.mean(axis=2) - before).mean() < 12, "but is the same backdrop, in grey"
    left, top, right, bottom = face_analysis.face.box
    face = a[top + 10 : bottom - 10, left + 10 : right - 10]
    assert (face.max(axis=2) - face.min(axis=2)).mean() > 10, "the face kept it"
    assert result.text == "Made the background black and white."


def test_complaints_turn_around(face_photo, face_analysis, comic):
    result, _ = edit(face_photo, comic, face_analysis, "it's too dark")
    assert _luma(result.image).mean() > _luma(comic).mean() + 10
    softer, _ = edit(face_photo, comic, face_analysis, "less contrast")
    assert _luma(softer.image).std() < _luma(comic).std() * 0.85
    assert softer.text == "Softened the contrast."


def test_a_caption_on_a_tall_thin_picture_stays_readable():
    from avatars.engines.studio.lettering import letter_caption

    tall = Image.new("RGB", (60, 3000), (90, 120, 200))
    out = arr(letter_caption(tall, "Ada"))
    changed_rows = np.nonzero(np.abs(out - arr(tall)).max(axis=(1, 2)) > 0)[0]
    band = changed_rows.max() - changed_rows.min() + 1
    assert changed_rows.min() > 2800 and band < 60, "a banner sized to the width, at the bottom"


def test_a_close_up_gets_its_background_swapped_too(hopper):
    # Grace Hopper fills her photo: little background beside the head, a flag behind her.
    from avatars.faces import analyse

    faces = analyse(hopper, with_embedding=False)
    result, _ = edit(hopper, hopper, faces, "a pink background")
    before, after = arr(hopper), arr(result.image)
    h, w = before.shape[:2]
    k = h // 12
    assert np.abs(after[:k, :k] - before[:k, :k]).mean() > 30, "the flag corner turned pink"
    left, top, right, bottom = faces.face.box
    core = (slice(top + 10, bottom - 10), slice(left + 10, right - 10))
    assert np.abs(after[core] - before[core]).mean() < 3, "the face is untouched"


def test_an_edit_keeps_the_size_of_the_version_it_edits(face_photo, face_analysis, comic):
    # The selfie is stored at 2K, the version being edited was drawn at 1K: the edit stays 1K.
    selfie = face_photo.resize((2048, 2048))
    faces = face_analysis.scaled_to(2048, 2048)
    result, _ = edit(selfie, comic, faces, "add round glasses")
    assert result.image.size == comic.size == (1024, 1024)
    big = comic.resize((2048, 2048))
    result, _ = edit(selfie, big, faces, "make it warmer", image_size="2K")
    assert result.image.size == (2048, 2048)
