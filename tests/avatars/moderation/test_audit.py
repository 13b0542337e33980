"""The audit trail: every decision — from the queue, a bulk action, the change form or an
automatic check — writes exactly one record that says who, what, on which avatar or user, why
and when, and it still says so after the avatar and the people are deleted."""

from __future__ import annotations

import pytest

from avatars.models import ModerationAction
from avatars.moderation.services import (
    avatar_approve,
    avatar_flag,
    avatar_hide,
    avatar_remove,
    user_suspend,
    user_suspend_lift,
)
from avatars.services.avatars import avatar_delete
from pixme.errors import ApplicationError
from tests.moderation_people import moderator_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def mona(db):
    return moderator_create()


def test_each_decision_writes_one_full_record(alice, alice_avatar, mona, run_jobs):
    steps = [
        ("flag", lambda: avatar_flag(avatar=alice_avatar, reason="Blocked words in title")),
        ("hide", lambda: avatar_hide(avatar=alice_avatar, moderator=mona, reason="r1")),
        ("approve", lambda: avatar_approve(avatar=alice_avatar, moderator=mona, reason="r2")),
        ("suspend", lambda: user_suspend(user=alice, moderator=mona, reason="r3")),
        ("suspend_lift", lambda: user_suspend_lift(user=alice, moderator=mona, reason="r4")),
        ("remove", lambda: avatar_remove(avatar=alice_avatar, moderator=mona, reason="r5")),
    ]
    for action, step in steps:
        before = ModerationAction.objects.count()
        with run_jobs():
            step()
        assert ModerationAction.objects.count() == before + 1, action
        record = ModerationAction.objects.order_by("-pk").first()
        assert record.action == action
        assert record.subject_user == alice and record.subject_user_repr == f"alice (#{alice.pk})"
        if action.startswith("suspend"):
            assert record.avatar is None
        else:
            assert record.avatar_id == alice_avatar.pk
            assert record.avatar_repr.startswith(f"#{alice_avatar.pk} ")
        expected = "automatic" if action == "flag" else f"mona (#{mona.pk})"
        assert record.moderator_repr == expected
        assert record.created_at is not None


def test_a_refused_decision_writes_no_record(alice_avatar, mona, run_jobs):
    with run_jobs():
        avatar_remove(avatar=alice_avatar, moderator=mona, reason="gone")
    for decide in (avatar_approve, avatar_hide):
        with pytest.raises(ApplicationError, match="removed"):
            decide(avatar=alice_avatar, moderator=mona, reason="undo")
    with pytest.raises(ApplicationError, match="reason"):
        avatar_hide(avatar=alice_avatar, moderator=mona, reason="")
    assert ModerationAction.objects.count() == 1


def test_the_record_outlives_the_avatar_the_owner_and_the_moderator(alice, alice_avatar, mona):
    avatar_hide(avatar=alice_avatar, moderator=mona, reason="Gory")
    avatar_id = alice_avatar.pk
    avatar_delete(avatar=alice_avatar)
    alice.delete()
    mona.delete()
    record = ModerationAction.objects.get()
    assert (record.avatar, record.subject_user, record.moderator) == (None, None, None)
    assert record.avatar_repr.startswith(f"#{avatar_id} ") and "alice" in record.avatar_repr
    assert record.subject_user_repr.startswith("alice") and record.moderator_repr.startswith("mona")
    assert record.reason == "Gory"
