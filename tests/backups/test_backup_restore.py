"""manage.py pixme_backup and pixme_restore on the real site: a backup taken while people
create and edit restores, into an empty data directory, to a site with the same avatars,
versions (pixel for pixel), tokens, profiles and trusted Content Credentials; a damaged,
altered or partial archive, or a data directory that isn't empty, is refused with nothing
written; a scale-out site is told what to use instead."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.liveserver import ROOT, LiveSite, wait_for
from tests.scaleout.cluster import UNLIMITED, multipart, request

pytestmark = pytest.mark.slow

PEOPLE = """
import json
from accounts.services import api_token_create, user_create
out = {}
for name in ("alice", "bob"):
    user = user_create(username=name, password=name + "-Secret-123", email="")
    _row, laptop = api_token_create(user=user, name="laptop")
    _row, ci = api_token_create(user=user, name="CI")
    out[name] = {"laptop": laptop, "CI": ci}
print(json.dumps(out))
"""
ASK_PROFILE = """
from rest_framework.test import APIClient
for token in TOKENS:
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION="Token " + token)
    print(client.get("/api/profile/").status_code)
"""
# What any manage.py run leaves in a new data directory.
EMPTY = {"secret_key", "staticfiles", "cache"}


def manage(env: dict, *args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def new_site_env(site: LiveSite, var_dir: Path) -> dict:
    return {**site.env, "PIXME_VAR_DIR": str(var_dir)}


def empty_data_dir(site: LiveSite, path: Path) -> Path:
    """A new data directory as a manage.py run leaves it (the secret key, the static folder)."""
    assert manage(new_site_env(site, path), "check").returncode == 0
    assert {p.name for p in path.iterdir()} == EMPTY
    return path


def everything_under(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(path.rglob("*"))
    }


def create(site: LiveSite, token: str, photo: bytes, title: str) -> tuple[int, bytes]:
    body, ctype = multipart(
        {"style": "pop-art", "title": title}, {"photo": ("me.jpg", photo, "image/jpeg")}
    )
    status, _headers, content = request(
        "POST", site.url + "/api/avatars/", token=token, data=body, content_type=ctype
    )
    return status, content


def edit(site: LiveSite, token: str, avatar_id: int, instruction: str) -> int:
    status, _headers, _body = request(
        "POST",
        f"{site.url}/api/avatars/{avatar_id}/edits/",
        token=token,
        data=json.dumps({"instruction": instruction}).encode(),
        content_type="application/json",
    )
    return status


def finished(site: LiveSite) -> bool:
    return not site.query("select count(*) from avatars_turn where status in ('queued','running')")[
        0
    ][0]


def rows(site: LiveSite) -> tuple[dict, dict]:
    avatars = {
        row[0]: row
        for row in site.query(
            "select id, owner_id, number, style_id, title, source from avatars_avatar"
        )
    }
    versions = {
        row[0]: row
        for row in site.query(
            "select id, avatar_id, number, kind, instruction, image, thumbnail, signed "
            "from avatars_turn where status = 'succeeded'"
        )
    }
    return avatars, versions


def download(site: LiveSite, token: str, avatar_id: int, turn_id: int) -> bytes:
    url = f"{site.url}/api/avatars/{avatar_id}/turns/{turn_id}/image.png"
    status, _headers, body = request("GET", url, token=token)
    assert status == 200, body[:300]
    return body


def pixels(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGB").tobytes()


def verdict(site: LiveSite, data: bytes) -> str:
    body, ctype = multipart({}, {"file": ("v.png", data, "image/png")})
    status, _headers, content = request(
        "POST", site.url + "/api/verify/", data=body, content_type=ctype
    )
    assert status == 200, content
    return json.loads(content)["verdict"]


def profile(site: LiveSite, token: str) -> tuple[int, dict]:
    status, _headers, body = request("GET", site.url + "/api/profile/", token=token)
    return status, json.loads(body)


@pytest.fixture(scope="module")
def photo(face_photo) -> bytes:
    buf = io.BytesIO()
    face_photo.resize((384, 384), Image.Resampling.LANCZOS).save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory, photo):
    """A running embedded site: Alice and Bob, each with two named API tokens, a
    profile and a finished avatar with an edit."""
    var = tmp_path_factory.mktemp("site") / "var"
    site = LiveSite(var, **UNLIMITED, PIXME_VERIFY_RATE="off")
    site.migrate()
    site.start()
    try:
        site.people = json.loads(site.shell(PEOPLE))
        for name, tokens in site.people.items():
            patch = {
                "display_name": name.title(),
                "caption": f"{name.upper()}!",
                "palette": "#ff8800",
            }
            status, _h, body = request(
                "PATCH",
                site.url + "/api/profile/",
                token=tokens["laptop"],
                data=json.dumps(patch).encode(),
                content_type="application/json",
            )
            assert status == 200, body
            status, body = create(site, tokens["CI"], photo, f"{name}'s first")
            assert status == 202, body
            assert wait_for(lambda: finished(site), 120, 0.2)
            assert edit(site, tokens["laptop"], json.loads(body)["id"], "add glasses") == 202
        assert wait_for(lambda: finished(site), 120, 0.2)
        yield site
    finally:
        site.stop(grace=2)


@pytest.fixture(scope="module")
def archive(site, tmp_path_factory) -> Path:
    """A backup of the site with its secrets, taken at rest (for the refusal tests)."""
    out = tmp_path_factory.mktemp("archive") / "pixme.tar"
    result = manage(site.env, "pixme_backup", str(out), "--with-secrets")
    assert result.returncode == 0, result.stderr
    return out


def refused(site: LiveSite, tmp_path: Path, archive: Path) -> str:
    """Restore ``archive`` into a new data directory: it must fail, writing nothing."""
    target = tmp_path / "var"
    beside = set(tmp_path.iterdir())
    result = manage(new_site_env(site, target), "pixme_restore", str(archive))
    assert result.returncode == 1, result.stdout
    # Only what the run's own start made (the secret key, the static and cache folders)…
    assert {p.name for p in target.iterdir()} == EMPTY
    assert not any((target / "staticfiles").iterdir())
    # …and no staging folder left beside it.
    assert set(tmp_path.iterdir()) == beside | {target}
    return result.stderr


def burst_photo(face_photo, n: int) -> bytes:
    """The 1024² face photo with one pixel of its top row made black: other pixels."""
    image = face_photo.copy()
    image.putpixel((n, 0), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_a_backup_taken_under_load_restores_the_same_site(site, photo, face_photo, tmp_path):
    avatars_before, versions_before = rows(site)
    user_ids = dict(site.query("select username, id from accounts_user"))
    people = [
        (tokens, min(pk for pk, row in avatars_before.items() if row[1] == user_ids[name]))
        for name, tokens in site.people.items()
    ]
    stop, requests_log = threading.Event(), []

    def load():
        count = 0
        while not stop.is_set():
            tokens, first_avatar = people[count % len(people)]
            if count % 4 == 3:
                kind = "edit"
                status = edit(site, tokens["laptop"], first_avatar, f"make it warmer {count}")
            else:
                kind = "create"
                status, _body = create(site, tokens["CI"], photo, f"load {count}")
            requests_log.append((time.time(), status, kind))
            count += 1
            stop.wait(0.3)  # a steady stream, not a flood the runner takes minutes to drain

    worker = threading.Thread(target=load)
    worker.start()
    try:
        # Jobs queued and drawing when the backup starts: files and rows are being written.
        assert wait_for(lambda: len(requests_log) >= 4, 60, 0.05)
        # A burst on top, so that renders are still queued when the snapshot is taken (the
        # steady stream alone can be drawn as fast as it comes): full-size photos, each a
        # pixel apart, so that no render reuses the faces found in another (avatars.faces
        # keeps its last answers by their pixels).
        tokens, _first = people[0]
        for n in range(6):
            status, _body = create(site, tokens["CI"], burst_photo(face_photo, n), f"burst {n}")
            requests_log.append((time.time(), status, "create"))
        started = time.time()
        out = tmp_path / "backups" / "pixme.tar"
        out.parent.mkdir()
        backup = manage(site.env, "pixme_backup", str(out), "--with-secrets")
        ended = time.time()
        # The site goes on writing after the snapshot: at least one avatar it cannot hold.
        assert wait_for(
            lambda: any(w > ended and s == 202 and k == "create" for w, s, k in requests_log),
            60,
            0.05,
        )
    finally:
        stop.set()
        worker.join(timeout=60)
    assert backup.returncode == 0, backup.stderr
    assert [p.name for p in out.parent.iterdir()] == ["pixme.tar"]  # no temporary left
    during = [status for when, status, _kind in requests_log if started <= when <= ended]
    assert 202 in during, requests_log  # the site took creates and edits while it ran
    assert wait_for(lambda: finished(site), 180, 0.2)
    avatars_after, versions_after = rows(site)

    target = empty_data_dir(site, tmp_path / "restored")
    result = manage(new_site_env(site, target), "pixme_restore", str(out))
    assert result.returncode == 0, result.stderr
    restored = LiveSite(target, **UNLIMITED, PIXME_VERIFY_RATE="off")
    avatars, versions = rows(restored)
    # The snapshot caught jobs mid-flight, and the site went on writing after it.
    assert not finished(restored) and set(avatars) < set(avatars_after)
    # Everything there before the backup began, and nothing that wasn't on the site.
    assert set(avatars_before) <= set(avatars) and set(versions_before) <= set(versions)
    assert all(avatars_after[pk] == row for pk, row in avatars.items())
    assert all(versions_after[pk] == row for pk, row in versions.items())
    restored.start()
    try:
        owners = {row[0]: row[1] for row in avatars.values()}
        token_of = {user_ids[name]: tokens["laptop"] for name, tokens in site.people.items()}
        for pk, (_id, avatar_id, *_rest) in versions.items():
            token = token_of[owners[avatar_id]]
            restored_png = download(restored, token, avatar_id, pk)
            assert pixels(restored_png) == pixels(download(site, token, avatar_id, pk))
        for tokens in site.people.values():
            for token in tokens.values():  # both tokens still work
                assert profile(restored, token) == profile(site, token)
                assert profile(restored, token)[0] == 200
        signed = [pk for pk, row in versions.items() if row[-1]]
        kinds = {versions[pk][3] for pk in signed}
        assert kinds == {"generate", "edit"}
        for pk in signed[:1] + signed[-1:]:
            token = token_of[owners[versions[pk][1]]]
            assert verdict(restored, download(restored, token, versions[pk][1], pk)) == "trusted"
    finally:
        restored.stop()


def test_without_secrets_the_old_keys_must_be_supplied(site, tmp_path):
    out = tmp_path / "pixme.tar"
    backup = manage(site.env, "pixme_backup", str(out))
    assert backup.returncode == 0, backup.stderr
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert not [name for name in names if name.startswith("secrets/")]
    assert "No secrets in it" in backup.stdout

    target = tmp_path / "var"
    env = new_site_env(site, target)
    result = manage(env, "pixme_restore", str(out))
    assert result.returncode == 0, result.stderr
    assert "holds no secrets" in result.stdout and "c2pa folder" in result.stdout
    # API tokens don't hang on the secret key (only their digests are stored): they still work.
    tokens = [token for person in site.people.values() for token in person.values()]
    statuses = manage(env, "shell", "-c", ASK_PROFILE.replace("TOKENS", repr(tokens)))
    answers = statuses.stdout.strip().splitlines()[-len(tokens) :]
    assert answers == ["200"] * len(tokens), statuses.stderr
    ((avatar_id, turn_id, image),) = site.query(
        "select avatar_id, id, image from avatars_turn where signed limit 1"
    )
    version = tmp_path / "v.png"
    version.write_bytes((target / "media" / image).read_bytes())
    check = manage(env, "pixme_verify", str(version), "--json")
    assert check.returncode == 1 and json.loads(check.stdout)["verdict"] == "untrusted"
    # What the note says to do: the old site's c2pa folder in place.
    shutil.rmtree(target / "c2pa")
    shutil.copytree(site.var_dir / "c2pa", target / "c2pa")
    check = manage(env, "pixme_verify", str(version), "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["verdict"] == "trusted"


def member(archive: Path, prefix: str) -> tarfile.TarInfo:
    with tarfile.open(archive) as tar:
        return next(m for m in tar.getmembers() if m.name.startswith(prefix) and m.size > 100)


def flipped(archive: Path, tmp_path: Path, prefix: str) -> Path:
    """A copy of ``archive`` with one byte flipped in the middle of a member's content."""
    copy = tmp_path / f"flipped-{prefix.strip('/').replace('/', '-')}.tar"
    data = bytearray(archive.read_bytes())
    info = member(archive, prefix)
    data[info.offset_data + info.size // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    return copy


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        ("media/", "doesn't match its SHA-256 (it was altered)"),
        ("database/", "database/pixme.sqlite3 doesn't match its SHA-256"),
        ("secrets/c2pa/", "doesn't match its SHA-256"),
        ("manifest.json", "manifest"),
    ],
)
def test_a_flipped_byte_is_refused(site, archive, tmp_path, prefix, words):
    stderr = refused(site, tmp_path, flipped(archive, tmp_path, prefix))
    assert "is not a complete Pix Me! backup" in stderr and words in stderr
    assert "Nothing was restored" in stderr


