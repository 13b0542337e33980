"""Alice takes everything with her: one zip from her profile page (or the API) holding each
selfie and every version's PNG exactly as stored, and pixme.json with her profile and each
avatar's history naming those files. Bob's download holds nothing of hers."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import profile_for_user, profile_update
from avatars.models import Style
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_cancel
from tests.conftest import api_token, draw_edit, upload

# Each test gets a media storage of its own, so a listing sees no other test's files.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


@pytest.fixture
def edited_avatar(alice_avatar, run_jobs):
    """Alice's Comics avatar with a second version: glasses added to version 1."""
    draw_edit(alice_avatar, "add round glasses", run_jobs)
    alice_avatar.title = "Me, in ink"
    alice_avatar.save(update_fields=["title"])
    return alice_avatar


@pytest.fixture
def alices_profile(alice):
    return profile_update(
        profile=profile_for_user(user=alice),
        data={
            "display_name": "Alice Liddell",
            "backstory": "Fell down a rabbit hole; came back with stories.",
            "palette": "#ff3366, #22ccff",
            "traits": "always wears a blue ribbon",
            "caption": "Curiouser!",
            "favourite_styles": list(Style.objects.filter(slug__in=["comics", "manga"])),
            "default_engine": "studio",
        },
    )


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _stored(field) -> bytes:
    with default_storage.open(field.name, "rb") as fh:
        return fh.read()


