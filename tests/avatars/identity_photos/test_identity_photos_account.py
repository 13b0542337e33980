"""Identity photos leave with the account, and come in its export."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from avatars.identity_photos.services import identity_photo_create
from avatars.models import IdentityPhoto
from tests.conftest import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]

PASSWORD = "alice-Secret-123"


def hers(user) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if str(p.relative_to(root)).startswith(f"u{user.pk}/")
    }


@pytest.fixture
def alices_photos(alice, front_jpeg):
    return [
        identity_photo_create(owner=alice, upload=upload(front_jpeg), angle="front"),
        identity_photo_create(owner=alice, upload=upload(front_jpeg), angle="other"),
    ]


def test_they_go_with_the_account(alice, alice_client, bob, front_jpeg, alices_photos, run_jobs):
    bobs = identity_photo_create(owner=bob, upload=upload(front_jpeg), angle="front")
    assert len([n for n in hers(alice) if n.endswith(".jpg")]) == 2

    with run_jobs():
        response = alice_client.post("/accounts/profile/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert not IdentityPhoto.objects.filter(owner_id=alice.pk).exists()
    assert hers(alice) == set()  # no file, no empty folder
    assert IdentityPhoto.objects.get().pk == bobs.pk and bobs.photo.storage.exists(bobs.photo.name)


def test_they_come_in_the_export(alice_client, alices_photos):
    response = alice_client.get("/accounts/profile/export/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("pixme.json"))
    assert [(p["id"], p["angle"], p["photo"]) for p in data["identity_photos"]] == [
        (alices_photos[0].pk, "front", "identity-photos/1-front.jpg"),
        (alices_photos[1].pk, "other", "identity-photos/2-other.jpg"),
    ]
    with alices_photos[0].photo.open("rb") as fh:
        assert archive.read("identity-photos/1-front.jpg") == fh.read()
