"""The reel: selfie → each version on the path to the current one, made once per path."""

import io
import re

import numpy as np
import pytest
from django.test import Client
from PIL import Image, ImageOps
from rest_framework.test import APIClient

from avatars import images
from avatars.models import Reel
from avatars.reels.encode import MAX_BYTES, MAX_SECONDS, MAX_SIDE, reel_encode, reel_frames
from avatars.reels.services import reel_path
from avatars.services.turns import turn_request_edit, turn_revert
from tests.conftest import draw_edit, token_client


def frames_of(data: bytes) -> list[tuple[np.ndarray, int]]:
    out = []
    with Image.open(io.BytesIO(data)) as im:
        for i in range(im.n_frames):
            im.seek(i)
            im.load()
            out.append((np.asarray(im.convert("RGB"), dtype=np.float32), im.info["duration"]))
    return out


def fitted(picture: Image.Image, size) -> np.ndarray:
    shown = ImageOps.fit(
        picture.convert("RGB"), size, Image.Resampling.LANCZOS, centering=(0.5, 0.4)
    )
    return np.asarray(shown, dtype=np.float32)


def stored(field) -> Image.Image:
    with field.open("rb") as fh:
        return images.open_stored(fh.read())


@pytest.fixture
def branched(alice_avatar, run_jobs):
    """v1; v2 "make it black and white" from v1; back to v1; v3 "make it warmer" from v1:
    the current path is v1 → v3, and v2 (all of it unlike the others) is on another branch."""
    draw_edit(alice_avatar, "make it black and white", run_jobs)
    v1, v2 = alice_avatar.turns.order_by("number")
    turn_revert(avatar=alice_avatar, turn=v1)
    return draw_edit(alice_avatar, "make it warmer", run_jobs, parent=v1)


def get_reel(client, avatar, run_jobs, fmt="webp"):
    """Ask with a POST (202, the job runs at the end of the block), then GET it (200)."""
    with run_jobs():
        first = client.post(f"/api/avatars/{avatar.pk}/reel/")
    assert first.status_code == 202, first.content
    assert first["Retry-After"] == "2"
    assert first["Location"] == f"http://testserver/api/avatars/{avatar.pk}/reel.webp"
    assert first.json()["status"] == "queued"
    second = client.get(f"/api/avatars/{avatar.pk}/reel.{fmt}")
    assert second.status_code == 200
    assert second["Content-Type"] == f"image/{fmt}"
    return b"".join(second.streaming_content)


def test_the_frames_go_from_the_selfie_along_the_path_only(alice, branched, run_jobs):
    path = reel_path(avatar=branched)
    assert [t.number for t in path] == [1, 3]  # v2 is on another branch
    data = get_reel(token_client(alice), branched, run_jobs)
    frames = frames_of(data)
    size = frames[0][0].shape[1], frames[0][0].shape[0]
    expected = [stored(branched.source)] + [stored(t.image) for t in path]
    expected = [fitted(p, size) for p in expected]
    v2 = fitted(stored(branched.turns.get(number=2).image), size)
    holds = [pixels for pixels, ms in frames if ms >= 500]
    assert len(holds) == len(expected) == 3  # one hold per picture on the path
    # A held frame is within a mean 2.1-4.1 levels of its picture (measured: WebP at quality
    # 80), and the nearest frame to v2 is 17.4 away: 8 leaves about twice the room each side.
    for hold, picture in zip(holds, expected, strict=True):
        assert np.abs(hold - picture).mean() < 8
    assert np.abs(frames[0][0] - expected[0]).mean() < 8, "the first frame is the selfie"
    assert np.abs(frames[-1][0] - expected[-1]).mean() < 8, "the last is the current version"
    assert frames[-1][1] == max(ms for _, ms in frames), "held longest"
    assert all(np.abs(pixels - v2).mean() > 8 for pixels, _ in frames), "no frame of v2"


