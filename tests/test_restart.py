"""Jobs survive a crash: SIGKILL the server mid-render, start it again, the turn finishes."""

import time

import pytest

from tests.liveserver import LiveSite

pytestmark = pytest.mark.slow

CREATE = """
import io
from skimage import data
from PIL import Image
from accounts.services import user_create
from avatars.models import Style
from avatars.services.avatars import avatar_create

user = user_create(username="crash", password="Crash-Test-123")
buf = io.BytesIO()
Image.fromarray(data.astronaut()).resize((2048, 2048)).save(buf, "JPEG", quality=92)
buf.seek(0)
avatar = avatar_create(owner=user, upload=buf, style=Style.objects.get(slug="pop-art"))
print(avatar.turns.get().pk)
"""


def wait_for(predicate, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def test_a_turn_killed_mid_run_finishes_after_restart(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        turn_id = int(site.manage("shell", "-c", CREATE).strip().splitlines()[-1])

        def status():
            return site.query("select status from avatars_turn where id = ?", turn_id)[0][0]

        assert wait_for(lambda: status() == "running", timeout=30), status()
        site.kill()
        assert status() == "running"  # the dead process left it mid-flight

        site.start()  # recovery at start-up re-queues it
        assert wait_for(lambda: status() == "succeeded", timeout=120, step=0.2), status()
        ((image, current),) = site.query(
            "select t.image, a.current_turn_id from avatars_turn t "
            "join avatars_avatar a on a.id = t.avatar_id where t.id = ?",
            turn_id,
        )
        assert image and current == turn_id
        assert (tmp_path / "media" / image).is_file()
        assert site.query("select count(*) from avatars_turn")[0][0] == 1  # nothing duplicated
    finally:
        site.stop()