def test_a_truncated_archive_is_refused(site, archive, tmp_path):
    # Within a picture, within the database, within the manifest, within the first member.
    ends = [member(archive, prefix).offset_data + 10 for prefix in ("media/", "database/")]
    ends += [member(archive, "manifest.json").offset_data + 10, 700]
    for keep in ends:
        cut = tmp_path / f"cut-{keep}.tar"
        cut.write_bytes(archive.read_bytes()[:keep])
        (tmp_path / str(keep)).mkdir()
        stderr = refused(site, tmp_path / str(keep), cut)
        assert "is not a complete Pix Me! backup" in stderr


def test_an_archive_missing_a_member_is_refused(site, archive, tmp_path):
    dropped = member(archive, "media/").name
    partial = tmp_path / "partial.tar"
    with tarfile.open(archive) as source, tarfile.open(partial, "w") as target:
        for info in source.getmembers():
            if info.name != dropped:
                target.addfile(info, source.extractfile(info))
    stderr = refused(site, tmp_path, partial)
    assert f"{dropped} is missing from it" in stderr


def test_an_archive_with_an_extra_member_is_refused(site, archive, tmp_path):
    extra = tmp_path / "extra.tar"
    shutil.copy(archive, extra)
    with tarfile.open(extra, "a") as tar:
        info = tarfile.TarInfo("media/u1/planted.png")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    stderr = refused(site, tmp_path, extra)
    assert "media/u1/planted.png, which its manifest doesn't list" in stderr