def test_sizes_and_durations_stay_in_bounds():
    rng = np.random.default_rng(0)
    pictures = [
        Image.fromarray((rng.random((900, 1200, 3)) * 255).astype("uint8")) for _ in range(16)
    ]
    frames = reel_frames(pictures)
    assert max(frames[0].image.size) == MAX_SIDE
    assert sum(f.ms for f in frames) / 1000 <= MAX_SECONDS
    assert sum(f.hold for f in frames) == 16
    short = reel_frames(pictures[:2])
    assert 2.0 <= sum(f.ms for f in short) / 1000 <= MAX_SECONDS
    # Noise is the worst case for a compressor: the reel shrinks until it fits in 2 MB.
    data = reel_encode(pictures[:6], fmt="webp", engine="studio", style="comics", model="studio")
    assert len(data) <= MAX_BYTES
    with Image.open(io.BytesIO(data)) as im:
        assert max(im.size) <= MAX_SIDE


def test_a_second_ask_makes_nothing_new_and_an_edit_makes_a_new_reel(
    alice, alice_avatar, run_jobs, django_capture_on_commit_callbacks
):
    client = token_client(alice)
    get_reel(client, alice_avatar, run_jobs)
    reel = Reel.objects.get(avatar=alice_avatar)
    with django_capture_on_commit_callbacks() as queued:
        again = client.get(f"/api/avatars/{alice_avatar.pk}/reel.webp")
        asked = client.post(f"/api/avatars/{alice_avatar.pk}/reel/")
    assert again.status_code == 200 and not queued, "nothing new made"
    assert asked.status_code == 200 and asked.json()["status"] == "ready"
    assert asked["Location"].endswith(f"/api/avatars/{alice_avatar.pk}/reel.webp")
    assert Reel.objects.get(pk=reel.pk).webp.name == reel.webp.name

    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    # The old path's reel goes at once (it shows the selfie), its files with it.
    assert not Reel.objects.filter(avatar=alice_avatar).exists()
    assert not reel.webp.storage.exists(reel.webp.name), "the old reel's file is gone"
    alice_avatar.refresh_from_db()
    data = get_reel(client, alice_avatar, run_jobs)
    fresh = Reel.objects.get(avatar=alice_avatar)
    assert fresh.key != reel.key and fresh.webp.name != reel.webp.name
    assert sum(ms >= 500 for _, ms in frames_of(data)) == 3


def test_only_the_owner_gets_it(alice_avatar, bob, run_jobs):
    assert token_client(bob).get(f"/api/avatars/{alice_avatar.pk}/reel.webp").status_code == 404
    assert APIClient().get(f"/api/avatars/{alice_avatar.pk}/reel.webp").status_code == 401
    assert token_client(bob).get(f"/api/avatars/{alice_avatar.pk}/reel.mp4").status_code == 404
    assert token_client(bob).post(f"/api/avatars/{alice_avatar.pk}/reel/").status_code == 404
    assert APIClient().post(f"/api/avatars/{alice_avatar.pk}/reel/").status_code == 401
    assert not Reel.objects.exists()


def test_following_the_link_never_starts_a_reel(
    alice, alice_client, alice_avatar, django_capture_on_commit_callbacks
):
    """A GET only looks: the API's, the page's (which offers the reel) and the shared page's."""
    url = f"/api/avatars/{alice_avatar.pk}/reel.webp"
    with django_capture_on_commit_callbacks() as queued:
        for client in (token_client(alice), alice_client):
            answer = client.get(url)
            assert answer.status_code == 404, answer.content
            assert answer.json() == {
                "detail": "Nobody has asked for this avatar's reel yet: "
                f"POST /api/avatars/{alice_avatar.pk}/reel/ to make it.",
                "code": "reel_not_started",
            }
            assert client.get(f"/api/avatars/{alice_avatar.pk}/reel.gif").status_code == 404
        assert alice_client.get(f"/avatars/{alice_avatar.pk}/").status_code == 200
    assert not queued and not Reel.objects.exists(), "nothing started, nothing written"


