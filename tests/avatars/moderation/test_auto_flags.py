"""Automatic flags: a blocklisted word in what Alice writes, or the engine declining a version
on safety grounds, puts her avatar in the moderators' queue — without hiding it from her."""

from __future__ import annotations

import pytest

from accounts.services import profile_for_user, profile_update
from avatars.models import Avatar, BlockedTerm, ModerationAction, Style
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_request_edit
from avatars.sharing.services import avatar_share
from tests.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocklist(db):
    for term in ["gore", "Nazi uniform"]:
        BlockedTerm.objects.create(term=term)


def _create(alice, selfie_jpeg, run_jobs, **kwargs) -> Avatar:
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            **kwargs,
        )
    avatar.refresh_from_db()
    return avatar


def test_a_blocked_word_in_the_instruction_flags_it(alice, blocklist, selfie_jpeg, run_jobs):
    avatar = _create(alice, selfie_jpeg, run_jobs, instruction="Lots of GORE please")
    assert avatar.moderation == Avatar.Moderation.FLAGGED
    assert avatar.flag_reason == "Blocked words in instruction (“gore”)"
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.moderator, record.moderator_repr) == ("flag", None, "automatic")
    assert record.avatar == avatar and record.subject_user == alice


def test_phrases_match_across_spaces_and_only_whole_words(alice, blocklist, selfie_jpeg, run_jobs):
    clean = _create(alice, selfie_jpeg, run_jobs, instruction="gorest gorey goreless")
    assert clean.moderation == Avatar.Moderation.OK and not ModerationAction.objects.exists()
    flagged = _create(alice, selfie_jpeg, run_jobs, title="my nazi   uniform")
    assert flagged.moderation == Avatar.Moderation.FLAGGED
    assert "title (“nazi   uniform”)" in flagged.flag_reason


def test_the_profile_going_with_the_picture_is_checked(alice, blocklist, selfie_jpeg, run_jobs):
    profile = profile_for_user(user=alice)
    profile.caption = "Gore fan"
    profile.save()
    avatar = _create(alice, selfie_jpeg, run_jobs)
    assert avatar.flag_reason == "Blocked words in caption (“gore”)"


def test_an_edit_with_a_blocked_word_flags_it_again_after_approval(
    alice, alice_avatar, blocklist, run_jobs
):
    assert alice_avatar.moderation == Avatar.Moderation.OK
    # An edit the studio draws (one it can't draw is refused before anything is made).
    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction='write "gore" at the bottom')
    alice_avatar.refresh_from_db()
    assert alice_avatar.moderation == Avatar.Moderation.FLAGGED


def test_a_new_display_name_flags_her_shared_avatars(alice, alice_avatar, blocklist, bob):
    avatar_share(avatar=alice_avatar)
    profile_update(profile=profile_for_user(user=alice), data={"display_name": "Gore Queen"})
    alice_avatar.refresh_from_db()
    assert alice_avatar.moderation == Avatar.Moderation.FLAGGED
    assert "display name (“gore”)" in alice_avatar.flag_reason


def test_a_profile_edit_without_blocked_words_flags_nothing(alice, alice_avatar, blocklist):
    avatar_share(avatar=alice_avatar)
    profile_update(profile=profile_for_user(user=alice), data={"display_name": "Alice"})
    alice_avatar.refresh_from_db()
    assert alice_avatar.moderation == Avatar.Moderation.OK
    assert not ModerationAction.objects.exists()


def test_without_a_blocklist_nothing_is_flagged(alice, selfie_jpeg, run_jobs):
    avatar = _create(alice, selfie_jpeg, run_jobs, instruction="lots of gore")
    assert avatar.moderation == Avatar.Moderation.OK and avatar.flag_reason == ""


def test_a_safety_refusal_flags_it_and_she_still_sees_it(
    alice, alice_client, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="manga"),
            engine="gemini",
        )
    gemini_server.script("safety", times=5)
    with run_jobs():
        edit = turn_request_edit(avatar=avatar, instruction="something the model declines")
    edit.refresh_from_db()
    assert edit.flagged
    avatar.refresh_from_db()
    assert avatar.moderation == Avatar.Moderation.FLAGGED
    assert avatar.flag_reason.startswith("The engine declined version 2 for safety")
    assert ModerationAction.objects.get().action == "flag"
    # A flag asks a moderator to look; it hides nothing from the owner.
    assert alice_client.get(f"/avatars/{avatar.pk}/").status_code == 200
    assert (
        alice_client.get(f"/avatars/{avatar.pk}/v/{avatar.current_turn_id}/image.png").status_code
        == 200
    )
