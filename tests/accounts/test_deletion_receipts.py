"""Every photo, avatar or account of Alice's the site deletes — by her, by her retention choice,
by a moderator — leaves a receipt signed by the site: each file's SHA-256 (lowercase hex), when
and why. She finds them on her profile, in the API (`GET /api/account/receipts/`) and in her
data download; `manage.py pixme_verify RECEIPT.json` accepts one as the site wrote it (exit 0)
and refuses it with any byte changed (exit 1), or signed by anyone else. Bob sees none."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import DeletionReceipt, Profile
from accounts.receipts import DeletedFile, Deletion, receipt_create, receipt_signed_bytes
from accounts.services import profile_update
from avatars.models import Style
from avatars.moderation.services import avatar_remove
from avatars.services.avatars import avatar_create
from tests.conftest import draw_avatar, draw_edit, token_client, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sums(avatar) -> dict[str, str]:
    """The SHA-256 of every file the avatar has in the storage, by name."""
    root = Path(settings.MEDIA_ROOT)
    names = [avatar.source.name] + [
        f.name for t in avatar.turns.all() for f in (t.image, t.thumbnail, t.webp) if f
    ]
    return {n: hashlib.sha256((root / n).read_bytes()).hexdigest() for n in names if n}


@pytest.fixture
def edited(alice, selfie_jpeg, run_jobs):
    avatar = draw_avatar(alice, selfie_jpeg, run_jobs)
    return draw_edit(avatar, "add round glasses", run_jobs)


def download(api, entry: dict) -> bytes:
    response = api.get(entry["download"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def verify(path: Path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("pixme_verify", str(path), stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_a_receipt_verifies_and_one_with_a_byte_changed_is_refused(
    alice, edited, run_jobs, tmp_path
):
    files = sums(edited)
    with run_jobs():
        token_client(alice).delete(f"/api/avatars/{edited.pk}/")
    api = token_client(alice)
    [entry] = api.get("/api/account/receipts/").json()
    assert set(entry) >= {"id", "kind", "created_at", "download"}
    assert entry["kind"] == "avatar"
    data = download(api, entry)
    receipt = json.loads(data)["receipt"]
    assert receipt["id"] == entry["id"] and receipt["reason"] == "user"
    assert {f["name"]: f["sha256"] for f in receipt["files"]} == files
    assert all(HEX64.match(f["sha256"]) for f in receipt["files"])
    assert len(receipt["files"]) == 7  # the photo; 2 versions × picture, thumbnail, WebP

    good = tmp_path / "receipt.json"
    good.write_bytes(data)
    code, out = verify(good)
    assert code == 0, out
    assert out.startswith("RECEIPT VALID: Signed by this site")
    assert files[edited.source.name] in out

    changes = {  # where, and the byte put there (a digit or letter: another one)
        "a digit of a file's SHA-256": (data.index(files[edited.source.name].encode()) + 5, b""),
        "a letter of the reason": (data.index(b"You deleted it") + 4, b""),
        "the signature": (data.index(b'"value": "') + 20, b""),
        "the first byte": (0, b"["),
        "a space of the layout, for a tab (the same JSON)": (data.index(b"\n  ") + 1, b"\t"),
        "the last byte": (len(data) - 1, b" "),
    }
    for what, (at, byte) in changes.items():
        altered = bytearray(data)
        altered[at : at + 1] = byte or (b"7" if data[at : at + 1] != b"7" else b"8")
        assert bytes(altered) != data and len(altered) == len(data), what
        path = tmp_path / "altered.json"
        path.write_bytes(bytes(altered))
        code, out = verify(path)
        assert code == 1, (what, out)
        assert "RECEIPT VALID" not in out


def test_a_receipt_signed_by_another_key_is_refused(alice, tmp_path, settings):
    from avatars.provenance import keys

    deletion = Deletion(
        kind="photo",
        reason="user",
        why="You deleted it.",
        subject="The photo of Comics avatar #1",
        files=[DeletedFile(what="photo", name="u1/x/source.jpg", bytes=3, sha256="0" * 64)],
    )
    ours = receipt_create(user=alice, deletion=deletion)
    ours_path = tmp_path / "ours.json"
    ours_path.write_text(ours.document)
    assert verify(ours_path)[0] == 0

    # Another site's root (or anyone's): a signature that is right, but not ours.
    keys.local_material_create(tmp_path / "theirs")
    settings.PIXME_C2PA_CHAIN = str(tmp_path / "theirs" / "chain.pem")
    settings.PIXME_C2PA_KEY = str(tmp_path / "theirs" / "signer.key")
    keys.caches_clear()
    try:
        theirs = receipt_create(user=alice, deletion=deletion)
    finally:
        settings.PIXME_C2PA_CHAIN = settings.PIXME_C2PA_KEY = ""
        keys.caches_clear()
    theirs_path = tmp_path / "theirs.json"
    theirs_path.write_text(theirs.document)
    code, out = verify(theirs_path)
    assert code == 1 and "RECEIPT UNTRUSTED: The signature is not this site's" in out


def test_the_signature_covers_the_receipt_and_anyone_with_the_certificate_checks_it(
    alice, edited, run_jobs
):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    with run_jobs():
        token_client(alice).delete(f"/api/avatars/{edited.pk}/photo/")
    document = json.loads(DeletionReceipt.objects.get(user=alice).document)
    signature = document["signature"]
    assert signature["algorithm"] == "ES256"
    leaf = x509.load_pem_x509_certificate(signature["certificates"][0].encode())
    # Only the certificate, the receipt and a standard library: no secret of the site's.
    leaf.public_key().verify(
        base64.b64decode(signature["value"]),
        receipt_signed_bytes(document["receipt"]),
        ec.ECDSA(hashes.SHA256()),
    )


def test_receipts_of_each_kind_and_reason(alice, bob, edited, selfie_jpeg, run_jobs, settings):
    moderator = bob
    moderator.is_staff = True
    moderator.save()
    with run_jobs():
        other = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
        )
    other.refresh_from_db()
    other_files = sums(other)

    with run_jobs():  # a moderator removes one: its pictures go, the row stays
        avatar_remove(avatar=other, moderator=moderator, reason="Not a selfie")
    with run_jobs():  # her retention choice takes the other's photo
        profile_update(
            profile=Profile.objects.get(user=alice), data={"photo_retention": "when_done"}
        )
    receipts = {
        (r.kind, r.reason): json.loads(r.document)["receipt"]
        for r in DeletionReceipt.objects.filter(user=alice)
    }
    assert set(receipts) == {("avatar", "moderator"), ("photo", "retention")}
    removed = receipts[("avatar", "moderator")]
    assert removed["why"] == "A moderator removed its pictures: Not a selfie"
    assert {f["name"]: f["sha256"] for f in removed["files"]} == other_files
    assert removed["about"] == {"avatar": other.pk}
    photo = receipts[("photo", "retention")]
    assert [f["name"] for f in photo["files"]] == [edited.source.name]
    assert not DeletionReceipt.objects.filter(user=bob).exists()


def test_the_api_lists_only_her_own_receipts(alice, bob, edited, run_jobs):
    with run_jobs():
        token_client(alice).delete(f"/api/avatars/{edited.pk}/photo/")
    alice_api, bob_api = token_client(alice), token_client(bob)
    [entry] = alice_api.get("/api/account/receipts/").json()
    assert entry["kind"] == "photo" and entry["subject"].startswith("The photo of")
    assert bob_api.get("/api/account/receipts/").json() == []
    assert bob_api.get(entry["download"]).status_code == 404
    assert bob_api.get(f"/api/account/receipts/{uuid.uuid4()}/").status_code == 404


def test_the_profile_lists_receipts_and_downloads_one(
    alice, alice_client, bob_client, edited, run_jobs
):
    assert (
        "Nothing of yours has been deleted yet."
        in alice_client.get("/accounts/profile/").content.decode()
    )
    with run_jobs():
        alice_client.post(f"/avatars/{edited.pk}/photo/delete/")
    receipt = DeletionReceipt.objects.get(user=alice)
    page = alice_client.get("/accounts/profile/").content.decode()
    link = f"/accounts/profile/receipts/{receipt.uid}.json"
    assert f'href="{link}" download' in page
    assert f"Photo: {receipt.subject}" in page
    assert f"{timezone.localtime(receipt.created_at):%-d %b %Y}" in page
    response = alice_client.get(link)
    assert b"".join(response.streaming_content) == receipt.document.encode()
    assert bob_client.get(link).status_code == 404


def test_receipts_are_in_her_data_download_as_they_verify(
    alice, alice_client, edited, run_jobs, tmp_path
):
    with run_jobs():
        alice_client.post(f"/avatars/{edited.pk}/photo/delete/")
    receipt = DeletionReceipt.objects.get(user=alice)
    response = alice_client.get("/accounts/profile/export/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("pixme.json"))
    [entry] = data["receipts"]
    assert entry["receipt"]["id"] == str(receipt.uid)
    saved = archive.read(entry["file"])
    assert saved == receipt.document.encode()
    path = tmp_path / "from-export.json"
    path.write_bytes(saved)
    assert verify(path)[0] == 0
    [avatar] = data["avatars"]
    assert avatar["selfie"] is None and avatar["photo_deleted_at"]


def test_an_avatar_s_receipt_names_its_picture_url_squares(alice, edited, run_jobs):
    from avatars.models import PictureSize
    from avatars.picture.services import picture_bytes, turn_shown

    picture_bytes(shown=turn_shown(turn=edited.current_turn), side=80, fmt="png")
    [square] = PictureSize.objects.filter(turn__avatar=edited)
    expected = sums(edited)
    expected[square.file.name] = hashlib.sha256(
        (Path(settings.MEDIA_ROOT) / square.file.name).read_bytes()
    ).hexdigest()
    with run_jobs():
        assert token_client(alice).delete(f"/api/avatars/{edited.pk}/").status_code == 204
    [receipt] = DeletionReceipt.objects.filter(user=alice, kind="avatar")
    files = json.loads(receipt.document)["receipt"]["files"]
    assert {f["name"]: f["sha256"] for f in files} == expected
