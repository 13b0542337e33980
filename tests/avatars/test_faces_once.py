"""The upload answers at once; the face is found once per selfie, by the job; the likeness is
measured after "done"; each download format is encoded once per version."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import override_settings

from avatars import faces
from avatars.models import Avatar, Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.context import turn_render_request
from avatars.services.turns import turn_request_edit
from tests.conftest import Listener, tasks_on, upload

pytestmark = pytest.mark.django_db

NOT_RUN = tasks_on("django_tasks.backends.dummy.DummyBackend")


def test_the_create_finds_no_face_the_job_does(alice, selfie_jpeg, run_jobs, face_photo):
    with override_settings(TASKS=NOT_RUN), run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    avatar.refresh_from_db()
    assert avatar.source_faces is None  # nothing analysed while the request waited

    listener = Listener(avatar.pk)
    from avatars.services.turn_run import turn_run

    turn_run(turn_id=avatar.turns.get().pk)
    events = listener.drain()
    first = next(e for e in events if e["type"] == "progress")
    assert (first["stage"], first["message"]) == ("faces", "Finding your face")
    kinds = [e["type"] for e in events]
    assert kinds.index("done") < kinds.index("likeness")  # shown first, measured after

    avatar.refresh_from_db()
    found = faces.FaceAnalysis.from_dict(avatar.source_faces)
    assert found.face is not None and avatar.face_note == ""
    # The embedding was computed from the kept landmarks, not a second detection: it is the
    # one a full analysis of the stored selfie gives (same pixels, same landmarks).
    with avatar.source.open("rb") as fh:
        from avatars.images import open_stored

        again = faces.analyse(open_stored(fh.read()))
    assert faces.embedding_distance(found.embedding, again.embedding) < 1e-6
    v1 = avatar.turns.get()
    assert v1.likeness is not None and v1.faces["faces"]


def test_an_edit_reuses_the_faces_found_in_its_parent(alice_avatar, run_jobs):
    v1 = alice_avatar.turns.get(number=1)
    assert v1.faces and v1.faces["faces"]
    with override_settings(TASKS=NOT_RUN), run_jobs():
        v2 = turn_request_edit(avatar=alice_avatar, instruction="add round glasses")
    v2 = Turn.objects.select_related("avatar__style", "avatar__owner", "parent").get(pk=v2.pk)
    request = turn_render_request(turn=v2)
    assert request.base_faces == faces.FaceAnalysis.from_dict(v1.faces)
    assert request.faces == faces.FaceAnalysis.from_dict(alice_avatar.source_faces)


def test_the_webp_download_is_encoded_once_and_kept(alice_client, alice_avatar):
    v1 = alice_avatar.turns.get(number=1)
    assert v1.webp  # made by the job, after "done"
    url = f"/avatars/{alice_avatar.pk}/v/{v1.pk}/download.webp"
    first = b"".join(alice_client.get(url).streaming_content)
    second = b"".join(alice_client.get(url).streaming_content)
    assert first == second
    with v1.webp.open("rb") as fh:
        assert fh.read() == first


def test_an_older_version_gets_its_webp_at_the_first_download(alice_client, alice_avatar):
    v1 = alice_avatar.turns.get(number=1)
    v1.webp.delete(save=True)  # as versions drawn before WebPs were kept
    url = f"/api/avatars/{alice_avatar.pk}/turns/{v1.pk}/image.webp"
    response = alice_client.get(url)
    assert response.status_code == 200
    v1.refresh_from_db()
    assert v1.webp
    with v1.webp.open("rb") as fh:
        assert b"".join(response.streaming_content) == fh.read()
    stored = v1.webp.name
    alice_client.get(url)
    v1.refresh_from_db()
    assert v1.webp.name == stored  # not made again


def test_avatars_from_before_keep_working(alice_avatar, run_jobs):
    """An avatar whose selfie was analysed at upload (before this change) keeps its faces."""
    Avatar.objects.filter(pk=alice_avatar.pk).update(
        source_faces=faces.FaceAnalysis.from_dict(alice_avatar.source_faces).to_dict()
    )
    with run_jobs():
        v2 = turn_request_edit(avatar=alice_avatar, instruction="make it warmer")
    v2.refresh_from_db()
    assert v2.status == Turn.Status.SUCCEEDED and v2.likeness is not None


def test_an_edit_draws_the_same_with_the_kept_faces_as_with_a_new_look(alice_avatar):
    """The faces kept from the likeness are the ones a new detection finds: same pixels."""
    from avatars.engines.studio import StudioEngine

    v1 = alice_avatar.turns.get(number=1)
    v2 = Turn(avatar=alice_avatar, parent=v1, number=2, kind=Turn.Kind.EDIT)
    v2.instruction = "add round glasses"
    request = turn_render_request(turn=v2)
    assert request.base_faces is not None
    kept = StudioEngine().render(request).image
    request.base_faces = None  # as for a version whose faces were never kept
    looked_again = StudioEngine().render(request).image
    assert kept.tobytes() == looked_again.tobytes()


def test_a_removed_version_gets_no_webp_and_no_faces_written_back(alice_avatar):
    """The work after "done" never writes onto a version a moderator removed meanwhile."""
    from avatars.services.downloads import turn_webp_store
    from avatars.services.likeness import turn_likeness_measure

    v1 = alice_avatar.turns.get(number=1)
    with v1.image.open("rb") as fh:
        from avatars.images import open_stored

        picture = open_stored(fh.read())
    Turn.objects.filter(pk=v1.pk).update(image="", thumbnail="", webp="", faces=None)
    assert turn_likeness_measure(turn=v1, image=picture) is None
    assert not turn_webp_store(turn=v1, image=picture)
    v1.refresh_from_db()
    assert v1.faces is None and not v1.webp


def test_the_person_is_found_once_in_the_selfie_and_once_in_each_version(alice_avatar, run_jobs):
    from avatars.person import PersonMask

    assert alice_avatar.source_person  # found by the first version's job, and kept
    v1 = alice_avatar.turns.get(number=1)
    assert v1.person  # found in the version's own picture after it was shown
    kept = PersonMask.from_dict(v1.person)
    assert kept.found and (kept.width, kept.height) == (v1.width, v1.height)
    with override_settings(TASKS=NOT_RUN), run_jobs():
        v2 = turn_request_edit(avatar=alice_avatar, instruction="remove the background")
    v2 = Turn.objects.select_related("avatar__style", "avatar__owner", "parent").get(pk=v2.pk)
    request = turn_render_request(turn=v2)
    assert np.array_equal(request.base_person.grid, kept.grid)
    source = PersonMask.from_dict(alice_avatar.source_person)
    assert np.array_equal(request.person.grid, source.grid)


def test_a_background_edit_of_a_version_with_nobody_in_it_fails_in_words(alice_avatar, run_jobs):
    from avatars.person import PersonMask

    v1 = alice_avatar.turns.get(number=1)
    # As kept for a version whose picture shows nobody (a landscape the user drew, say).
    nobody = PersonMask(np.zeros((256, 256), bool), v1.width, v1.height)
    Turn.objects.filter(pk=v1.pk).update(person=nobody.to_dict())
    with run_jobs():
        v2 = turn_request_edit(avatar=alice_avatar, instruction="put me on a city background")
    v2.refresh_from_db()
    alice_avatar.refresh_from_db()
    assert v2.status == Turn.Status.FAILED and v2.error_code == "no_person"
    assert "couldn't find a person" in v2.error_message
    assert not v2.image
    assert alice_avatar.current_turn_id == v1.pk  # the picture is kept, as it was