def test_something_that_is_not_a_backup_is_refused(site, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(os.urandom(5000))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert "is not a complete Pix Me! backup" in refused(site, tmp_path / "a", junk)
    missing = refused(site, tmp_path / "b", tmp_path / "nowhere.tar")
    assert "No such backup file" in missing


def test_a_data_directory_that_is_not_empty_is_refused(site, archive, tmp_path):
    target = tmp_path / "var"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "media").mkdir()
    result = manage(new_site_env(site, target), "pixme_restore", str(archive))
    assert result.returncode == 1
    assert "isn't empty" in result.stderr
    assert "notes.txt" in result.stderr and "media" in result.stderr
    assert everything_under(tmp_path) == {
        "var": b"<dir>",
        "var/media": b"<dir>",
        "var/notes.txt": b"mine",
        "var/secret_key": (target / "secret_key").read_bytes(),
        "var/staticfiles": b"<dir>",
        "var/cache": b"<dir>",
        "var/cache/pictures": b"<dir>",
    }


def test_a_restored_site_is_not_restored_over(site, archive, tmp_path):
    target = tmp_path / "var"
    env = new_site_env(site, target)
    assert manage(env, "pixme_restore", str(archive)).returncode == 0
    again = manage(env, "pixme_restore", str(archive))
    assert again.returncode == 1 and "pixme.sqlite3" in again.stderr


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DATABASE_URL": "postgres://pixme@127.0.0.1:9/pixme"}, "pg_dump"),
        ({"AWS_STORAGE_BUCKET_NAME": "pixme-media"}, "versioning"),
    ],
)
def test_a_scale_out_site_is_told_what_to_use_instead(site, tmp_path, env, words):
    out = tmp_path / "pixme.tar"
    backup = manage({**site.env, **env}, "pixme_backup", str(out))
    assert backup.returncode == 1 and words in backup.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    target = tmp_path / "var"
    restore = manage({**site.env, **env, "PIXME_VAR_DIR": str(target)}, "pixme_restore", "x.tar")
    assert restore.returncode == 1 and words in restore.stderr


