"""Alice decides how long her photo is kept: until she deletes the avatar (``keep``), once her
avatar is done (``when_done``: gone in the same job sequence, no timer), or 30 days after the
upload (``days_30``: the sweep that `pixme_recover` and the embedded background runner run).
The operator sets the default and the longest allowed. Once the photo is gone the avatar stays:
its page says when the photo went, edits (studio and Gemini), new takes and shares work from the
versions, and the reel starts from the first version and says so. Bob can't touch any of it."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from accounts.models import DeletionReceipt, Profile
from accounts.services import profile_update
from avatars.models import Avatar, Reel, Style, Turn
from avatars.reels.encode import reel_frames
from avatars.reels.services import reel_request
from avatars.retention.services import photos_sweep
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_cancel, turn_request_edit, turn_retry
from avatars.sharing.services import avatar_share, share_path
from pixme.errors import ApplicationError
from tests.conftest import token_client, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


def choose(user, value: str) -> None:
    profile_update(profile=Profile.objects.get(user=user), data={"photo_retention": value})


def create(user, selfie_jpeg, run_jobs, **options) -> tuple[Avatar, str]:
    """A new avatar drawn by its jobs, and its photo's SHA-256 as stored (read before the jobs
    run: with ``when_done`` the photo is gone once they have)."""
    with run_jobs():
        avatar = avatar_create(
            owner=user,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug=options.pop("style", "comics")),
            **options,
        )
        digest = hashlib.sha256(stored(avatar.source.name).read_bytes()).hexdigest()
    avatar.refresh_from_db()
    return avatar, digest


def stored(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def photo_receipts(user) -> list[dict]:
    rows = DeletionReceipt.objects.filter(user=user, kind="photo").order_by("created_at")
    return [json.loads(r.document)["receipt"] for r in rows]


def _photo_gone(avatar: Avatar, name: str) -> None:
    avatar.refresh_from_db()
    assert not avatar.source and avatar.photo_deleted_at is not None
    assert not stored(name).exists() and not stored(name).parent.exists()
    assert avatar.source_person is None  # the outline of the person in the photo went too


# --- keep ------------------------------------------------------------------------------------


def test_keep_deletes_nothing_even_years_later(alice, selfie_jpeg, run_jobs):
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    assert Profile.objects.get(user=alice).photo_retention == ""  # never chose: the default
    later = timezone.now() + timedelta(days=3 * 365)
    assert photos_sweep(now=later) == []
    avatar.refresh_from_db()
    assert avatar.source and stored(avatar.source.name).exists()
    assert avatar.photo_deleted_at is None
    assert not DeletionReceipt.objects.exists()


# --- when_done ------------------------------------------------------------------------------


def test_when_done_the_photo_goes_with_the_jobs_that_drew_it(
    alice, alice_client, selfie_jpeg, run_jobs
):
    choose(alice, "when_done")
    avatar, digest = create(alice, selfie_jpeg, run_jobs)
    name_before = Avatar.objects.values_list("source", flat=True)  # emptied by now
    assert list(name_before) == [""]
    v1 = Turn.objects.get(avatar=avatar)
    assert v1.status == Turn.Status.SUCCEEDED
    # The likeness was measured first (it needs the photo), and can still be: the face's
    # embedding stays with the avatar.
    assert v1.likeness is not None and v1.after_work == ""
    assert avatar.source_faces and avatar.source_faces["embedding"]
    assert not avatar.source and avatar.photo_deleted_at is not None
    assert avatar.source_person is None
    assert not any(name.endswith("source.jpg") for name in media_files())

    [receipt] = photo_receipts(alice)
    assert receipt["reason"] == "retention" and "once your avatar was done" in receipt["why"]
    assert [(f["what"], f["sha256"]) for f in receipt["files"]] == [("photo", digest)]

    page = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    when = timezone.localtime(avatar.photo_deleted_at)
    assert f"Your photo was deleted on {when:%-d %b %Y, %H:%M}" in page
    assert 'id="original"' not in page and 'id="compare-slider"' not in page
    assert f'src="/avatars/{avatar.pk}/v/{v1.pk}/image.png"' in page
    assert alice_client.get(f"/avatars/{avatar.pk}/source.jpg").status_code == 404
    api = token_client(alice).get(f"/api/avatars/{avatar.pk}/").json()
    assert api["photo_deleted_at"] == avatar.photo_deleted_at.isoformat()


def test_when_done_waits_for_every_take(alice, selfie_jpeg, run_jobs):
    choose(alice, "when_done")
    avatar, digest = create(alice, selfie_jpeg, run_jobs, variants=3)
    takes = list(Turn.objects.filter(avatar=avatar).order_by("number"))
    assert [t.status for t in takes] == [Turn.Status.SUCCEEDED] * 3
    assert all(t.likeness is not None for t in takes)  # every take measured against it
    assert not avatar.source
    [receipt] = photo_receipts(alice)  # once, not per take
    assert receipt["files"][0]["sha256"] == digest


def test_when_done_keeps_the_photo_while_no_version_is_drawn(alice, selfie_jpeg, run_jobs):
    choose(alice, "when_done")
    with run_jobs():
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
        turn_cancel(turn=avatar.turns.get())
    avatar.refresh_from_db()
    assert avatar.source and avatar.photo_deleted_at is None  # nothing drawn from it yet
    assert photos_sweep() == []
    with run_jobs():
        turn_retry(turn=avatar.turns.get())
    avatar.refresh_from_db()
    assert not avatar.source  # done now: gone


def test_a_new_take_edits_and_a_share_work_from_the_versions(
    alice, alice_client, client, selfie_jpeg, run_jobs
):
    choose(alice, "when_done")
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            variants=2,
        )
        second = avatar.turns.get(number=2)
        turn_cancel(turn=second)  # before it was drawn: the first take alone is done
    avatar.refresh_from_db()
    assert not avatar.source

    with run_jobs():  # a new take, drawn from the first version
        turn_retry(turn=second)
    second.refresh_from_db()
    assert second.status == Turn.Status.SUCCEEDED, second.error_message
    assert second.likeness is not None  # measured against the embedding kept

    with run_jobs():
        edit = turn_request_edit(avatar=avatar, instruction="add round glasses")
    edit.refresh_from_db()
    assert edit.status == Turn.Status.SUCCEEDED, edit.error_message
    assert edit.image and stored(edit.image.name).exists()

    with run_jobs():
        path = share_path(avatar=avatar_share(avatar=avatar))
    shared = client.get(path)
    assert shared.status_code == 200
    avatar.refresh_from_db()
    image = client.get(f"{path}image.png")
    assert image.status_code == 200
    assert Image.open(io.BytesIO(b"".join(image.streaming_content))).size == (
        avatar.current_turn.width,
        avatar.current_turn.height,
    )


def test_an_edit_with_gemini_sends_the_first_version_in_the_photo_s_place(
    alice, selfie_jpeg, run_jobs, gemini_settings, gemini_server
):
    choose(alice, "when_done")
    avatar, _ = create(alice, selfie_jpeg, run_jobs, engine="gemini")
    v1 = avatar.turns.get()
    assert v1.status == Turn.Status.SUCCEEDED and not avatar.source
    first_sent = gemini_server.last
    assert "Turn this selfie into an avatar" in " ".join(first_sent.texts("user"))

    with run_jobs():
        edit = turn_request_edit(avatar=avatar, instruction="add a crown")
    edit.refresh_from_db()
    assert edit.status == Turn.Status.SUCCEEDED, edit.error_message
    sent = gemini_server.last
    brief = sent.texts("user")[0]
    assert "it is the first avatar drawn of this person" in brief
    assert "selfie" not in sent.system_text
    with v1.image.open("rb") as fh:
        first_version = Image.open(io.BytesIO(fh.read())).convert("RGB")
    # The picture in the photo's place is the first version (as Gemini gets it: ≤1024 px).
    stand_in = Image.open(io.BytesIO(sent.images[0].data)).convert("RGB")
    assert stand_in.size == first_version.size
    assert _mean_difference(stand_in, first_version) < 4


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def picture(field) -> Image.Image:
    with field.open("rb") as fh:
        return Image.open(io.BytesIO(fh.read())).convert("RGB")


def starts_with(reel: Reel, first: Image.Image) -> bool:
    """The reel's first frame is ``first`` (as the reel frames it), not anything else."""
    with reel.webp.open("rb") as fh, Image.open(io.BytesIO(fh.read())) as shown:
        shown.seek(0)
        frame = shown.convert("RGB")
    expected = reel_frames([first, first], side=max(frame.size))[0].image
    return _mean_difference(frame, expected.resize(frame.size)) < 12


