"""The picture URL on the embedded default, as scripts/run starts it: the job runner is a
process of its own, and when it makes a new version current the web process answers with
the new picture at once — not up to 30 s later from a cache only the web process could see."""

from __future__ import annotations

import hashlib
import time
import urllib.request

import pytest

from tests.liveserver import LiveSite, wait_for

pytestmark = pytest.mark.slow

ADDRESS = "ada@example.com"

MAKE = f"""
import io
from skimage import data
from PIL import Image
from django.utils import timezone
from accounts.services import user_create
from avatars.models import Style
from avatars.services.avatars import avatar_create

user = user_create(username="ada", password="Ada-Secret-123", email="")
user.email = user.email_confirmed = "{ADDRESS}"
user.email_confirmed_at = timezone.now()
user.save()
buf = io.BytesIO()
Image.fromarray(data.astronaut()).resize((384, 384)).save(buf, "JPEG", quality=90)
buf.seek(0)
print(avatar_create(owner=user, upload=buf, style=Style.objects.get(slug="comics")).pk)
"""

PUBLISH = """
from avatars.models import Avatar
from avatars.picture.services import picture_publish

avatar = Avatar.objects.get(pk=AVATAR)
picture_publish(user=avatar.owner, avatar=avatar)
"""

EDIT = """
from avatars.models import Avatar
from avatars.services.turns import turn_request_edit

avatar = Avatar.objects.get(pk=AVATAR)
print(turn_request_edit(avatar=avatar, instruction="make it black and white").pk)
"""


def test_a_version_the_runner_makes_current_is_shown_at_once(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        avatar = int(site.shell(MAKE))

        def current() -> int | None:
            sql = (
                "select t.id from avatars_avatar a join avatars_turn t on t.id = a.current_turn_id "
            )
            rows = site.query(sql + "where a.id = ? and t.status = 'succeeded'", avatar)
            return rows[0][0] if rows else None

        first = wait_for(current, 60)
        assert first, site.log.read_text()
        site.manage("shell", "-c", PUBLISH.replace("AVATAR", str(avatar)))
        url = f"{site.url}/avatar/{hashlib.md5(ADDRESS.encode()).hexdigest()}?s=64"

        def picture() -> bytes:
            with urllib.request.urlopen(url, timeout=10) as answer:
                assert answer.status == 200
                return answer.read()

        before = picture()  # the web process has looked the hash up (and cached what it shows)
        assert picture() == before
        edit = int(site.shell(EDIT.replace("AVATAR", str(avatar))))
        assert wait_for(lambda: current() == edit, 60), site.log.read_text()
        # Made current by the runner, in its own process. A bound for a busy machine: the
        # cached answer would otherwise last up to 30 s (avatars.picture.services).
        changed = time.monotonic()
        assert wait_for(lambda: picture() != before, 5), "the web process still shows the old one"
        print(f"new picture shown {time.monotonic() - changed:.2f} s after it was made current")
    finally:
        site.stop(grace=2)
