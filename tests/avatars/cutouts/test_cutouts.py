"""Transparent downloads: a version's person cut out (PNG and WebP with alpha), optionally with
a die-cut white outline and a soft shadow, made once per variant, signed as made from the
version, and only ever its owner's."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from avatars.ai_marks import DIGITAL_SOURCE_TYPE
from avatars.cutouts.services import KEPT_PER_VERSION
from avatars.models import Cutout, Turn
from avatars.person import PersonMask
from avatars.provenance.verify import verify
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


def api_url(avatar, fmt="png", query=""):
    turn = avatar.current_turn
    return f"/api/avatars/{avatar.pk}/turns/{turn.pk}/cutout.{fmt}{query}"


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def rgba(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "RGBA", im.mode
        return np.asarray(im)


def stored_files(media: Path) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


def test_it_is_the_person_on_a_transparent_ground(alice_api, alice_avatar):
    response = alice_api.get(api_url(alice_avatar))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    pixels = rgba(body(response))
    turn = alice_avatar.current_turn
    assert pixels.shape[:2] == (turn.height, turn.width)  # no outline, no shadow: same size
    alpha = pixels[..., 3]
    # The astronaut's face (the middle of the upper half) is there; the corners are not.
    assert alpha[int(0.3 * turn.height), turn.width // 2] == 255
    assert alpha[5, 5] == 0 and alpha[5, -5] == 0
    # A soft edge: hair and shoulders fade, not a staircase of 0 and 255.
    assert ((alpha > 10) & (alpha < 245)).sum() > 500
    assert 0.2 < (alpha > 127).mean() < 0.9


def test_an_outline_grows_the_picture_and_draws_a_white_border(alice_api, alice_avatar):
    plain = rgba(body(alice_api.get(api_url(alice_avatar))))
    outlined = rgba(body(alice_api.get(api_url(alice_avatar, query="?outline=16"))))
    grow = (outlined.shape[0] - plain.shape[0]) // 2
    assert grow == 17 and outlined.shape[0] == outlined.shape[1] - (plain.shape[1] - plain.shape[0])
    inner = outlined[grow:-grow, grow:-grow]
    # Where the plain cut-out was transparent and the outlined one is opaque, it is white.
    border = (plain[..., 3] == 0) & (inner[..., 3] == 255)
    assert border.sum() > 2000
    assert inner[border][:, :3].min() >= 250
    # 16 px wide: none of the border lies further than that from the person.
    person = plain[..., 3] >= 128
    distance = cv2.distanceTransform((~person).astype(np.uint8), cv2.DIST_L2, 5)
    assert distance[border].max() <= 17


def test_a_shadow_is_a_soft_dark_fringe_below_right(alice_api, alice_avatar):
    outlined = rgba(body(alice_api.get(api_url(alice_avatar, query="?outline=8"))))
    shadowed = rgba(body(alice_api.get(api_url(alice_avatar, query="?outline=8&shadow=1"))))
    assert shadowed.shape[0] > outlined.shape[0]
    grow = (shadowed.shape[0] - outlined.shape[0]) // 2
    inner = shadowed[grow:-grow, grow:-grow]
    fringe = (outlined[..., 3] == 0) & (inner[..., 3] > 0)
    assert fringe.sum() > 1000
    colours = inner[fringe][:, :3]
    assert colours.mean() < 3 and colours.max() < 64  # black (the person's faint hair tips mix in)
    assert inner[fringe][:, 3].max() < 0.5 * 255  # half see-through at most
    # Below and to the right: more of it beyond the silhouette's lower and right edges than
    # beyond its upper and left ones.
    shade = np.where(fringe, inner[..., 3], 0).astype(float)
    solid = outlined[..., 3] > 0
    below = shade[1:][solid[:-1]].sum()  # just under a pixel of the silhouette
    above = shade[:-1][solid[1:]].sum()
    right = shade[:, 1:][solid[:, :-1]].sum()
    left = shade[:, :-1][solid[:, 1:]].sum()
    assert below > 2 * above and right > 2 * left


def test_webp_with_alpha_too(alice_api, alice_avatar):
    response = alice_api.get(api_url(alice_avatar, "webp", "?outline=8&shadow=1"))
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    data = body(response)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "WEBP" and im.mode == "RGBA"
        xmp = im.info["xmp"]
    assert DIGITAL_SOURCE_TYPE in (xmp.decode() if isinstance(xmp, bytes) else xmp)


def test_it_is_signed_as_made_from_its_version_and_keeps_the_ai_mark(alice_api, alice_avatar):
    for fmt in ("png", "webp"):
        data = body(alice_api.get(api_url(alice_avatar, fmt, "?outline=12")))
        result = verify(data, mime=f"image/{fmt}")
        assert result.verdict == "trusted", result.problems
        assert [link.title for link in result.chain] == [
            "Comics avatar, version 1, cut out",
            "Comics avatar, version 1",
        ]
        assert result.chain[0].actions == ["c2pa.opened", "c2pa.edited"]
        assert result.chain[0].render == {"engine": "studio", "model": "studio", "style": "comics"}
        assert b"trainedAlgorithmicMedia" in data
    png = body(alice_api.get(api_url(alice_avatar, "png", "?outline=12")))
    with Image.open(io.BytesIO(png)) as im:
        assert im.text["AI-Generated"] == "true"


def test_each_variant_is_made_once_and_kept(alice_api, alice_avatar):
    first = body(alice_api.get(api_url(alice_avatar, query="?outline=8&shadow=1")))
    again = body(alice_api.get(api_url(alice_avatar, query="?outline=8&shadow=true")))
    assert first == again
    assert Cutout.objects.count() == 1
    cutout = Cutout.objects.get()
    assert (cutout.outline, cutout.shadow, cutout.format, cutout.signed) == (8, True, "png", True)


def test_only_the_newest_are_kept_per_version(alice_api, alice_avatar, settings):
    media = Path(settings.MEDIA_ROOT)
    for outline in range(KEPT_PER_VERSION + 2):
        assert alice_api.get(api_url(alice_avatar, query=f"?outline={outline}")).status_code == 200
    kept = list(Cutout.objects.order_by("outline"))
    assert len(kept) == KEPT_PER_VERSION
    assert [c.outline for c in kept] == list(range(2, KEPT_PER_VERSION + 2))
    on_disk = {n for n in stored_files(media) if "/cutouts/" in n}
    assert {c.file.name for c in kept} <= on_disk


def test_anyone_elses_version_is_a_404_and_makes_nothing(alice_avatar, bob, client):
    bob_api = token_client(bob, used=True)
    assert bob_api.get(api_url(alice_avatar)).status_code == 404
    client.force_login(bob)
    turn = alice_avatar.current_turn
    page = reverse("avatars:turn-cutout", args=[alice_avatar.pk, turn.pk, "png"])
    assert client.get(page).status_code == 404
    assert not Cutout.objects.exists()


@pytest.mark.parametrize(
    "query", ["?outline=65", "?outline=-1", "?outline=abc", "?outline=٣", "?shadow=2"]
)
def test_options_out_of_range_are_a_400_and_make_nothing(alice_api, alice_avatar, query):
    response = alice_api.get(api_url(alice_avatar, query=query))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Cutout.objects.exists()


def test_an_unknown_format_is_a_404(alice_api, alice_avatar):
    assert alice_api.get(api_url(alice_avatar, "gif")).status_code == 404


def test_a_version_with_nobody_in_it_is_refused_in_words(alice_api, alice_avatar, settings):
    nobody = PersonMask(np.zeros((256, 256), bool), 1024, 1024)
    Turn.objects.filter(pk=alice_avatar.current_turn_id).update(person=nobody.to_dict())
    before = stored_files(Path(settings.MEDIA_ROOT))
    response = alice_api.get(api_url(alice_avatar))
    assert response.status_code == 400
    assert response.json()["code"] == "no_person"
    assert "couldn't find a person in version 1" in response.json()["detail"]
    assert not Cutout.objects.exists()
    assert stored_files(Path(settings.MEDIA_ROOT)) == before


def test_a_version_whose_mask_isnt_found_yet_gets_one(alice_api, alice_avatar):
    Turn.objects.filter(pk=alice_avatar.current_turn_id).update(person=None)
    assert alice_api.get(api_url(alice_avatar)).status_code == 200
    assert Turn.objects.get(pk=alice_avatar.current_turn_id).person is not None


def test_a_hidden_avatar_is_refused_with_the_reason(alice_api, alice_avatar):
    from avatars.models import Avatar

    Avatar.objects.filter(pk=alice_avatar.pk).update(
        moderation=Avatar.Moderation.HIDDEN, moderation_reason="spam"
    )
    response = alice_api.get(api_url(alice_avatar))
    assert response.status_code == 403
    assert response.json()["code"] == "moderated"
    assert not Cutout.objects.exists()


def test_the_page_downloads_it_by_name(alice_client, alice_avatar):
    turn = alice_avatar.current_turn
    url = reverse("avatars:turn-cutout", args=[alice_avatar.pk, turn.pk, "webp"])
    response = alice_client.get(url + "?outline=8&shadow=1&download=1")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "attachment" in disposition
    assert f"pixme-comics-{alice_avatar.pk}-v1-cutout-outline8-shadow.webp" in disposition
    inline = alice_client.get(url)
    assert "Content-Disposition" not in inline or "attachment" not in inline["Content-Disposition"]


def test_the_page_says_why_in_words(alice_client, alice_avatar):
    turn = alice_avatar.current_turn
    url = reverse("avatars:turn-cutout", args=[alice_avatar.pk, turn.pk, "png"])
    response = alice_client.get(url + "?outline=99", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "outline" in response.json()["detail"]


def test_its_files_go_with_the_avatar(alice_api, alice_avatar, settings, run_jobs):
    from avatars.services.avatars import avatar_delete

    alice_api.get(api_url(alice_avatar, query="?outline=8"))
    name = Cutout.objects.get().file.name
    assert (Path(settings.MEDIA_ROOT) / name).exists()
    with run_jobs():
        avatar_delete(avatar=alice_avatar)
    assert not Cutout.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / name).exists()


def test_a_moderators_removal_takes_them_too(alice_api, alice_avatar, settings, run_jobs):
    from accounts.services import user_create
    from avatars.moderation.services import avatar_remove

    alice_api.get(api_url(alice_avatar, "webp"))
    name = Cutout.objects.get().file.name
    moderator = user_create(username="mod", password="Mod-Secret-123", email="")
    with run_jobs():
        avatar_remove(avatar=alice_avatar, moderator=moderator, reason="not allowed")
    assert not Cutout.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / name).exists()


def test_specks_the_mask_leaves_in_the_background_are_not_cut_out():
    """A die-cut sticker is one shape: a speck of wall the mask kept gets no outline of its
    own, while a part of the person apart from the body (a raised hand) keeps one."""
    from avatars.cutouts.draw import cutout_draw

    rgb = np.full((400, 400, 3), 120, np.uint8)
    alpha = np.zeros((400, 400), np.float32)
    cv2.circle(alpha, (200, 260), 110, 1.0, -1)  # the person
    cv2.circle(alpha, (60, 60), 22, 1.0, -1)  # a raised hand: 4% of the person
    alpha[20:26, 350:356] = 1.0  # a speck: 0.1%
    cut = np.asarray(cutout_draw(rgb, alpha, outline=8))[..., 3]
    pad = 9
    assert cut[200 + pad, 200 + pad] == 255 and cut[60 + pad, 60 + pad] == 255
    assert cut[15 + pad : 31 + pad, 345 + pad : 361 + pad].max() == 0
    assert cut[60 + pad, 60 + 22 + 4 + pad] == 255, "the hand has its outline"


def test_a_gemini_version_is_cut_out_too(
    alice, alice_api, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    """Gemini's pictures have no alpha channel; the cut is ours, from the version's mask, and
    the credentials name that version (which holds the model's own) as its parent."""
    from avatars.models import Avatar, Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            model="gemini-3.1-flash-image",
        )
    avatar = Avatar.objects.get(pk=avatar.pk)
    assert avatar.current_turn.engine == "gemini"
    response = alice_api.get(api_url(avatar, "webp", "?outline=8"))
    assert response.status_code == 200, response.content
    data = body(response)
    alpha = rgba(data)[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255
    result = verify(data, mime="image/webp")
    assert result.verdict == "trusted", result.problems
    assert result.chain[0].title == "Comics avatar, version 1, cut out"
    assert result.chain[0].render["engine"] == "gemini"