def test_alice_downloads_everything_she_has(alice_client, alices_profile, edited_avatar):
    response = alice_client.get("/accounts/profile/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="pixme-alice-{today}.zip"'
    assert response["Cache-Control"] == "private, no-store"
    archive = _zip(response)
    assert archive.testzip() is None

    folder = f"avatars/{edited_avatar.pk}-comics"
    v1, v2 = edited_avatar.turns.order_by("number")
    assert sorted(archive.namelist()) == sorted(
        [f"{folder}/selfie.jpg", f"{folder}/v1.png", f"{folder}/v2.png", "pixme.json"]
    )
    # Byte for byte what the storage holds, stored as is (PNG and JPEG are compressed already).
    for name, field in [
        ("selfie.jpg", edited_avatar.source),
        ("v1.png", v1.image),
        ("v2.png", v2.image),
    ]:
        assert archive.read(f"{folder}/{name}") == _stored(field)
        assert archive.getinfo(f"{folder}/{name}").compress_type == zipfile.ZIP_STORED

    data = json.loads(archive.read("pixme.json"))
    assert data["account"]["username"] == "alice"
    assert data["profile"] == {
        "display_name": "Alice Liddell",
        "backstory": "Fell down a rabbit hole; came back with stories.",
        "palette": "#ff3366, #22ccff",
        "traits": "always wears a blue ribbon",
        "caption": "Curiouser!",
        "favourite_styles": ["comics", "manga"],
        "default_engine": "studio",
        "default_model": "",
        "photo_retention": "keep",
        "references": [],
    }
    [avatar] = data["avatars"]
    assert avatar["id"] == edited_avatar.pk
    assert (avatar["title"], avatar["style"], avatar["style_name"]) == (
        "Me, in ink",
        "comics",
        "Comics",
    )
    assert avatar["created_at"] == edited_avatar.created_at.isoformat()
    assert avatar["selfie"] == f"{folder}/selfie.jpg"
    assert avatar["current_version"] == 2
    first, second = avatar["versions"]
    assert first["number"] == 1 and first["parent"] is None and first["kind"] == "generate"
    assert second["number"] == 2 and second["parent"] == 1 and second["kind"] == "edit"
    assert second["instruction"] == "add round glasses"
    for version, turn in [(first, v1), (second, v2)]:
        assert version["image"] == f"{folder}/v{turn.number}.png"  # the file beside it
        assert version["status"] == "succeeded"
        assert (version["engine"], version["model"]) == (turn.engine, turn.model)
        assert version["likeness"] == pytest.approx(turn.likeness)
        assert version["style_strength"] == turn.style_strength == 50
        assert version["skin_tone"] == turn.skin_tone
        assert version["model_text"] == turn.model_text
        assert version["error_message"] == ""
        assert version["created_at"] == turn.created_at.isoformat()
        assert version["finished_at"] == turn.finished_at.isoformat()
        assert (version["width"], version["height"]) == (turn.width, turn.height)
    assert data["missing"] == []


def test_versions_without_a_picture_are_in_the_history(
    alice, alice_client, alice_avatar, selfie_jpeg, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # no worker gets to these
        waiting = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
        )
        stopped = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    turn_cancel(turn=stopped.turns.get())

    data = json.loads(_zip(alice_client.get("/accounts/profile/export/")).read("pixme.json"))

    by_id = {a["id"]: a for a in data["avatars"]}
    assert [by_id[waiting.pk]["versions"][0][k] for k in ("status", "image", "finished_at")] == [
        "queued",
        None,
        None,
    ]
    assert by_id[stopped.pk]["versions"][0]["status"] == "cancelled"
    assert by_id[stopped.pk]["versions"][0]["image"] is None
    assert by_id[waiting.pk]["selfie"] == f"avatars/{waiting.pk}-manga/selfie.jpg"
    assert [a["id"] for a in data["avatars"]] == [alice_avatar.pk, waiting.pk, stopped.pk]


def test_a_file_the_storage_lost_is_named_and_the_rest_still_comes(alice_client, edited_avatar):
    v2 = edited_avatar.turns.get(number=2)
    default_storage.delete(v2.image.name)  # lost behind the site's back (a bad restore, say)

    response = alice_client.get("/accounts/profile/export/")

    assert response.status_code == 200
    archive = _zip(response)
    folder = f"avatars/{edited_avatar.pk}-comics"
    data = json.loads(archive.read("pixme.json"))
    assert data["missing"] == [f"{folder}/v2.png"]
    assert data["avatars"][0]["versions"][1]["image"] is None
    assert f"{folder}/v1.png" in archive.namelist()
    assert f"{folder}/v2.png" not in archive.namelist()


def test_bobs_download_holds_nothing_of_alices(bob_client, edited_avatar):
    archive = _zip(bob_client.get("/accounts/profile/export/"))
    assert archive.namelist() == ["pixme.json"]
    data = json.loads(archive.read("pixme.json"))
    assert data["account"]["username"] == "bob" and data["avatars"] == []


def test_the_reports_alice_made_are_in_her_download(alice_client, alice, bob, selfie_jpeg):
    from avatars.models import Report

    with_bob = avatar_create(
        owner=bob, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
    )
    Report.objects.create(avatar=with_bob, reporter=alice, reason="spam", note="Selling pills")
    data = json.loads(_zip(alice_client.get("/accounts/profile/export/")).read("pixme.json"))
    assert [(r["reason"], r["note"]) for r in data["reports"]] == [("spam", "Selling pills")]


def test_the_download_needs_login(client, alice):
    response = client.get("/accounts/profile/export/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_profile_page_offers_the_download(alice_client):
    page = alice_client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/profile/export/"' in page


def test_a_token_client_downloads_the_same_zip(alice, edited_avatar):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    response = api.get("/api/account/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    folder = f"avatars/{edited_avatar.pk}-comics"
    archive = _zip(response)
    assert archive.read(f"{folder}/v2.png") == _stored(edited_avatar.turns.get(number=2).image)
    assert json.loads(archive.read("pixme.json"))["avatars"][0]["id"] == edited_avatar.pk


def test_the_api_download_needs_a_signed_in_client(alice, edited_avatar):
    response = APIClient().get("/api/account/export/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_a_big_archive_is_written_to_disk_not_kept_in_memory(alice, edited_avatar, monkeypatch):
    from accounts import leaving

    # Shrink the in-memory allowance below one PNG: the zip must go to a temporary file.
    monkeypatch.setattr(leaving, "EXPORT_SPOOL_BYTES", 64 * 1024)
    export = leaving.account_export(user=alice)
    try:
        assert export.file._rolled  # a real file on disk now, not a BytesIO
        assert zipfile.ZipFile(export.file).testzip() is None
    finally:
        export.file.close()


def test_the_page_and_the_api_share_one_export_limit(alice, alice_client, settings):
    """Building the zip reads every file Alice has: PIXME_EXPORT_RATE, page and API together."""
    settings.PIXME_EXPORT_RATE = "2/hour"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    assert alice_client.get("/accounts/profile/export/").status_code == 200
    assert api.get("/api/account/export/").status_code == 200
    page = alice_client.get("/accounts/profile/export/")
    assert page.status_code == 429 and 0 < int(page["Retry-After"]) <= 3600
    assert "Please try again in" in page.content.decode()
    refused = api.get("/api/account/export/")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
