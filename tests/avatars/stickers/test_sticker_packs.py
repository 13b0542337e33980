"""Sticker packs: chosen versions of one's avatars, zipped for WhatsApp, Telegram or Signal in
the formats and sizes each takes, checked against those limits before offered, each sticker
signed as made from its version; asked for by the pinned API (201, or 202 and Location)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from avatars.models import StickerPack, StickerPackItem, Turn
from avatars.provenance.services import Parent, sign
from avatars.provenance.verify import verify
from avatars.stickers.files import sticker_encode, sticker_pack_check
from avatars.stickers.messengers import MESSENGERS
from avatars.stickers.services import sticker_pack_run
from tests.conftest import draw_edit, token_client

pytestmark = pytest.mark.django_db

# Each messenger's limits as its own documentation states them (README, "Sticker packs"),
# written out here rather than read from our rules, so a wrong rule fails.
KB = 1024


def assert_whatsapp(archive: zipfile.ZipFile, count: int) -> None:
    names = archive.namelist()
    stickers = sorted(n for n in names if n.endswith(".webp"))
    assert len(stickers) == count and 3 <= count <= 30
    for name in stickers:
        data = archive.read(name)
        assert len(data) <= 100 * KB, (name, len(data))
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "WEBP" and im.size == (512, 512)
            assert im.mode == "RGBA" and getattr(im, "n_frames", 1) == 1
            assert im.getchannel("A").getextrema()[0] == 0  # a transparent ground
    tray = archive.read("tray.png")
    assert len(tray) <= 50 * KB
    with Image.open(io.BytesIO(tray)) as im:
        assert im.format == "PNG" and im.size == (96, 96)
    (pack,) = json.loads(archive.read("contents.json"))["sticker_packs"]
    assert pack["tray_image_file"] == "tray.png"
    assert [s["image_file"] for s in pack["stickers"]] == stickers
    assert all(1 <= len(s["emojis"]) <= 3 for s in pack["stickers"])
    assert all(0 < len(pack[f]) <= 128 for f in ("identifier", "name", "publisher"))


def assert_telegram(archive: zipfile.ZipFile, count: int) -> None:
    stickers = [n for n in archive.namelist() if n.endswith((".png", ".webp"))]
    assert len(stickers) == count and 1 <= count <= 120
    for name in stickers:
        data = archive.read(name)
        assert len(data) <= 512 * KB
        with Image.open(io.BytesIO(data)) as im:
            assert im.format in ("PNG", "WEBP") and im.mode == "RGBA"
            assert max(im.size) == 512 and min(im.size) <= 512


def assert_signal(archive: zipfile.ZipFile, count: int) -> None:
    stickers = [n for n in archive.namelist() if n.endswith((".png", ".webp"))]
    assert len(stickers) == count and 1 <= count <= 200
    for name in stickers:
        data = archive.read(name)
        assert len(data) <= 300 * KB
        with Image.open(io.BytesIO(data)) as im:
            assert im.format in ("PNG", "WEBP") and im.size == (512, 512) and im.mode == "RGBA"


LIMITS = {"whatsapp": assert_whatsapp, "telegram": assert_telegram, "signal": assert_signal}


@pytest.fixture
def three_versions(alice, alice_avatar, run_jobs) -> list[Turn]:
    for instruction in ("add round glasses", "make it warmer"):
        draw_edit(alice_avatar, instruction, run_jobs)
    return list(Turn.objects.filter(avatar=alice_avatar).order_by("number"))


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def ask(api, turns, messenger):
    ids = [t.pk for t in turns]
    return api.post("/api/sticker-packs/", {"turns": ids, "messenger": messenger}, format="json")


@pytest.fixture
def made(alice_api, run_jobs):
    """Ask for a pack and let its job run (202), then ask again: the pack made (201)."""

    def make(turns, messenger):
        with run_jobs():
            first = ask(alice_api, turns, messenger)
        assert first.status_code == 202, first.content
        again = ask(alice_api, turns, messenger)
        assert again.status_code == 201, again.content
        return again.json()

    return make


def stored(media) -> set[str]:
    return {str(p.relative_to(media)) for p in Path(media).rglob("*") if p.is_file()}


@pytest.mark.parametrize("messenger", ["whatsapp", "telegram", "signal"])
def test_a_pack_meets_its_messengers_limits(alice_api, made, three_versions, messenger):
    answer = made(three_versions, messenger)
    assert set(answer) == {"id", "download", "count"} and answer["count"] == 3
    zipped = alice_api.get(answer["download"])
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    assert f"pixme-{messenger}-stickers-{answer['id']}.zip" in zipped["Content-Disposition"]
    data = body(zipped)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        LIMITS[messenger](archive, 3)
        assert "how-to.txt" in archive.namelist()
    assert sticker_pack_check(data, messenger=messenger) == []


def test_each_sticker_is_signed_as_made_from_its_version(alice_api, made, three_versions):
    answer = made(three_versions, "whatsapp")
    with zipfile.ZipFile(io.BytesIO(body(alice_api.get(answer["download"])))) as archive:
        for number, name in enumerate(["01.webp", "02.webp", "03.webp"], start=1):
            result = verify(archive.read(name), mime="image/webp")
            assert result.verdict == "trusted", result.problems
            assert [link.title for link in result.chain][:2] == [
                f"Comics avatar, version {number}, WhatsApp sticker",
                f"Comics avatar, version {number}",
            ]
            assert len(result.chain) == number + 1  # the version's whole history
            assert b"trainedAlgorithmicMedia" in archive.read(name)
        tray = verify(archive.read("tray.png"), mime="image/png")
        assert tray.verdict == "trusted"
        assert tray.chain[0].title == "Comics avatar, version 1, WhatsApp tray icon"
    assert StickerPack.objects.get().signed == 4


def test_a_sticker_is_the_person_with_a_white_stroke(alice_api, made, three_versions):
    answer = made(three_versions, "signal")
    with zipfile.ZipFile(io.BytesIO(body(alice_api.get(answer["download"])))) as archive:
        first = archive.read("01.webp")
    with Image.open(io.BytesIO(first)) as im:
        pixels = im.convert("RGBA")
    alpha = pixels.getchannel("A")
    left, top, right, bottom = alpha.getbbox()
    # Trimmed to the person and centred with the 16 px margin on its long side.
    assert min(left, top, 512 - right, 512 - bottom) >= 14
    assert min(left, top, 512 - right, 512 - bottom) <= 20
    # The outermost opaque pixels are the white stroke.
    row = [pixels.getpixel((x, (top + bottom) // 2)) for x in range(512)]
    edge = next(p for p in row if p[3] == 255)
    assert min(edge[:3]) >= 235


def test_asking_again_answers_the_same_pack(alice_api, made, three_versions):
    first = made(three_versions, "telegram")
    again = ask(alice_api, three_versions, "telegram").json()
    assert first == again
    assert StickerPack.objects.count() == 1
    other = ask(alice_api, three_versions[:2], "telegram").json()
    assert other["id"] != first["id"]


def test_while_it_is_made_202_and_location_then_200(alice, alice_api, three_versions):
    response = ask(alice_api, three_versions, "whatsapp")
    assert response.status_code == 202
    assert int(response["Retry-After"]) >= 1
    location = response["Location"]
    pack = StickerPack.objects.get()
    assert location.endswith(f"/api/sticker-packs/{pack.pk}/")
    assert response.json()["status"] == "queued"
    polled = alice_api.get(location)
    assert polled.status_code == 202 and polled["Retry-After"]
    assert alice_api.get(f"/api/sticker-packs/{pack.pk}/stickers.zip").status_code == 202
    sticker_pack_run(pack_id=pack.pk)  # the job
    done = alice_api.get(location)
    assert done.status_code == 200
    assert done.json() == {
        "id": pack.pk,
        "download": f"http://testserver/api/sticker-packs/{pack.pk}/stickers.zip",
        "count": 3,
    }


@pytest.mark.parametrize(
    ("messenger", "how_many", "code"),
    [
        ("whatsapp", 2, "too_few_stickers"),
        ("telegram", 0, "too_few_stickers"),
        ("whatsapp", 31, "too_many_stickers"),
    ],
)
def test_too_few_or_too_many_are_refused(
    alice_api, three_versions, settings, messenger, how_many, code
):
    turns = (three_versions * 11)[:how_many]
    ids = [t.pk for t in turns] if how_many <= 3 else list(range(1, how_many + 1))
    before = stored(settings.MEDIA_ROOT)
    response = alice_api.post(
        "/api/sticker-packs/", {"turns": ids, "messenger": messenger}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert set(response.json()) >= {"detail", "code"}
    assert not StickerPack.objects.exists() and not StickerPackItem.objects.exists()
    assert stored(settings.MEDIA_ROOT) == before


def test_another_users_version_is_refused_and_nothing_is_made(
    alice_api, three_versions, bob, selfie_jpeg, run_jobs, settings
):
    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    with run_jobs():
        bobs = avatar_create(owner=bob, upload=upload(selfie_jpeg), style=Style.objects.first())
    bobs.refresh_from_db()
    before = stored(settings.MEDIA_ROOT)
    turns = [*three_versions[:2], bobs.current_turn]
    response = ask(alice_api, turns, "whatsapp")
    assert response.status_code == 400
    assert response.json()["code"] == "not_your_version"
    assert response.json()["turns"] == [bobs.current_turn_id]
    assert not StickerPack.objects.exists()
    assert stored(settings.MEDIA_ROOT) == before


def test_an_unknown_messenger_is_a_400(alice_api, three_versions):
    response = ask(alice_api, three_versions, "myspace")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not StickerPack.objects.exists()


def test_only_the_owner_sees_a_pack(made, three_versions, bob):
    answer = made(three_versions, "signal")
    bob_api = token_client(bob, used=True)
    assert bob_api.get(f"/api/sticker-packs/{answer['id']}/").status_code == 404
    assert bob_api.get(answer["download"]).status_code == 404


def test_a_pack_goes_with_any_avatar_in_it(made, three_versions, settings, run_jobs):
    from avatars.services.avatars import avatar_delete

    made(three_versions, "whatsapp")
    name = StickerPack.objects.get().file.name
    assert (Path(settings.MEDIA_ROOT) / name).exists()
    with run_jobs():
        avatar_delete(avatar=three_versions[0].avatar)
    assert not StickerPack.objects.exists() and not StickerPackItem.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / name).exists()


def test_a_hidden_avatar_is_neither_packed_nor_downloaded(alice_api, made, three_versions):
    from avatars.models import Avatar

    answer = made(three_versions, "whatsapp")
    Avatar.objects.filter(pk=three_versions[0].avatar_id).update(
        moderation=Avatar.Moderation.HIDDEN, moderation_reason="spam"
    )
    assert alice_api.get(answer["download"]).status_code == 403
    refused = ask(alice_api, three_versions[:1], "signal")
    assert refused.status_code == 403 and refused.json()["code"] == "moderated"


def test_the_checker_finds_what_a_messenger_would_refuse():
    """The check before a pack is offered can fail: a sticker too big, the wrong size, too
    few stickers, a missing tray icon."""

    def webp(size, noise=False):
        import numpy as np

        pixels = np.zeros((size[1], size[0], 4), np.uint8)
        pixels[..., 3] = 255
        if noise:
            pixels[..., :3] = np.random.default_rng(1).integers(0, 255, (size[1], size[0], 3))
        out = io.BytesIO()
        Image.fromarray(pixels, "RGBA").save(out, "WEBP", quality=100)
        return out.getvalue()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("01.webp", webp((512, 512), noise=True))  # over 100 KB
        archive.writestr("02.webp", webp((600, 512)))
    problems = sticker_pack_check(buffer.getvalue(), messenger="whatsapp")
    assert any("over 102400" in p for p in problems)
    assert any("600×512" in p for p in problems)
    assert any("2 stickers" in p for p in problems)
    assert "no tray.png" in problems


def test_a_history_too_long_to_fit_goes_unsigned_rather_than_over_the_limit(caplog):
    """Each version of history adds its manifest: WhatsApp's 100 KB leaves room for a long
    chain, not for any."""
    picture = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    picture.paste((200, 60, 40, 255), (100, 100, 412, 412))
    render = {"engine": "studio", "model": "studio", "style": "comics"}
    small = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(small, "PNG")
    chain = None
    for n in range(1, 40):
        data = sign(small.getvalue(), mime="image/png", title=f"v{n}", render=render, parent=chain)
        chain = Parent(data, "image/png", f"v{n}")
    rules = MESSENGERS["whatsapp"]
    meta = {"engine": "studio", "style": "comics", "model": "studio"}

    def signer(parent):
        return lambda data, mime: sign(data, mime=mime, title="s", render=render, parent=parent)

    short = Parent(
        sign(small.getvalue(), mime="image/png", title="v1", render=render), "image/png", "v1"
    )
    data, fmt, signed = sticker_encode(picture, rules=rules, meta=meta, sign=signer(short))
    assert signed and fmt == "webp" and len(data) <= rules.max_bytes
    assert len(chain.data) > rules.max_bytes  # 39 versions of history: more than 100 KB alone
    data, fmt, signed = sticker_encode(picture, rules=rules, meta=meta, sign=signer(chain))
    assert not signed and len(data) <= rules.max_bytes
    assert "only without its Content Credentials" in caplog.text


# --- the page: a made pack's stickers previewed on a chequerboard, dark and light -----------


def test_the_page_previews_a_made_packs_stickers_on_three_grounds(
    made, three_versions, alice_client
):
    from django.urls import reverse

    answer = made(three_versions, "whatsapp")
    page = alice_client.get(reverse("avatars:detail", args=[three_versions[0].avatar_id]))
    html = page.content.decode()
    for ground in ("checker", "dark", "light"):
        assert f'class="sticker-ground {ground}"' in html
    first = reverse("avatars:sticker", args=[answer["id"], 1])
    assert html.count(f'src="{first}"') == 3
    # The preview is the file the messenger gets, byte for byte.
    shown = alice_client.get(first)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/webp"
    with zipfile.ZipFile(io.BytesIO(body(alice_client.get(answer["download"])))) as archive:
        assert shown.content == archive.read("01.webp")


def test_a_sticker_preview_is_the_owners_only(made, three_versions, bob_client, alice_client):
    from django.urls import reverse

    answer = made(three_versions, "signal")
    assert bob_client.get(reverse("avatars:sticker", args=[answer["id"], 1])).status_code == 404
    beyond = reverse("avatars:sticker", args=[answer["id"], 4])
    assert alice_client.get(beyond).status_code == 404  # three stickers in the pack


def test_a_pack_being_made_has_no_preview(alice, alice_client, three_versions):
    from django.urls import reverse

    from avatars.stickers.services import sticker_pack_request

    pack = sticker_pack_request(owner=alice, turn_ids=[three_versions[0].pk], messenger="signal")
    assert pack.status == StickerPack.Status.QUEUED  # its job waits for the commit
    assert alice_client.get(reverse("avatars:sticker", args=[pack.pk, 1])).status_code == 404
    page = alice_client.get(reverse("avatars:detail", args=[three_versions[0].avatar_id]))
    assert "sticker-ground" not in page.content.decode()
