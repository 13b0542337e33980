"""``GET /avatar/<hash>``: the published avatar at the size asked, the defaults as Gravatar and
Libravatar define them, caching, and nothing that tells whether an address has an account."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from avatars.models import Avatar, PictureSize, Turn
from tests.moderation_people import moderator_create
from tests.picture_people import ALICE, confirm, md5, picture, published, sha256

pytestmark = pytest.mark.django_db

NOBODY = "0" * 32


@pytest.fixture
def shown(alice, alice_avatar):
    """Alice's confirmed address shows her Comics avatar."""
    confirm(alice, ALICE)
    published(alice, alice_avatar)
    return alice_avatar


def get(path: str, **headers):
    return Client().get(path, **headers)


def test_the_md5_and_the_sha256_of_the_address_show_the_avatar_at_80_px(shown):
    for digest in (md5(ALICE), sha256(ALICE), md5(ALICE).upper(), f"{md5(ALICE)}.jpg"):
        response = get(f"/avatar/{digest}")
        assert response.status_code == 200, digest
        assert response["Content-Type"] == "image/png"
        image = picture(response)
        assert image.size == (80, 80)
        assert image.mode == "RGB"


def test_the_size_is_as_asked_from_1_to_2048(shown):
    assert picture(get(f"/avatar/{md5(ALICE)}?s=1")).size == (1, 1)
    assert picture(get(f"/avatar/{md5(ALICE)}?size=200")).size == (200, 200)
    assert picture(get(f"/avatar/{md5(ALICE)}?s=5000")).size == (2048, 2048)
    assert picture(get(f"/avatar/{md5(ALICE)}?s=ten")).size == (80, 80)
    assert picture(get(f"/avatar/{md5(ALICE)}?s=0")).size == (80, 80)


