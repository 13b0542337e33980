"""manage.py pixme_check_storage on S3 (moto's server): the real site keeps its media in a
bucket; a lost object and planted orphans are listed by name, ``--fix`` with no one to answer
deletes nothing, and ``--fix --yes`` deletes only the orphans old enough to be sure of."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from PIL import Image

from tests.liveserver import ROOT, LiveSite, wait_for
from tests.scaleout.cluster import UNLIMITED, create_avatar

pytestmark = pytest.mark.scaleout

BUCKET = "pixme-storage-check"  # its own: the cluster's bucket belongs to its database
PERSON = """
from accounts.services import api_token_create, user_create
print(api_token_create(user=user_create(username="ada", password="Ada-Secret-123"), name="t")[1])
"""


def check(site: LiveSite, *args: str, **env: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "manage.py", "pixme_check_storage", *args],
        cwd=ROOT,
        env={**site.env, **env},
        stdin=subprocess.DEVNULL,  # no one to answer
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def keys(s3) -> set[str]:
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


@pytest.fixture
def site(s3, tmp_path):
    s3.client().create_bucket(Bucket=BUCKET)
    env = {**s3.env(), "AWS_STORAGE_BUCKET_NAME": BUCKET, **UNLIMITED}
    site = LiveSite(tmp_path / "var", **env)
    site.migrate()
    site.start()
    try:
        yield site
    finally:
        site.stop()


def test_the_check_finds_lost_and_orphaned_objects_in_the_bucket(site, s3, photo):
    token = site.shell(PERSON)
    avatar = create_avatar(site, token, photo)
    turn_id = avatar["turns"][0]["turn"]

    def done() -> bool:  # drawn, and its WebP download made (after "done", by a job)
        sql = "select status, webp from avatars_turn where id = ?"
        ((status, webp),) = site.query(sql, turn_id)
        return status == "succeeded" and bool(webp)

    assert wait_for(done, 120, 0.2)
    code, out = check(site)
    assert code == 0, out
    stored = keys(s3)
    assert len(stored) >= 3 and not (site.var_dir / "media").exists()  # all in the bucket

    ((thumbnail,),) = site.query("select thumbnail from avatars_turn where id = ?", turn_id)
    s3.client().delete_object(Bucket=BUCKET, Key=thumbnail)
    png = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(png, "PNG")
    planted = {"u1/turns/stray.png": png.getvalue(), "left/behind.webp": b"RIFF half"}
    for key, body in planted.items():
        s3.client().put_object(Bucket=BUCKET, Key=key, Body=body)

    code, out = check(site)
    assert code == 1
    assert f"MISSING    {thumbnail}  (named by avatars.Turn #{turn_id} thumbnail)" in out
    for key in planted:
        assert f"ORPHAN     {key}  (" in out
    assert "2 orphaned" in out

    code, out = check(site, "--fix")
    assert code == 1 and "Nothing deleted: there is no one at a terminal" in out
    assert set(planted) <= keys(s3)

    code, out = check(site, "--fix", "--yes")  # just written: may belong to a row being saved
    assert code == 1 and out.count("(younger than 60 minutes)") == 2
    assert set(planted) <= keys(s3)

    code, out = check(site, "--fix", "--yes", PIXME_ORPHAN_MIN_AGE_MINUTES="0")
    assert code == 1 and "Deleted 2 orphan file(s)." in out
    assert keys(s3) == stored - {thumbnail}  # the orphans gone, every named object kept
    code, out = check(site)
    assert code == 1 and "ORPHAN" not in out and f"MISSING    {thumbnail}" in out