def test_the_page_asks_with_its_csrf_token(alice, alice_avatar, run_jobs):
    """The page's script POSTs with the token the page carries; without it, nothing starts."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    page = browser.get(f"/avatars/{alice_avatar.pk}/").content.decode()
    assert f'data-ask="/api/avatars/{alice_avatar.pk}/reel/"' in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    url = f"/api/avatars/{alice_avatar.pk}/reel/"
    assert browser.post(url).status_code == 403
    assert not Reel.objects.exists()
    with run_jobs():
        assert browser.post(url, HTTP_X_CSRFTOKEN=token).status_code == 202
    assert browser.get(f"/api/avatars/{alice_avatar.pk}/reel.webp").status_code == 200


def test_a_reel_whose_maker_died_is_not_started_until_asked_again(
    alice, alice_avatar, run_jobs, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from avatars.reels.services import STALE_AFTER

    client = token_client(alice)
    with django_capture_on_commit_callbacks():  # queued, never run: as if its process died
        client.post(f"/api/avatars/{alice_avatar.pk}/reel/")
    Reel.objects.update(
        status=Reel.Status.RUNNING, updated_at=timezone.now() - STALE_AFTER - timedelta(seconds=1)
    )
    stale = client.get(f"/api/avatars/{alice_avatar.pk}/reel.webp")
    assert stale.status_code == 404 and stale.json()["code"] == "reel_not_started"
    get_reel(client, alice_avatar, run_jobs)


def test_both_formats_carry_the_ai_mark(alice, alice_avatar, run_jobs):
    webp = get_reel(token_client(alice), alice_avatar, run_jobs)
    assert b"trainedAlgorithmicMedia" in webp and b"Pix Me!" in webp
    gif = token_client(alice).get(f"/api/avatars/{alice_avatar.pk}/reel.gif")
    data = b"".join(gif.streaming_content)
    assert data.startswith(b"GIF89a")
    with Image.open(io.BytesIO(data)) as im:
        assert b"trainedAlgorithmicMedia" in im.info["comment"]
        assert max(im.size) <= MAX_SIDE and len(data) <= MAX_BYTES


def test_both_formats_are_signed_as_made_from_the_current_version(alice, alice_avatar, run_jobs):
    """c2pa signs animated WebP and GIF alike (c2pa-python 0.38.1): the reel names the current
    version as its parent and says it mixes a photo (the selfie) with AI-made pictures."""
    from avatars.provenance.services import COMPOSITE
    from avatars.provenance.verify import verify

    client = token_client(alice)
    webp = get_reel(client, alice_avatar, run_jobs)
    gif = b"".join(client.get(f"/api/avatars/{alice_avatar.pk}/reel.gif").streaming_content)
    for data, mime in ((webp, "image/webp"), (gif, "image/gif")):
        result = verify(data, mime=mime)
        assert result.verdict == "trusted", (mime, result.problems)
        assert [link.title for link in result.chain] == [
            "Comics avatar, version 1, reel",
            "Comics avatar, version 1",
        ]
        assert COMPOSITE.encode() in data and len(data) <= MAX_BYTES
    with Image.open(io.BytesIO(gif)) as im:
        assert im.n_frames > 1  # still animated once signed


def test_the_cli_writes_the_reel_of_its_chain(tmp_path, db, selfie_jpeg):
    from django.core.management import call_command

    photo = tmp_path / "me.jpg"
    photo.write_bytes(selfie_jpeg)
    call_command(
        "pixme_render",
        str(photo),
        "--style",
        "manga",
        "-o",
        str(tmp_path / "out.png"),
        "--edit",
        "add sunglasses",
        "--reel",
        str(tmp_path / "reel.webp"),
    )
    frames = frames_of((tmp_path / "reel.webp").read_bytes())
    assert sum(ms >= 500 for _, ms in frames) == 3  # selfie, v1, the edit


def test_a_moderator_removal_takes_the_reel_too(alice, alice_avatar, run_jobs):
    from accounts.models import User
    from avatars.moderation.services import avatar_remove

    get_reel(token_client(alice), alice_avatar, run_jobs)
    reel = Reel.objects.get(avatar=alice_avatar)
    files = [(reel.webp.storage, reel.webp.name), (reel.gif.storage, reel.gif.name)]
    moderator = User.objects.create_user("mona", password="Mona-Secret-123", is_staff=True)
    with run_jobs():
        avatar_remove(avatar=alice_avatar, moderator=moderator, reason="Not a person")
    assert not Reel.objects.filter(avatar=alice_avatar).exists()
    assert not any(storage.exists(name) for storage, name in files)
    answer = token_client(alice).get(f"/api/avatars/{alice_avatar.pk}/reel.webp")
    assert answer.status_code == 403
    assert token_client(alice).post(f"/api/avatars/{alice_avatar.pk}/reel/").status_code == 403


def test_the_shared_page_shows_the_reel_only_when_the_owner_shares_it(
    alice, alice_client, alice_avatar, client, run_jobs
):
    from avatars.sharing.services import avatar_share

    avatar_share(avatar=alice_avatar)
    token = alice_avatar.share_token
    page = client.get(f"/s/{token}/").content.decode()
    assert "shared-reel" not in page and client.get(f"/s/{token}/reel.webp").status_code == 404
    assert f"/s/{token}/credentials/" in page, "the Content Credentials badge"

    with run_jobs():  # the owner shares the reel too: it is made at once
        response = alice_client.post(f"/avatars/{alice_avatar.pk}/share/", {"reel": "1"})
    assert response.status_code == 302
    alice_avatar.refresh_from_db()
    token = alice_avatar.share_token
    assert alice_avatar.share_reel
    page = client.get(f"/s/{token}/").content.decode()
    assert f"/s/{token}/reel.webp" in page
    served = client.get(f"/s/{token}/reel.webp")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert client.get(f"/s/{token}/reel.gif").status_code == 200

    # An edit changes the path: the old reel isn't shown for the new version (until the new
    # path's is made: the job of the next test).
    turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    from avatars.services.turn_run import turn_run

    turn_run(turn_id=alice_avatar.turns.get(number=2).pk)
    assert client.get(f"/s/{token}/reel.webp").status_code == 404
    # Private again: the reel stops with the link.
    alice_client.post(f"/avatars/{alice_avatar.pk}/unshare/")
    alice_avatar.refresh_from_db()
    assert not alice_avatar.share_reel


def test_the_shared_credentials_page_verifies_the_shared_version(client, alice_avatar):
    from avatars.sharing.services import avatar_share

    avatar_share(avatar=alice_avatar)
    page = client.get(f"/s/{alice_avatar.share_token}/credentials/").content.decode()
    assert "Signed by Pix Me!" in page and "Created by a trained model (AI)" in page


def test_a_failed_reel_says_why_and_is_made_again_only_when_asked(
    alice, alice_avatar, run_jobs, django_capture_on_commit_callbacks
):
    client = token_client(alice)
    url = f"/api/avatars/{alice_avatar.pk}/reel.webp"
    alice_avatar.source.storage.delete(alice_avatar.source.name)  # the job can't read it
    with run_jobs():
        assert client.post(f"/api/avatars/{alice_avatar.pk}/reel/").status_code == 202
    failed = client.get(url)
    assert failed.status_code == 500
    assert failed.json() == {
        "detail": "Something went wrong on our side while making the reel. Please try again.",
        "code": "reel_failed",
    }
    with django_capture_on_commit_callbacks() as queued:
        assert client.get(url).status_code == 500
    assert not queued, "asking again doesn't start the same failing job again"
    with django_capture_on_commit_callbacks() as queued:
        again = client.post(f"/api/avatars/{alice_avatar.pk}/reel/")
    assert again.status_code == 202 and again.json()["status"] == "queued" and queued


def test_a_long_path_is_sampled_to_fit_the_length(db):
    from avatars.reels.encode import MAX_PICTURES, reel_pictures

    pictures = [Image.new("RGB", (64, 64), (i, i, i)) for i in range(150)]
    kept = reel_pictures(pictures)
    assert len(kept) == MAX_PICTURES
    assert kept[0] is pictures[0] and kept[1] is pictures[1] and kept[-1] is pictures[-1]
    frames = reel_frames(pictures)
    assert sum(f.ms for f in frames) / 1000 <= MAX_SECONDS
    assert sum(f.hold for f in frames) == MAX_PICTURES


def test_a_shared_reel_is_made_again_for_the_new_path(alice, alice_client, alice_avatar, run_jobs):
    with run_jobs():
        alice_client.post(f"/avatars/{alice_avatar.pk}/share/", {"reel": "1"})
    alice_avatar.refresh_from_db()
    first = Reel.objects.get(avatar=alice_avatar).key
    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    reel = Reel.objects.get(avatar=alice_avatar)
    assert reel.key != first and reel.status == Reel.Status.READY
    assert Client().get(f"/s/{alice_avatar.share_token}/reel.webp").status_code == 200