def test_the_reel_starts_from_the_first_version_and_says_so(
    alice, alice_client, selfie_jpeg, run_jobs
):
    choose(alice, "when_done")
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    with pytest.raises(ApplicationError) as refused:  # one version: nothing to go to
        reel_request(avatar=avatar)
    assert refused.value.code == "photo_deleted"
    assert not Reel.objects.exists()
    page = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    assert "the reel starts from the first version: edit it once" in page
    assert 'id="reel-play"' not in page

    with run_jobs():
        turn_request_edit(avatar=avatar, instruction="add round glasses")
    avatar.refresh_from_db()
    with run_jobs():
        reel = reel_request(avatar=avatar)
    reel.refresh_from_db()
    assert reel.status == Reel.Status.READY, reel.error_message
    assert starts_with(reel, picture(avatar.turns.get(number=1).image))
    page = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    assert "Your photo was deleted, so the reel starts from the first version" in page


def test_a_shared_reel_is_made_again_without_the_photo(alice, client, selfie_jpeg, run_jobs):
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    with run_jobs():
        turn_request_edit(avatar=avatar, instruction="add round glasses")
    avatar.refresh_from_db()
    with run_jobs():
        path = share_path(avatar=avatar_share(avatar=avatar, reel=True))
    old = Reel.objects.get(avatar=avatar)
    assert old.status == Reel.Status.READY and starts_with(old, picture(avatar.source))
    old_files = [old.webp.name, old.gif.name]

    with run_jobs():
        choose(alice, "when_done")  # applies to the photos she has now
    avatar.refresh_from_db()
    assert not avatar.source
    new = Reel.objects.get(avatar=avatar)
    assert new.status == Reel.Status.READY
    assert starts_with(new, picture(avatar.turns.get(number=1).image))
    assert not any(stored(name).exists() for name in old_files)  # it began with the photo
    [receipt] = photo_receipts(alice)
    assert [f["what"] for f in receipt["files"]] == [
        "photo",
        "reel (WebP), which began with the photo",
        "reel (GIF), which began with the photo",
    ]
    page = client.get(path).content.decode()
    assert "from the first version to this one" in page


