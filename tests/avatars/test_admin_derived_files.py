"""Cut-outs and sticker packs in the admin: listed read-only with their owner, their file
served to staff who may view them (never a storage URL), and nothing to anyone else —
moderators included, whose work is the avatar the files go with."""

from __future__ import annotations

import pytest

from accounts.models import User
from avatars.models import Cutout, StickerPack
from tests.moderation_people import client_for, moderator_create

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def root_client(db):
    return client_for(User.objects.create_superuser("root", "root@example.com", "root-Pw-123"))


@pytest.fixture
def cutout(alice_api, alice_avatar) -> tuple[Cutout, bytes]:
    turn = alice_avatar.current_turn
    answer = alice_api.get(f"/api/avatars/{alice_avatar.pk}/turns/{turn.pk}/cutout.png?outline=8")
    assert answer.status_code == 200
    return Cutout.objects.get(turn=turn), body(answer)


@pytest.fixture
def pack(alice_api, alice_avatar, run_jobs) -> tuple[StickerPack, bytes]:
    turns = [alice_avatar.current_turn_id]
    with run_jobs():
        asked = alice_api.post(
            "/api/sticker-packs/", {"turns": turns, "messenger": "telegram"}, format="json"
        )
    assert asked.status_code == 202, asked.content
    made = StickerPack.objects.get(owner__username="alice")
    assert made.status == StickerPack.Status.READY, made.error_message
    with made.file.open("rb") as fh:
        return made, fh.read()


def test_a_cutout_is_listed_shown_and_served_read_only(root_client, cutout):
    row, data = cutout
    listing = root_client.get("/admin/avatars/cutout/").content.decode()
    assert str(row) in listing and "alice" in listing
    page = root_client.get(f"/admin/avatars/cutout/{row.pk}/change/")
    assert page.status_code == 200
    file_url = f"/admin/avatars/cutout/{row.pk}/file/"
    assert file_url in page.content.decode() and row.file.url not in page.content.decode()
    served = root_client.get(file_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert body(served) == data  # the very file the owner downloaded
    assert root_client.get("/admin/avatars/cutout/add/").status_code == 403
    assert b'name="_save"' not in page.content  # nothing to change


def test_a_sticker_pack_is_listed_with_its_versions_and_its_zip(root_client, pack):
    row, data = pack
    listing = root_client.get("/admin/avatars/stickerpack/").content.decode()
    assert str(row) in listing and "alice" in listing
    page = root_client.get(f"/admin/avatars/stickerpack/{row.pk}/change/").content.decode()
    assert f"/admin/avatars/stickerpack/{row.pk}/file/" in page
    version = str(row.items.get().turn)
    assert version in page  # the version it was made of, in its place
    served = root_client.get(f"/admin/avatars/stickerpack/{row.pk}/file/")
    assert served.status_code == 200 and body(served) == data
    assert "attachment" in served["Content-Disposition"]
    assert root_client.get("/admin/avatars/stickerpack/add/").status_code == 403


def test_nobody_else_gets_the_lists_or_the_files(alice_client, cutout, pack):
    mona = client_for(moderator_create())
    for url in (
        "/admin/avatars/cutout/",
        f"/admin/avatars/cutout/{cutout[0].pk}/file/",
        "/admin/avatars/stickerpack/",
        f"/admin/avatars/stickerpack/{pack[0].pk}/file/",
    ):
        assert mona.get(url).status_code in (403, 404), url
        answer = alice_client.get(url)  # the owner, but not staff: the admin's log-in page
        assert answer.status_code == 302 and "/admin/login/" in answer["Location"], url
