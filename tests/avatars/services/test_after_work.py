"""A version's after-work — its likeness, its stored WebP — is a job of its own on the background
queue, after "done": what pages and the API say meanwhile, that it is done once, and that
recovery redoes what a dead process left undone."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from avatars.models import Style, Turn
from avatars.services.after_work import turn_after_work_recover, turn_after_work_run
from avatars.services.avatars import avatar_create
from avatars.services.turn_run import turn_run
from avatars.tasks import after_work
from tests.conftest import Listener, tasks_on, token_client, upload
from tests.jobs.test_recover_task_records import running_record
from webhooks.models import Delivery
from webhooks.services import webhook_create

pytestmark = pytest.mark.django_db

NOT_RUN = tasks_on("django_tasks.backends.dummy.DummyBackend")


@pytest.fixture
def shown(alice, selfie_jpeg) -> Turn:
    """A first version drawn and shown, its after-work queued but not done yet."""
    with override_settings(TASKS=NOT_RUN):
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
        turn_run(turn_id=avatar.turns.get().pk)
    return Turn.objects.select_related("avatar").get(avatar=avatar)


def _page(client, turn: Turn) -> str:
    return client.get(f"/avatars/{turn.avatar_id}/").content.decode()


def test_a_version_is_shown_before_its_after_work_which_a_job_of_its_own_does(
    alice, alice_client, shown
):
    assert shown.status == Turn.Status.SUCCEEDED and shown.image
    assert shown.after_work == Turn.AfterWork.QUEUED
    assert shown.likeness is None and not shown.webp
    # Meanwhile it says so, rather than "no face found".
    assert "likeness being measured" in _page(alice_client, shown)
    assert "no face found" not in _page(alice_client, shown)
    api = token_client(alice)
    (payload,) = api.get(f"/api/avatars/{shown.avatar_id}/").json()["turns"]
    assert (payload["likeness"], payload["likeness_pending"]) == (None, True)
    assert after_work.queue_name == "background" and after_work.priority < 0

    listener = Listener(shown.avatar_id)
    after_work.call(shown.pk)

    shown.refresh_from_db()
    assert shown.after_work == Turn.AfterWork.NONE
    assert shown.likeness is not None and shown.faces["faces"] and shown.webp
    assert [e["type"] for e in listener.drain()] == ["likeness"]
    assert "likeness being measured" not in _page(alice_client, shown)
    (payload,) = api.get(f"/api/avatars/{shown.avatar_id}/").json()["turns"]
    assert payload["likeness"] == shown.likeness and payload["likeness_pending"] is False


def test_after_work_is_done_once_and_webhooks_hear_of_the_version_then(alice, shown, settings):
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    webhook_create(owner=alice, url="http://127.0.0.1:9/pixme")  # never called: not run here
    assert not Delivery.objects.exists(), "not before its likeness is measured"
    with override_settings(TASKS=NOT_RUN):
        assert turn_after_work_run(turn_id=shown.pk) is not None
        webp = Turn.objects.get(pk=shown.pk).webp.name
        assert turn_after_work_run(turn_id=shown.pk) is None  # a second job finds it done
    assert Turn.objects.get(pk=shown.pk).webp.name == webp
    (delivery,) = Delivery.objects.all()
    sent = json.loads(delivery.payload)["turn"]
    measured = Turn.objects.get(pk=shown.pk).likeness
    assert measured is not None and sent["likeness"] == measured


def test_a_webp_downloaded_before_the_after_work_is_kept(alice_client, shown):
    answer = alice_client.get(f"/avatars/{shown.avatar_id}/v/{shown.pk}/download.webp")
    assert answer.status_code == 200  # made at the download, as for versions from before
    made = Turn.objects.get(pk=shown.pk).webp.name
    after_work.call(shown.pk)
    assert Turn.objects.get(pk=shown.pk).webp.name == made, "not encoded a second time"


def test_a_version_removed_meanwhile_gets_no_likeness_and_no_webp(shown):
    Turn.objects.filter(pk=shown.pk).update(image="", thumbnail="")  # as a moderator's removal
    after_work.call(shown.pk)
    shown.refresh_from_db()
    assert shown.after_work == Turn.AfterWork.NONE
    assert shown.likeness is None and not shown.webp


def test_after_work_a_dead_runner_left_running_is_done_at_start_up(shown):
    Turn.objects.filter(pk=shown.pk).update(after_work=Turn.AfterWork.RUNNING)
    record = running_record(shown.pk, started_ago=1, task=after_work)

    assert turn_after_work_recover() == [shown.pk]

    record.refresh_from_db()
    assert record.status == TaskResultStatus.FAILED
    assert record.exception_class_path == "jobs.task_records.WorkerLost"
    shown.refresh_from_db()  # done again, by the job recovery queued (run at once here)
    assert shown.after_work == Turn.AfterWork.NONE
    assert shown.likeness is not None and shown.webp


def test_after_work_queued_but_never_sent_is_done_at_start_up(shown):
    """The render's runner died between "done" and queuing the after-work: the row says
    queued, no job exists; the render runner's start-up queues it."""
    from jobs import recovery
    from jobs.embedded import LANES

    assert shown.after_work == Turn.AfterWork.QUEUED  # its job went nowhere (NOT_RUN)
    recovery.recover(queues=LANES["jobs"].queues)
    shown.refresh_from_db()
    assert shown.after_work == Turn.AfterWork.NONE and shown.likeness is not None


def test_the_timer_leaves_live_after_work_alone_and_redoes_stalled(shown):
    now = timezone.now()
    Turn.objects.filter(pk=shown.pk).update(after_work=Turn.AfterWork.RUNNING, heartbeat_at=now)
    live = running_record(shown.pk, started_ago=600, task=after_work)

    out = StringIO()
    call_command("pixme_recover", "--stale-after", "300", stdout=out)
    assert "after-work" not in out.getvalue()
    live.refresh_from_db()
    assert live.status == TaskResultStatus.RUNNING
    assert Turn.objects.get(pk=shown.pk).after_work == Turn.AfterWork.RUNNING

    Turn.objects.filter(pk=shown.pk).update(heartbeat_at=now - timedelta(seconds=900))
    call_command("pixme_recover", "--stale-after", "300", stdout=out)
    assert "re-queued the after-work of 1 version(s)" in out.getvalue()
    live.refresh_from_db()
    assert live.status == TaskResultStatus.FAILED
    shown.refresh_from_db()
    assert shown.after_work == Turn.AfterWork.NONE and shown.likeness is not None


def test_a_worker_takes_every_queue_unless_told():
    """A lone ``pixme_worker`` leaves no job undone: renders, then (priority) the background."""
    from jobs.management.commands.pixme_worker import Command

    with override_settings(TASKS=tasks_on("django_tasks_db.DatabaseBackend")):
        parser = Command().create_parser("manage.py", "pixme_worker")
        assert parser.parse_args([]).queue_name.split(",") == ["default", "background"]
        only = parser.parse_args(["--queue-name", "background"])
    assert only.queue_name == "background"
