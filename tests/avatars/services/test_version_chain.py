"""The version timeline with the real studio engine: generate → 3 edits → branch → revert."""

from __future__ import annotations

import pytest

from avatars import images
from avatars.faces import SAME_PERSON, analyse
from avatars.models import Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_request_edit, turn_revert
from pixme.errors import ApplicationError
from tests.conftest import upload

pytestmark = pytest.mark.django_db

# Likeness differs between machines: the studio's k-means starts from numpy's default argsort,
# whose order among equal values follows the CPU's SIMD path (AVX-512, AVX2 or none), so the
# Comics picture and every likeness after it change with the CPU (issue #9). Spread measured by
# bench/likeness_numerics.py over 3 SIMD paths, 12 orders of ties, 12 draws of ±1 grey level of
# noise on the selfie, and round glasses placed 1 px off, as distance to the selfie:
#   Comics, warmer, black and white (no accessory)  0.447-0.526  → under SAME_PERSON (0.6),
#                                                    0.074 to spare;
#   with round glasses (v3, v4)                     0.584-0.676  → under WITH_GLASSES.
# Re-measured after the studio was made faster (issue #12: smoothing on a half-size copy, exact
# k-means labels), 8 orders of ties and 8 draws of noise; every switch of part 1 gave the same
# bytes: no accessory 0.455-0.535 (0.065 to spare), round glasses 0.597-0.684.
# What lost identity scores: a flat grey 0.775, another person drawn in Comics 0.789 (0.783
# after #12); and dlib finds no face at all in a flat grey or a colour-inverted version, which
# fails "no likeness".
WITH_GLASSES = 0.72  # 0.036 above the worst glasses measured (#12), 0.055 under a flat grey


def _image(turn: Turn):
    with turn.image.open("rb") as fh:
        return images.open_stored(fh.read())


def test_generate_three_edits_branch_and_revert_keep_every_version(alice, selfie_jpeg, run_jobs):
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    v1 = avatar.turns.get(number=1)
    instructions = ["make the lighting warmer", "add round glasses", 'write "Ada" at the bottom']
    parent = v1
    for instruction in instructions:
        with run_jobs():
            turn = turn_request_edit(avatar=avatar, instruction=instruction, parent=parent)
        parent = Turn.objects.get(pk=turn.pk)
        assert parent.status == Turn.Status.SUCCEEDED, parent.error_message
    v2 = avatar.turns.get(number=2)
    with run_jobs():
        branch = turn_request_edit(avatar=avatar, instruction="black and white", parent=v2)
    branch.refresh_from_db()
    assert branch.status == Turn.Status.SUCCEEDED and branch.parent_id == v2.pk
    avatar.refresh_from_db()
    assert avatar.current_turn_id == branch.pk

    v3 = avatar.turns.get(number=3)
    turn_revert(avatar=avatar, turn=v3)
    avatar.refresh_from_db()
    assert avatar.current_turn_id == v3.pk

    turns = list(avatar.turns.order_by("number"))
    assert [t.number for t in turns] == [1, 2, 3, 4, 5], "nothing was deleted"
    assert [t.parent_id for t in turns] == [None, v1.pk, v2.pk, v3.pk, v2.pk]
    assert all(t.status == Turn.Status.SUCCEEDED and t.image for t in turns)
    assert "glasses" in v3.model_text.lower()
    # The face stays put and recognisable in every version, on any CPU (issue #9).
    first = analyse(_image(turns[0]), with_embedding=False).face
    for turn in turns:
        assert turn.likeness is not None, f"v{turn.number} has no likeness recorded"
        limit = WITH_GLASSES if turn.number in (3, 4) else SAME_PERSON
        assert turn.likeness < limit, f"v{turn.number} lost the likeness ({turn.likeness:.2f})"
        face = analyse(_image(turn), with_embedding=False).face
        assert face is not None, f"no face in v{turn.number}"
        # dlib sees faces at pyramid steps of 6/5, so glasses can snap the box one step larger
        # (171 → 206 px wide in 3 of 12 noisy runs) while its centre moved at most 5 px.
        drift = max(abs(a - b) for a, b in zip(face.center, first.center, strict=True))
        assert drift <= 12, f"v{turn.number}'s face moved {drift:.0f} px"
        assert 1 / 1.3 < face.width / first.width < 1.3, f"v{turn.number}'s face changed size"
    # The caption is lettered below the face, so it cannot cost likeness (measured: identical).
    assert turns[3].likeness == pytest.approx(turns[2].likeness, abs=0.005)


def test_undo_goes_back_to_the_parents_picture(alice, selfie_jpeg, run_jobs):
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    with run_jobs():
        turn_request_edit(avatar=avatar, instruction="add a crown")
    avatar.refresh_from_db()
    with run_jobs():
        undo = turn_request_edit(avatar=avatar, instruction="undo")
    undo.refresh_from_db()
    assert undo.status == Turn.Status.SUCCEEDED
    v1 = avatar.turns.get(number=1)
    assert _image(undo).tobytes() == _image(v1).tobytes()


def test_an_edit_the_studio_cannot_do_is_refused_politely_and_keeps_earlier_versions(
    alice_avatar, run_jobs
):
    with run_jobs(), pytest.raises(ApplicationError) as refused:
        turn_request_edit(avatar=alice_avatar, instruction="make me taller")
    assert refused.value.code == "bad_instruction"
    assert "can't" in refused.value.message and "glasses" in refused.value.message
    assert alice_avatar.turns.count() == 1  # no version was made for it
    alice_avatar.refresh_from_db()
    assert alice_avatar.current_turn.number == 1
    assert alice_avatar.current_turn.image