# --- days_30 --------------------------------------------------------------------------------


def test_days_30_keeps_the_photo_30_days_then_the_timer_deletes_it(
    alice, bob, selfie_jpeg, run_jobs, capsys
):
    choose(alice, "days_30")
    avatar, digest = create(alice, selfie_jpeg, run_jobs)
    bobs, _ = create(bob, selfie_jpeg, run_jobs)  # keeps his (the default)
    name = avatar.source.name
    uploaded = avatar.created_at

    assert photos_sweep(now=uploaded + timedelta(days=29, hours=23)) == []
    call_command("pixme_recover")  # the deployment's timer, today: not due
    avatar.refresh_from_db()
    assert avatar.source and stored(name).exists() and not DeletionReceipt.objects.exists()

    Avatar.objects.filter(pk__in=[avatar.pk, bobs.pk]).update(
        created_at=timezone.now() - timedelta(days=30, minutes=1)
    )
    capsys.readouterr()
    with run_jobs():  # as committed: the files go once the deletion commits
        call_command("pixme_recover")
    assert f"deleted 1 photo(s) past the time their owners chose: [{avatar.pk}]" in (
        capsys.readouterr().out
    )
    _photo_gone(avatar, name)
    bobs.refresh_from_db()
    assert bobs.source and stored(bobs.source.name).exists()
    [receipt] = photo_receipts(alice)
    assert "30 days after you uploaded it" in receipt["why"]
    assert receipt["files"][0]["sha256"] == digest

    call_command("pixme_recover")  # again: nothing more to do
    assert DeletionReceipt.objects.count() == 1


def test_the_page_says_when_the_photo_will_go(alice, alice_client, selfie_jpeg, run_jobs):
    choose(alice, "days_30")
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    due = timezone.localtime(avatar.created_at + timedelta(days=30))
    page = alice_client.get(f"/avatars/{avatar.pk}/").content.decode()
    assert f"Your photo will be deleted on {due.day} {due:%b %Y}, as you chose." in page


# --- the operator's default and longest --------------------------------------------------


def test_the_operator_s_default_applies_to_who_never_chose(alice, selfie_jpeg, run_jobs, settings):
    settings.PIXME_PHOTO_RETENTION_DEFAULT = "when_done"
    assert token_client(alice).get("/api/profile/").json()["photo_retention"] == "when_done"
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    assert not avatar.source


