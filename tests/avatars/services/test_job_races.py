"""Jobs against the awkward timings: cancel-then-retry while the old run still works, a
failed attempt's words, a cancelled turn retried past the quota, workers that died."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from avatars.live.snapshot import turn_snapshot
from avatars.models import Avatar, Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.turn_run import TurnCancelled, TurnProgress, _turn_fail
from avatars.services.turns import turn_cancel, turn_recover_unfinished, turn_retry
from pixme.errors import ApplicationError
from tests.conftest import Listener, upload

pytestmark = pytest.mark.django_db


def _claim(turn: Turn) -> Turn:
    """Claim the turn the way turn_run does (status running, run bumped)."""
    from django.db.models import F

    Turn.objects.filter(pk=turn.pk, status=Turn.Status.QUEUED).update(
        status=Turn.Status.RUNNING, run=F("run") + 1, heartbeat_at=timezone.now()
    )
    return Turn.objects.select_related("avatar").get(pk=turn.pk)


@pytest.fixture
def queued_turn(alice, selfie_jpeg, django_capture_on_commit_callbacks):
    # No run_jobs(): the task is never executed, so the turn stays queued for us to drive.
    avatar = avatar_create(
        owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
    )
    return avatar.turns.get()


def test_an_old_run_cannot_write_over_a_retried_one(queued_turn):
    old = TurnProgress(_claim(queued_turn))
    old("stylise", 40, "Drawing")
    turn_cancel(turn=queued_turn)
    turn_retry(turn=queued_turn)
    new = TurnProgress(_claim(queued_turn))
    new("stylise", 20, "Drawing again")
    listener = Listener(queued_turn.avatar_id)

    # The old job wakes up: its progress is refused and its failure changes nothing.
    with pytest.raises(TurnCancelled):
        old("stylise", 60, "Still drawing the old one")
    after = _turn_fail(old, "unavailable", "The old run's error")
    assert after.status == Turn.Status.RUNNING and after.error_message == ""
    assert listener.drain() == [], "and no 'failed' event reaches the page"
    # The new run carries on.
    new("stylise", 50, "Halfway")
    assert Turn.objects.get(pk=queued_turn.pk).percent == 50


def test_a_new_attempt_starts_the_text_again_and_pages_hear_it(queued_turn):
    listener = Listener(queued_turn.avatar_id)
    reporter = TurnProgress(_claim(queued_turn))
    reporter("drawing", 30, text_delta="A first ")
    reporter("drawing", 31, text_delta="try")
    assert Turn.objects.get(pk=queued_turn.pk).model_text == "A first try"
    reporter.reset_text()
    reporter("drawing", 40, text_delta="Second")
    assert Turn.objects.get(pk=queued_turn.pk).model_text == "Second"
    texts = [(e["delta"], e["offset"]) for e in listener.drain() if e["type"] == "text"]
    assert texts == [("A first ", 0), ("try", 8), ("", 0), ("Second", 0)]


def test_text_is_in_the_database_as_soon_as_it_is_announced(queued_turn):
    # A page that connects between two deltas gets all the text so far from the snapshot.
    reporter = TurnProgress(_claim(queued_turn))
    reporter("drawing", 30, text_delta="Ink ")
    reporter("drawing", 30, text_delta="first")
    turn = Turn.objects.get(pk=queued_turn.pk)
    assert turn_snapshot(turn=turn)["model_text"] == "Ink first"


def test_retrying_a_cancelled_turn_counts_against_the_quota(
    alice, selfie_jpeg, gemini_settings, django_capture_on_commit_callbacks
):
    gemini_settings.PIXME_DAILY_QUOTA = 1
    style = Style.objects.get(slug="comics")
    first = avatar_create(owner=alice, upload=upload(selfie_jpeg), style=style, engine="gemini")
    turn = first.turns.get()
    turn_cancel(turn=turn)  # cancelled: no longer counted…
    avatar_create(owner=alice, upload=upload(selfie_jpeg), style=style, engine="gemini")
    with pytest.raises(ApplicationError, match="used your 1 gemini"):
        turn_retry(turn=turn)  # …so it cannot come back past the limit
    assert Turn.objects.get(pk=turn.pk).status == Turn.Status.CANCELLED


def test_recovery_for_workers_leaves_live_turns_alone(queued_turn, alice, selfie_jpeg):
    live = _claim(queued_turn)
    dead_avatar = avatar_create(
        owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
    )
    dead = _claim(dead_avatar.turns.get())
    Turn.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))

    recovered = turn_recover_unfinished(stale_after=300)
    assert dead.pk in recovered and live.pk not in recovered
    assert Turn.objects.get(pk=dead.pk).status == Turn.Status.QUEUED
    assert Turn.objects.get(pk=live.pk).status == Turn.Status.RUNNING


def test_a_turn_whose_avatar_was_deleted_is_left_alone(queued_turn):
    from avatars.services.turn_run import turn_run

    Avatar.objects.filter(pk=queued_turn.avatar_id).delete()
    assert turn_run(turn_id=queued_turn.pk) is None


def test_the_recover_command_reports_what_it_did(queued_turn):
    import io

    from django.core.management import call_command

    dead = _claim(queued_turn)
    Turn.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    out = io.StringIO()
    call_command("pixme_recover", "--stale-after", "60", stdout=out)
    assert f"re-queued 1 turn(s): [{dead.pk}]" in out.getvalue()
    assert Turn.objects.get(pk=dead.pk).status == Turn.Status.QUEUED