RACE = """
import json
from pathlib import Path
from avatars.models import Avatar
from avatars.services.avatars import avatar_delete
from backups.backup import backup_create

class DeleteOnFirstCopy:
    # As a user deleting an avatar while the backup copies files: after the database
    # snapshot, before the deleted avatar's files (u<last id>/…, copied last) are reached.
    deleted = None

    def reset(self, total=None):
        pass

    def set_description(self, desc=None, refresh=True):
        pass

    def update(self, n=1):
        if self.deleted is None:
            avatar = Avatar.objects.get(pk=AVATAR)
            self.deleted = avatar.source.name
            avatar_delete(avatar=avatar)

progress = DeleteOnFirstCopy()
report = backup_create(out=Path(OUT), progress=progress)
print(json.dumps({"snapshots": report.snapshots, "missing": report.missing,
                  "orphans": report.orphans, "deleted": progress.deleted}))
"""


def test_a_row_deleted_during_the_backup_is_not_in_it(site, photo, tmp_path):
    token = json.loads(site.shell(PEOPLE.replace('("alice", "bob")', '("zed",)')))["zed"]["CI"]
    status, body = create(site, token, photo, "deleted during the backup")
    assert status == 202, body
    assert wait_for(lambda: finished(site), 120, 0.2)
    avatar_id = json.loads(body)["id"]
    out = tmp_path / "pixme.tar"
    script = RACE.replace("AVATAR", str(avatar_id)).replace("OUT", repr(str(out)))
    report = json.loads(site.shell(script))
    # Its file was gone when the copy reached it: a second snapshot no longer names it.
    assert report["snapshots"] == 2 and report["missing"] == []
    assert not (site.var_dir / "media" / report["deleted"]).exists()
    with tarfile.open(out) as tar:
        tar.extract("database/pixme.sqlite3", tmp_path, filter="data")
        manifest = json.load(tar.extractfile("manifest.json"))
    with sqlite3.connect(tmp_path / "database" / "pixme.sqlite3") as db:
        ids = {pk for (pk,) in db.execute("select id from avatars_avatar")}
    assert avatar_id not in ids and ids  # the rest is there
    assert manifest["missing"] == [] and f"media/{report['deleted']}" not in manifest["files"]