def test_a_choice_longer_than_the_site_allows_is_refused(alice, selfie_jpeg, run_jobs, settings):
    api = token_client(alice)
    assert api.patch("/api/profile/", {"photo_retention": "keep"}, format="json").status_code == 200
    settings.PIXME_PHOTO_RETENTION_LONGEST = "days_30"
    settings.PIXME_PHOTO_RETENTION_DEFAULT = "days_30"

    response = api.patch(
        "/api/profile/", {"photo_retention": "keep", "caption": "ALICE"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "retention_not_offered"
    assert "keeps photos at most" in response.json()["detail"]
    profile = Profile.objects.get(user=alice)
    assert profile.caption == "" and profile.photo_retention == "keep"  # nothing written

    # Chosen before the operator lowered the longest: it counts as the longest now.
    assert api.get("/api/profile/").json()["photo_retention"] == "days_30"
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    Avatar.objects.filter(pk=avatar.pk).update(created_at=timezone.now() - timedelta(days=31))
    with run_jobs():
        assert photos_sweep() == [avatar.pk]


@pytest.mark.parametrize("value", ["forever", "", "KEEP", 30, None, ["keep"]])
def test_the_api_refuses_any_other_value(alice, value):
    api = token_client(alice)
    response = api.patch("/api/profile/", {"photo_retention": value}, format="json")
    assert response.status_code == 400
    assert "photo_retention" in json.dumps(response.json())
    assert Profile.objects.get(user=alice).photo_retention == ""


def test_the_api_reads_and_changes_the_choice(alice):
    api = token_client(alice)
    assert api.get("/api/profile/").json()["photo_retention"] == "keep"
    for value in ("when_done", "days_30", "keep"):
        response = api.patch("/api/profile/", {"photo_retention": value}, format="json")
        assert response.status_code == 200 and response.json()["photo_retention"] == value
        assert Profile.objects.get(user=alice).photo_retention == value


def test_the_profile_page_offers_the_choices_in_plain_words(alice, alice_client, settings):
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "<legend>Your photo</legend>" in page
    for words in (
        "Delete my photo once my avatar is done",
        "Delete my photo 30 days after I upload it",
        "Keep my photo until I delete the avatar",
    ):
        assert words in page
    assert 'value="keep" id="id_photo_retention_2" checked' in page.replace("\n", " ")

    response = alice_client.post(
        "/accounts/profile/", {"display_name": "Alice", "photo_retention": "days_30"}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=alice).photo_retention == "days_30"

    settings.PIXME_PHOTO_RETENTION_LONGEST = "when_done"
    settings.PIXME_PHOTO_RETENTION_DEFAULT = "when_done"
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "Keep my photo" not in page and "30 days" not in page
    response = alice_client.post(
        "/accounts/profile/", {"display_name": "Alice", "photo_retention": "keep"}
    )
    assert response.status_code == 400
    assert Profile.objects.get(user=alice).photo_retention == "days_30"


def test_saving_the_profile_untouched_keeps_following_the_default(alice, alice_client):
    response = alice_client.post(
        "/accounts/profile/", {"display_name": "Alice", "photo_retention": "keep"}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=alice).photo_retention == ""  # the default, still


# --- the owner's own deletion --------------------------------------------------------------


def test_alice_deletes_her_photo_and_keeps_the_avatar(alice, alice_client, selfie_jpeg, run_jobs):
    avatar, digest = create(alice, selfie_jpeg, run_jobs)
    name = avatar.source.name
    confirm = alice_client.get(f"/avatars/{avatar.pk}/photo/delete/")
    assert confirm.status_code == 200 and "Delete my photo" in confirm.content.decode()
    assert avatar.source  # looking deletes nothing

    with run_jobs():
        response = alice_client.post(f"/avatars/{avatar.pk}/photo/delete/")
    assert response.status_code == 302
    _photo_gone(avatar, name)
    assert avatar.turns.get().image  # the version stays
    [receipt] = photo_receipts(alice)
    assert receipt["reason"] == "user" and receipt["files"][0]["sha256"] == digest


def test_the_api_deletes_the_photo_and_answers_its_receipt(alice, selfie_jpeg, run_jobs):
    avatar, digest = create(alice, selfie_jpeg, run_jobs)
    api = token_client(alice)
    response = api.delete(f"/api/avatars/{avatar.pk}/photo/")
    assert response.status_code == 200
    body = response.json()
    assert body["photo_deleted_at"] and body["receipt"]["kind"] == "photo"
    download = api.get(body["receipt"]["download"])
    document = json.loads(b"".join(download.streaming_content))
    assert document["receipt"]["files"][0]["sha256"] == digest
    again = api.delete(f"/api/avatars/{avatar.pk}/photo/")
    assert again.status_code == 200 and again.json()["receipt"] is None


def test_bob_can_t_delete_alice_s_photo(alice, bob, bob_client, selfie_jpeg, run_jobs):
    avatar, _ = create(alice, selfie_jpeg, run_jobs)
    before = media_files()
    assert bob_client.post(f"/avatars/{avatar.pk}/photo/delete/").status_code == 404
    assert token_client(bob).delete(f"/api/avatars/{avatar.pk}/photo/").status_code == 404
    avatar.refresh_from_db()
    assert avatar.source and media_files() == before
    assert not DeletionReceipt.objects.exists()
