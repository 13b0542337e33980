"""Roles: Mona, in the Moderators group and not a superuser, runs the queue, reads the audit
trail and keeps the blocklist — and can't touch styles, users' profiles or passwords. Versions
and audit records are read-only for everyone, superusers included."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from avatars.models import BlockedTerm, ModerationAction, Style
from avatars.moderation.services import avatar_hide, user_suspend
from tests.moderation_people import client_for, moderator_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def mona(db):
    return moderator_create()


@pytest.fixture
def mona_client(mona):
    return client_for(mona)


@pytest.fixture
def root_client(db):
    return client_for(User.objects.create_superuser("root", "root@example.com", "root-Pw-123"))


def test_the_group_has_exactly_what_moderation_needs(db):
    perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Moderators").permissions.all()
    }
    assert perms == {
        "avatars.view_avatar",
        "avatars.change_avatar",
        "avatars.view_turn",
        "avatars.view_report",
        "avatars.view_moderationaction",
        "avatars.add_blockedterm",
        "avatars.change_blockedterm",
        "avatars.delete_blockedterm",
        "avatars.view_blockedterm",
        "avatars.view_suspendeduser",
    }


def test_she_runs_the_queue(mona_client, alice_avatar):
    for url in [
        "/admin/avatars/avatar/",
        f"/admin/avatars/avatar/{alice_avatar.pk}/change/",
        f"/admin/avatars/turn/{alice_avatar.current_turn_id}/change/",
        "/admin/avatars/report/",
        "/admin/avatars/moderationaction/",
        "/admin/avatars/suspendeduser/",
        "/admin/avatars/blockedterm/add/",
    ]:
        assert mona_client.get(url).status_code == 200, url


def test_she_keeps_the_blocklist(mona_client):
    mona_client.post("/admin/avatars/blockedterm/add/", {"term": "gore"})
    assert list(BlockedTerm.objects.values_list("term", flat=True)) == ["gore"]


def test_she_cannot_edit_styles_users_profiles_or_passwords(mona_client, mona, alice):
    comics = Style.objects.get(slug="comics")
    for url in [
        "/admin/avatars/style/",
        f"/admin/avatars/style/{comics.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{alice.pk}/change/",
        f"/admin/accounts/user/{alice.pk}/password/",
        f"/admin/accounts/user/{mona.pk}/change/",
        "/admin/auth/group/",
    ]:
        assert mona_client.get(url).status_code == 403, url
    old_hash = alice.password
    response = mona_client.post(
        f"/admin/accounts/user/{alice.pk}/password/",
        {"password1": "Taken-Over-123", "password2": "Taken-Over-123", "usable_password": "true"},
    )
    assert response.status_code == 403
    comics_name = comics.name
    mona_client.post(f"/admin/avatars/style/{comics.pk}/change/", {"name": "Hacked"})
    alice.refresh_from_db()
    assert alice.password == old_hash
    assert Style.objects.get(slug="comics").name == comics_name


def test_she_cannot_delete_avatars(mona_client, alice_avatar):
    assert mona_client.get(f"/admin/avatars/avatar/{alice_avatar.pk}/delete/").status_code == 403
    assert "delete_selected" not in mona_client.get("/admin/avatars/avatar/").content.decode()


def test_she_lifts_a_suspension_from_the_suspended_users_list(mona_client, mona, alice):
    user_suspend(user=alice, moderator=mona, reason="Spam")
    page = mona_client.get("/admin/avatars/suspendeduser/").content.decode()
    assert "alice" in page and "Spam" in page
    mona_client.post(
        "/admin/avatars/suspendeduser/",
        {"action": "lift", "_selected_action": [alice.pk], "reason": ""},
    )
    alice.refresh_from_db()
    assert alice.is_suspended, "no reason, no decision"
    mona_client.post(
        "/admin/avatars/suspendeduser/",
        {"action": "lift", "_selected_action": [alice.pk], "reason": "Appeal accepted"},
    )
    alice.refresh_from_db()
    assert not alice.is_suspended
    assert ModerationAction.objects.filter(action="suspend_lift").count() == 1


def test_versions_are_read_only_for_everyone(root_client, mona_client, alice_avatar):
    turn = alice_avatar.current_turn
    for client in (root_client, mona_client):
        page = client.get(f"/admin/avatars/turn/{turn.pk}/change/").content.decode()
        assert 'name="_save"' not in page and "/delete/" not in page
        assert client.get(f"/admin/avatars/turn/{turn.pk}/delete/").status_code == 403
        assert client.get("/admin/avatars/turn/add/").status_code == 403
        avatar_page = client.get(f"/admin/avatars/avatar/{alice_avatar.pk}/change/")
        assert 'name="turns-MAX_NUM_FORMS" value="0"' in avatar_page.content.decode()
    assert root_client.get("/admin/avatars/avatar/add/").status_code == 403


def test_the_audit_trail_is_read_only_for_everyone(root_client, mona_client, mona, alice_avatar):
    avatar_hide(avatar=alice_avatar, moderator=mona, reason="Gory")
    record = ModerationAction.objects.get()
    for client in (root_client, mona_client):
        base = "/admin/avatars/moderationaction/"
        assert client.get(f"{base}add/").status_code == 403
        assert client.get(f"{base}{record.pk}/delete/").status_code == 403
        page = client.get(f"{base}{record.pk}/change/").content.decode()
        assert "Gory" in page and 'name="_save"' not in page
        client.post(f"{base}{record.pk}/change/", {"reason": "nothing happened"})
        client.post(f"{base}", {"action": "delete_selected", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert record.reason == "Gory"
