"""The person mask: scored against masks drawn by hand, against the GrabCut cut it replaced,
and kept in a form that is the same on any CPU (issue #25)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from avatars import person
from avatars.faces import analyse
from avatars.person import PersonMask
from tests.avatars.engines import mask_quality as mq

# Measured on this machine (Intel Xeon, AVX-512) with the model cut at one half and the
# colour guided filter: IoU and boundary F (1% of the diagonal) per portrait. Each bound
# below is the measured figure less a margin (0.03 IoU, 0.05 F): the grid is the same on
# every CPU tried, so the margin is for honest changes to the soft edge, not for noise.
MODEL = {
    "astronaut": (0.965, 0.902),
    "hopper": (0.978, 0.946),
    "camera": (0.925, 0.747),
    "astronaut-on-grass": (0.970, 0.831),
    "hopper-on-bricks": (0.993, 1.000),
    "camera-on-coffee": (0.731, 0.582),
}
# GrabCut as the studio ran it (seeded from dlib's face box; no face found, no cut): its
# means were IoU 0.585 and F 0.489 over the same six; the model's 0.927 and 0.835.
GAIN = 0.25


@pytest.fixture(scope="module")
def scored():
    rows = {}
    for portrait in mq.portraits():
        image = Image.fromarray(portrait.rgb)
        ours = person.alpha(image) > 0.5
        faces = analyse(image, with_embedding=False)
        if faces.face is not None:
            theirs = mq.grabcut_mask(portrait.rgb, faces) > 0.5
        else:
            theirs = np.zeros_like(portrait.reference)  # it refused: nothing cut
        rows[portrait.name] = {
            "model": (mq.iou(ours, portrait.reference), mq.boundary_f(ours, portrait.reference)),
            "grabcut": (
                mq.iou(theirs, portrait.reference),
                mq.boundary_f(theirs, portrait.reference),
            ),
        }
    return rows


def test_the_six_portraits_are_there_with_their_hand_drawn_masks():
    found = mq.portraits()
    assert [p.name for p in found] == list(MODEL)
    for portrait in found:
        share = portrait.reference.mean()
        assert 0.25 < share < 0.75, f"{portrait.name}: a person, with background around"
        assert portrait.reference.shape == portrait.rgb.shape[:2]


@pytest.mark.parametrize("name", list(MODEL))
def test_the_mask_matches_the_hand_drawn_outline(scored, name):
    iou, f = scored[name]["model"]
    want_iou, want_f = MODEL[name]
    assert iou >= want_iou - 0.03, f"{name}: IoU {iou:.3f}"
    assert f >= want_f - 0.05, f"{name}: boundary F {f:.3f}"


def test_the_model_beats_the_grabcut_cut_it_replaced(scored):
    def mean(method: str, index: int) -> float:
        return float(np.mean([row[method][index] for row in scored.values()]))

    assert mean("model", 0) >= mean("grabcut", 0) + GAIN
    assert mean("model", 1) >= mean("grabcut", 1) + GAIN
    # On the two real portraits GrabCut could cut at all, the model is better on each.
    for name in ("astronaut", "hopper"):
        assert scored[name]["model"][0] > scored[name]["grabcut"][0]
        assert scored[name]["model"][1] > scored[name]["grabcut"][1]


def test_the_hair_is_the_person(face_photo):
    # The astronaut's hair, above her eyes, inside the hand-drawn outline: the soft alpha
    # keeps nearly all of it.
    ref = mq.reference("astronaut")
    alpha = person.alpha(face_photo.resize((512, 512), Image.Resampling.LANCZOS))
    hair = ref.copy()
    hair[95:] = False  # above the eyes
    assert alpha[hair].mean() > 0.9


def test_a_picture_with_nobody_in_it_has_no_person():
    from skimage import data

    # (A cat or a cup of coffee in front of a plain ground the model does take for someone:
    # the studio's background edits also ask for a face; see test_background_edits.)
    for picture in (Image.new("RGB", (640, 480), (200, 180, 160)), Image.fromarray(data.rocket())):
        mask = person.find(picture)
        assert not mask.found, f"share {mask.share:.3f}"


def test_the_kept_mask_is_a_small_yes_no_grid_that_round_trips(face_photo):
    mask = person.find(face_photo)
    assert mask.grid.dtype == bool and mask.grid.shape == (256, 256)
    data = mask.to_dict()
    assert (data["width"], data["height"]) == face_photo.size
    assert len(data["grid"]) < 4000  # a 1-bit PNG, base64: a few kilobytes in the row
    again = PersonMask.from_dict(data)
    assert np.array_equal(again.grid, mask.grid)
    assert np.array_equal(again.alpha(face_photo), mask.alpha(face_photo))


def test_a_crop_of_the_mask_is_the_mask_of_the_crop(face_photo):
    mask = person.find(face_photo)
    box = (200, 100, 900, 1000)
    crop = face_photo.crop(box).resize((350, 450))
    cut = mask.cropped(box, face_photo.size).alpha(crop) > 0.5
    whole = mask.alpha(face_photo)[100:1000, 200:900] > 0.5
    whole = np.asarray(Image.fromarray(whole).resize((350, 450))) > 0
    assert mq.iou(cut, whole) > 0.98


def test_the_soft_edge_is_soft_and_the_rest_is_sure(face_photo):
    alpha = person.alpha(face_photo)
    assert alpha.dtype == np.float32 and alpha.shape == (1024, 1024)
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    unsure = ((alpha > 0.05) & (alpha < 0.95)).mean()
    assert 0.002 < unsure < 0.06, "a band along the outline, not a fog"


def test_the_mask_follows_the_studios_crops(face_photo, face_analysis):
    from avatars.engines.studio import crop_to_ratio, frame_take

    mask = person.find(face_photo)
    whole = mask.alpha(face_photo)

    def seen(moved: PersonMask, picture: Image.Image) -> np.ndarray:
        """The whole picture's alpha, cut to the moved mask's region, at the picture's size."""
        left, top, right, bottom = (round(v * 1024) for v in moved.region)
        part = Image.fromarray(whole[top:bottom, left:right])
        return np.asarray(part.resize(picture.size, Image.Resampling.BILINEAR)) > 0.5

    cropped, _faces, moved = crop_to_ratio(face_photo, face_analysis, "3:4", mask)
    assert cropped.size == (768, 1024) and moved.region[1::2] == (0.0, 1.0)
    assert mq.iou(moved.alpha(cropped) > 0.5, seen(moved, cropped)) > 0.98
    closer, _faces, nearer = frame_take(face_photo, face_analysis, 0.68, 1024, mask)
    assert nearer.region[2] - nearer.region[0] < 0.7
    assert mq.iou(nearer.alpha(closer) > 0.5, seen(nearer, closer)) > 0.98