def test_webp_when_the_request_accepts_it(shown):
    response = get(f"/avatar/{md5(ALICE)}?s=64", HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert response["Content-Type"] == "image/webp"
    assert response["Vary"] == "Accept"
    image = picture(response)
    assert (image.format, image.size) == ("WEBP", (64, 64))


def test_the_file_keeps_the_ai_made_mark_and_nothing_of_the_owner(shown, alice):
    png = get(f"/avatar/{md5(ALICE)}?s=128")
    image = picture(png)
    assert image.text["AI-Generated"] == "true"
    assert "trainedAlgorithmicMedia" in image.text["XML:com.adobe.xmp"]
    webp = get(f"/avatar/{md5(ALICE)}?s=128", HTTP_ACCEPT="image/webp")
    assert b"trainedAlgorithmicMedia" in webp.content
    for response in (png, webp):
        assert not response.cookies
        for value in (*response.headers.values(), response.content):
            text = value if isinstance(value, str) else value.decode("latin-1")
            assert "alice" not in text.lower()


def test_an_etag_answers_304_and_cache_control_lets_sites_keep_it(shown):
    first = get(f"/avatar/{md5(ALICE)}?s=96")
    assert first["Cache-Control"] == "public, max-age=300"
    again = get(f"/avatar/{md5(ALICE)}?s=96", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    other_size = get(f"/avatar/{md5(ALICE)}?s=97", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other_size.status_code == 200


def test_a_size_is_cut_once_and_served_from_then_on(shown):
    get(f"/avatar/{md5(ALICE)}?s=150")
    turn = shown.current_turn
    (kept,) = PictureSize.objects.filter(turn=turn, side=150, fmt="png")
    first = kept.file.read()
    from avatars.picture.memory import PICTURES

    PICTURES.clear()  # as a new process would find it
    # The version's own picture is gone from the storage: the 150 px is still served, so it
    # came from the stored size, not cut again.
    turn.image.storage.delete(turn.image.name)

    response = get(f"/avatar/{md5(ALICE)}?s=150")

    assert response.status_code == 200
    assert response.content == first
    assert PictureSize.objects.filter(turn=turn).count() == 1


def test_an_edit_shows_up_at_the_url(shown, alice, run_jobs):
    from avatars.services.turns import turn_request_edit

    before = get(f"/avatar/{md5(ALICE)}")
    with run_jobs():
        turn_request_edit(avatar=shown, instruction="black and white")
    shown.refresh_from_db()
    assert shown.current_turn.number == 2

    after = get(f"/avatar/{md5(ALICE)}")

    assert after["ETag"] != before["ETag"]
    pixels = np.asarray(picture(after).convert("RGB")).astype(int)
    assert (pixels.max(axis=2) - pixels.min(axis=2)).max() == 0  # black and white now


def test_one_fixed_version_stays_after_an_edit(alice, alice_avatar, run_jobs):
    confirm(alice, ALICE)
    published(alice, alice_avatar, turn=alice_avatar.current_turn)
    before = get(f"/avatar/{md5(ALICE)}")
    from avatars.services.turns import turn_request_edit

    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction="black and white")

    assert get(f"/avatar/{md5(ALICE)}")["ETag"] == before["ETag"]


# --- the defaults ------------------------------------------------------------------------


def test_without_d_a_hash_showing_nothing_gets_the_default_picture(db):
    response = get(f"/avatar/{NOBODY}?s=100")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = picture(response)
    assert image.size == (100, 100)
    assert "AI-Generated" not in getattr(image, "text", {})  # no model drew it


def test_d_404_answers_404(db):
    response = get(f"/avatar/{NOBODY}?d=404")
    assert response.status_code == 404
    assert response["Cache-Control"] == "public, max-age=300"


def test_mp_and_mm_are_the_same_silhouette(db):
    mp = get(f"/avatar/{NOBODY}?d=mp&s=64")
    assert mp.content == get(f"/avatar/{'1' * 32}?default=mm&s=64").content
    image = picture(mp).convert("RGB")
    assert image.getpixel((32, 25)) != image.getpixel((2, 2))  # a head on a background


def test_identicon_is_drawn_from_the_hash(db):
    a = get(f"/avatar/{'a' * 32}?d=identicon&s=50")
    b = get(f"/avatar/{'b' * 32}?d=identicon&s=50")
    assert a.status_code == b.status_code == 200
    assert picture(a).size == (50, 50)
    assert a.content != b.content
    assert a.content == get(f"/avatar/{'a' * 32}?d=identicon&s=50").content  # the same each time
    image = picture(a).convert("RGB")
    assert image.getpixel((10, 25)) == image.transpose(Image.FLIP_LEFT_RIGHT).getpixel((10, 25))


def test_blank_is_transparent(db):
    image = picture(get(f"/avatar/{NOBODY}?d=blank&s=30"))
    assert image.mode == "RGBA"
    assert image.getextrema()[3] == (0, 0)


def test_an_https_url_is_redirected_to_and_anything_else_is_the_default(db):
    response = get(f"/avatar/{NOBODY}?d=https%3A%2F%2Fexample.com%2Fnobody.png")
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/nobody.png"
    for other in ("http%3A%2F%2Fexample.com%2Fa.png", "javascript:alert(1)", "wavy"):
        assert get(f"/avatar/{NOBODY}?d={other}").status_code == 200, other


def test_forcedefault_shows_the_default_whatever_the_hash_shows(shown):
    forced = get(f"/avatar/{md5(ALICE)}?f=y&d=identicon&s=40")
    assert forced.content == get(f"/avatar/{md5(ALICE)}?forcedefault=y&d=identicon&s=40").content
    assert get(f"/avatar/{md5(ALICE)}?f=y&d=404").status_code == 404


def test_any_rating_is_accepted(shown):
    for rating in ("g", "pg", "r", "x", "anything"):
        for name in ("r", "rating"):
            assert get(f"/avatar/{md5(ALICE)}?{name}={rating}").status_code == 200


def test_a_name_that_is_no_hash_shows_the_default(db):
    assert get("/avatar/not-a-hash?d=404").status_code == 404
    assert get("/avatar/not-a-hash").status_code == 200


# --- nothing tells whether an address has an account ------------------------------------


def same_answer(a, b) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary", "Location"):
        assert a.get(header) == b.get(header), header


@pytest.mark.parametrize("query", ["", "?d=404", "?d=identicon&s=64", "?d=blank"])
def test_a_hidden_avatar_answers_as_a_hash_nobody_used(shown, query):
    from avatars.moderation.services import avatar_hide

    avatar_hide(avatar=shown, moderator=moderator_create(), reason="test")

    same_answer(get(f"/avatar/{md5(ALICE)}{query}"), _unknown_like(md5(ALICE), query))


def _unknown_like(digest: str, query: str):
    """The answer the same hash gets when nobody ever published anything."""
    from avatars.models import Picture

    Picture.objects.all().delete()
    return get(f"/avatar/{digest}{query}")


def test_a_removed_avatar_answers_as_a_hash_nobody_used_and_its_sizes_go(shown):
    from avatars.moderation.services import avatar_remove

    get(f"/avatar/{md5(ALICE)}?s=64")
    assert PictureSize.objects.exists()
    avatar_remove(avatar=shown, moderator=moderator_create(), reason="test")

    same_answer(get(f"/avatar/{md5(ALICE)}?s=64"), _unknown_like(md5(ALICE), "?s=64"))
    assert not PictureSize.objects.exists()


def test_a_suspended_owner_answers_as_a_hash_nobody_used(shown, alice):
    from avatars.moderation.services import user_suspend

    get(f"/avatar/{md5(ALICE)}?d=404")  # cached now
    user_suspend(user=alice, moderator=moderator_create(), reason="test")

    same_answer(get(f"/avatar/{md5(ALICE)}?d=404"), _unknown_like(md5(ALICE), "?d=404"))


def test_an_address_changed_since_shows_nothing_at_once(shown, alice):
    assert get(f"/avatar/{md5(ALICE)}?d=404").status_code == 200
    alice.email = "elsewhere@example.com"
    alice.save()

    assert get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404
    assert get(f"/avatar/{md5('elsewhere@example.com')}?d=404").status_code == 404


def test_switching_off_stops_at_once(shown, alice):
    from avatars.picture.services import picture_unpublish

    assert get(f"/avatar/{md5(ALICE)}?d=404").status_code == 200  # and cached
    picture_unpublish(user=alice)

    assert get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404


def test_an_unfinished_or_missing_version_is_never_shown(shown):
    Turn.objects.filter(pk=shown.current_turn_id).update(image="")
    Avatar.objects.get(pk=shown.pk).save()  # what an answer depends on changed
    assert get(f"/avatar/{md5(ALICE)}?d=404").status_code == 404


# --- the limit per address ---------------------------------------------------------------


def test_answers_are_limited_per_client_address(db, settings):
    settings.PIXME_PICTURE_RATE = "3/min"
    one = [get(f"/avatar/{NOBODY}", REMOTE_ADDR="10.1.1.1").status_code for _ in range(4)]
    other = get(f"/avatar/{NOBODY}", REMOTE_ADDR="10.1.1.2")

    assert one == [200, 200, 200, 429]
    limited = get(f"/avatar/{NOBODY}", REMOTE_ADDR="10.1.1.1")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.status_code == 200


def test_a_busy_pages_many_readers_leave_the_sites_other_counts_in_its_cache(db):
    from django.core.cache import cache

    cache.set("throttle:api:someone", 7, 300)
    answers = {
        get(f"/avatar/{NOBODY}", REMOTE_ADDR=f"10.2.{i >> 8}.{i & 255}").status_code
        for i in range(400)
    }

    assert answers == {200}
    assert cache.get("throttle:api:someone") == 7


def test_the_picture_is_framed_on_the_face_not_cut_from_the_middle(shown):
    """The full square picture (2048 px) equals the stored version cut to its face square."""
    from avatars.picture.services import turn_shown

    turn = Turn.objects.select_related("avatar__style").get(pk=shown.current_turn_id)
    square = turn_shown(turn=turn).square
    assert square.side < min(turn.width, turn.height)  # cut around the face
    with turn.image.open("rb") as fh:
        full = Image.open(io.BytesIO(fh.read())).convert("RGB")
    expected = full.crop(square.box).resize((64, 64), Image.Resampling.LANCZOS)
    served = picture(get(f"/avatar/{md5(ALICE)}?s=64")).convert("RGB")
    diff = np.abs(np.asarray(served).astype(int) - np.asarray(expected).astype(int))
    assert diff.mean() < 3
