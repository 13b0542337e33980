"""Jobs survive a crash: SIGKILL the server mid-render, start it again, the turn finishes."""

import os
import signal

import pytest

from tests.liveserver import LiveSite, wait_for

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


def test_a_turn_killed_mid_run_finishes_after_restart(tmp_path):
    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        turn_id = int(site.shell(CREATE))

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


def test_after_work_left_undone_by_a_crash_is_done_after_restart(tmp_path):
    """The server dies after a version was shown but before its likeness was measured (its
    background runner held still): started again, the likeness is measured all the same."""
    from tests.jobs.test_job_runner import hold_still, runners_of

    site = LiveSite(tmp_path)
    site.migrate()
    site.start()
    try:
        background = runners_of(site.process.pid)["background"]
        hold_still(background, site.database)
        turn_id = int(site.shell(CREATE))

        def row():
            return site.query(
                "select status, after_work, likeness from avatars_turn where id = ?", turn_id
            )[0]

        assert wait_for(lambda: row()[0] == "succeeded", timeout=60), row()
        site.kill()
        os.kill(background, signal.SIGKILL)
        assert row() == ("succeeded", "queued", None)

        site.start()
        assert wait_for(lambda: row()[1] == "", timeout=60, step=0.1), row()
        assert row()[2] is not None
        ((webp,),) = site.query("select webp from avatars_turn where id = ?", turn_id)
        assert webp and (tmp_path / "media" / webp).is_file()
    finally:
        site.stop()
