"""Identity photos are photos too: deleting one, replacing one and closing the account each
leave a signed receipt naming the photo's SHA-256, as it was stored; a refused replacement
deletes nothing and signs nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import DeletionReceipt
from avatars.models import IdentityPhoto
from tests.accounts.test_deletion_receipts import verify
from tests.conftest import token_client, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


def post(api, data: bytes, **fields):
    return api.post("/api/identity-photos/", {"photo": upload(data), **fields}, format="multipart")


def sha256_of(photo_id: int) -> str:
    photo = IdentityPhoto.objects.get(pk=photo_id)
    return hashlib.sha256((Path(settings.MEDIA_ROOT) / photo.photo.name).read_bytes()).hexdigest()


def receipts(user) -> list[dict]:
    return [json.loads(r.document)["receipt"] for r in DeletionReceipt.objects.filter(user=user)]


def test_deleting_one_leaves_a_receipt_that_verifies(alice, front_jpeg, run_jobs, tmp_path):
    api = token_client(alice)
    photo_id = post(api, front_jpeg, angle="front").json()["id"]
    digest = sha256_of(photo_id)
    with run_jobs():
        assert api.delete(f"/api/identity-photos/{photo_id}/").status_code == 204

    [receipt] = receipts(alice)
    assert (receipt["kind"], receipt["reason"]) == ("photo", "user")
    assert receipt["subject"] == "Your identity photo (facing the camera)"
    assert [f["sha256"] for f in receipt["files"]] == [digest]
    [listed] = api.get("/api/account/receipts/").json()
    saved = tmp_path / "receipt.json"
    saved.write_bytes(b"".join(api.get(listed["download"]).streaming_content))
    code, out = verify(saved)
    assert code == 0, out


def test_replacing_one_leaves_a_receipt_of_the_old_one(alice, front_jpeg, no_face_jpeg):
    api = token_client(alice)
    first = post(api, front_jpeg, angle="front").json()["id"]
    digest = sha256_of(first)

    refused = post(api, no_face_jpeg, angle="front", replaces=first)
    assert refused.status_code == 400
    assert IdentityPhoto.objects.filter(pk=first).exists() and receipts(alice) == []

    assert post(api, front_jpeg, angle="front", replaces=first).status_code == 201
    [receipt] = receipts(alice)
    assert receipt["why"] == "You replaced it with a new photo."
    assert [f["sha256"] for f in receipt["files"]] == [digest]


def test_the_account_s_receipt_names_them(alice, front_jpeg, run_jobs):
    api = token_client(alice)
    photo_id = post(api, front_jpeg, angle="smile").json()["id"]
    digest = sha256_of(photo_id)
    with run_jobs():
        response = api.post("/api/account/delete/", {"password": "alice-Secret-123"}, format="json")
    assert response.status_code == 200
    files = response.json()["receipt"]["receipt"]["files"]
    assert [f["sha256"] for f in files if f["what"].startswith("identity photo")] == [digest]
