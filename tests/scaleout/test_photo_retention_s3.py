"""How long a photo is kept, on the embedded default (uvicorn alone) with its media in a bucket
(moto's S3). With ``when_done`` the photo leaves the bucket seconds after "done" — no timer
involved: the sweep's own timer is set an hour off. With ``days_30`` the deployment's timer
(``pixme_recover``) leaves it alone until its 30 days are past, then deletes it; an edit still
works from the first version, and the photo's receipt names the deleted object's SHA-256 and
passes ``pixme_verify``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.liveserver import ROOT, LiveSite, wait_for
from tests.scaleout.cluster import UNLIMITED, create_avatar, request

pytestmark = pytest.mark.scaleout

BUCKET = "pixme-retention"  # its own: the cluster's bucket belongs to its database
PEOPLE = """
from accounts.services import api_token_create, user_create
for name in ("ada", "bea"):
    user = user_create(username=name, password=name + "-Secret-123")
    print(api_token_create(user=user, name="t")[1])
"""


@pytest.fixture
def site(s3, tmp_path):
    s3.client().create_bucket(Bucket=BUCKET)
    env = {
        **s3.env(),
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        **UNLIMITED,
        "PIXME_SWEEP_SECONDS": "3600",  # the embedded sweep runs at start, then not for an hour
    }
    site = LiveSite(tmp_path / "var", **env)
    site.migrate()
    site.start()
    try:
        yield site
    finally:
        site.stop()


def keys(s3) -> set[str]:
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def choose(site: LiveSite, token: str, retention: str) -> None:
    status, _, body = request(
        "PATCH",
        site.url + "/api/profile/",
        token=token,
        data=json.dumps({"photo_retention": retention}).encode(),
        content_type="application/json",
    )
    assert status == 200 and json.loads(body)["photo_retention"] == retention, body


def photo_of(site: LiveSite, avatar_id: int) -> str:
    ((source,),) = site.query("select source from avatars_avatar where id = ?", avatar_id)
    return source


def finished(site: LiveSite, turn_id: int) -> bool:
    sql = "select status, after_work from avatars_turn where id = ?"
    ((status, after_work),) = site.query(sql, turn_id)
    assert status not in ("failed", "cancelled"), status
    return status == "succeeded" and after_work == ""  # drawn, measured, its WebP stored


def test_when_done_takes_the_photo_out_of_the_bucket_seconds_after_done(site, s3, photo):
    ada, _bea = site.manage("shell", "-c", PEOPLE).split()[-2:]
    choose(site, ada, "when_done")
    avatar = create_avatar(site, ada, photo)
    turn_id = avatar["turns"][0]["turn"]
    stored = photo_of(site, avatar["id"])
    assert stored in keys(s3)

    def done() -> bool:
        ((status,),) = site.query("select status from avatars_turn where id = ?", turn_id)
        assert status not in ("failed", "cancelled"), status
        return status == "succeeded"

    assert wait_for(done, 180, 0.05)
    seen_done = time.monotonic()
    # Seconds on an idle machine (the likeness is measured first); the bound leaves room for
    # a shared 2-core machine under load (18 s measured at a load average of 10).
    assert wait_for(lambda: stored not in keys(s3), 60, 0.1), "the photo is still stored"
    gone_after = time.monotonic() - seen_done
    assert photo_of(site, avatar["id"]) == ""
    ((finished_at, deleted_at),) = site.query(
        "select t.finished_at, a.photo_deleted_at from avatars_turn t"
        " join avatars_avatar a on a.id = t.avatar_id where t.id = ?",
        turn_id,
    )
    server_gap = datetime.fromisoformat(deleted_at) - datetime.fromisoformat(finished_at)
    ((kind, reason, document),) = site.query(
        "select kind, reason, document from accounts_deletionreceipt"
    )
    assert (kind, reason) == ("photo", "retention")
    assert [f["name"] for f in json.loads(document)["receipt"]["files"]] == [stored]
    # -s shows the figures; the bound is above.
    print(f"photo gone {gone_after:.1f} s after done was seen ({server_gap} by the server)")


def test_days_30_waits_for_the_timer_then_an_edit_draws_from_the_first_version(
    site, s3, photo, tmp_path
):
    _ada, bea = site.manage("shell", "-c", PEOPLE).split()[-2:]
    choose(site, bea, "days_30")
    avatar = create_avatar(site, bea, photo)
    turn_id = avatar["turns"][0]["turn"]
    assert wait_for(lambda: finished(site, turn_id), 180, 0.2)
    stored = photo_of(site, avatar["id"])
    body = s3.client().get_object(Bucket=BUCKET, Key=stored)["Body"].read()

    out = site.manage("pixme_recover")  # the deployment's timer, today: not due
    assert "deleted 0 photo(s)" in out and stored in keys(s3)

    uploaded = datetime.now(UTC) - timedelta(days=30, minutes=1)
    site.query(
        "update avatars_avatar set created_at = ? where id = ?",
        uploaded.strftime("%Y-%m-%d %H:%M:%S.%f"),
        avatar["id"],
    )
    out = site.manage("pixme_recover")
    assert f"deleted 1 photo(s) past the time their owners chose: [{avatar['id']}]" in out
    assert stored not in keys(s3) and photo_of(site, avatar["id"]) == ""

    ((document,),) = site.query("select document from accounts_deletionreceipt")
    receipt = json.loads(document)["receipt"]
    assert (receipt["kind"], receipt["reason"]) == ("photo", "retention")
    assert receipt["files"][0]["sha256"] == hashlib.sha256(body).hexdigest()
    saved = tmp_path / "receipt.json"
    saved.write_text(document)
    assert "RECEIPT VALID" in site.manage("pixme_verify", str(saved))
    saved.write_text(document.replace(receipt["files"][0]["sha256"][:8], "0" * 8))
    refused = subprocess.run(
        [sys.executable, "manage.py", "pixme_verify", str(saved)],
        cwd=ROOT,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr

    status, _, answer = request(
        "POST",
        f"{site.url}/api/avatars/{avatar['id']}/edits/",
        token=bea,
        data=json.dumps({"instruction": "add round glasses"}).encode(),
        content_type="application/json",
    )
    assert status == 202, answer
    edit_id = json.loads(answer)["turn"]
    assert wait_for(lambda: finished(site, edit_id), 180, 0.2)