def test_a_file_the_site_already_lost_is_named_not_hidden(site, tmp_path):
    ((name,),) = site.query("select thumbnail from avatars_turn where thumbnail != '' limit 1")
    path = site.var_dir / "media" / name
    kept = path.read_bytes()
    path.unlink()
    try:
        out = tmp_path / "pixme.tar"
        backup = manage(site.env, "pixme_backup", str(out))
    finally:
        path.write_bytes(kept)
    assert backup.returncode == 0, backup.stderr
    assert "1 file(s) its database names were missing from storage" in backup.stderr
    assert name in backup.stderr
    with tarfile.open(out) as tar:
        assert json.load(tar.extractfile("manifest.json"))["missing"] == [name]
    restore = manage(new_site_env(site, tmp_path / "var"), "pixme_restore", str(out))
    assert restore.returncode == 0 and "1 file(s) the backup's database names" in restore.stdout


def test_a_backup_is_never_written_into_what_it_copies(site, tmp_path):
    inside = site.var_dir / "media" / "pixme.tar"
    backup = manage(site.env, "pixme_backup", str(inside))
    assert backup.returncode == 1 and "inside the media folder" in backup.stderr
    assert not inside.exists()
    folder = manage(site.env, "pixme_backup", str(tmp_path))
    assert folder.returncode == 1 and "is a folder" in folder.stderr
    assert list(tmp_path.iterdir()) == []
