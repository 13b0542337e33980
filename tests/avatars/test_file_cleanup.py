"""Whatever deletes a row — the site, the API, the admin, a cascade from a user, the shell —
its photos leave the media storage once the transaction commits. Each test lists the storage
before and after."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from avatars.models import Avatar, Turn
from tests.conftest import api_token, draw_edit

# Each test gets a media storage of its own, so a listing sees no other test's files.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_media")]


def _files_of(user: User) -> set[str]:
    root = Path(settings.MEDIA_ROOT) / f"u{user.pk}"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _folders_of(user: User) -> set[str]:
    root = Path(settings.MEDIA_ROOT) / f"u{user.pk}"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir()}


@pytest.fixture
def edited_avatar(alice_avatar, run_jobs):
    """Alice's avatar with two versions: a selfie and four version files on disk."""
    draw_edit(alice_avatar, "add round glasses", run_jobs)
    assert Turn.objects.filter(avatar=alice_avatar, status=Turn.Status.SUCCEEDED).count() == 2
    return alice_avatar


@pytest.fixture
def admin_client(db):
    admin = User.objects.create_superuser("root", "root@example.com", "root-Secret-123")
    client = Client()
    client.force_login(admin)
    return client


def test_files_exist_to_be_deleted(alice, edited_avatar):
    assert len(_files_of(alice)) == 7  # the selfie, two PNGs, two WebPs, two thumbnails


def test_the_admin_user_delete_page_deletes_their_photos(
    alice, edited_avatar, admin_client, run_jobs
):
    with run_jobs():
        response = admin_client.post(f"/admin/accounts/user/{alice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert _files_of(alice) == set()
    assert _folders_of(alice) == set()  # no empty folders left behind


def test_the_admin_avatar_delete_page_deletes_its_photos(
    alice, edited_avatar, admin_client, run_jobs
):
    with run_jobs():
        response = admin_client.post(
            f"/admin/avatars/avatar/{edited_avatar.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert _files_of(alice) == set()


def test_the_admin_delete_selected_action_deletes_their_photos(
    alice, bob, edited_avatar, admin_client, run_jobs, selfie_jpeg
):
    with run_jobs():
        response = admin_client.post(
            "/admin/avatars/avatar/",
            {"action": "delete_selected", "_selected_action": [edited_avatar.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Avatar.objects.exists()
    assert _files_of(alice) == set()


def test_deleting_users_with_the_admin_action_deletes_their_photos(
    alice, edited_avatar, admin_client, run_jobs
):
    with run_jobs():
        admin_client.post(
            "/admin/accounts/user/",
            {"action": "delete_selected", "_selected_action": [alice.pk], "post": "yes"},
        )
    assert _files_of(alice) == set()


def test_a_cascade_from_the_shell_deletes_the_photos(alice, edited_avatar, run_jobs):
    with run_jobs():
        User.objects.get(pk=alice.pk).delete()
    assert _files_of(alice) == set()


def test_a_queryset_delete_deletes_the_photos(alice, edited_avatar, run_jobs):
    with run_jobs():
        Avatar.objects.filter(owner=alice).delete()
    assert _files_of(alice) == set()


def test_deleting_one_version_leaves_the_others(alice, edited_avatar, run_jobs):
    before = _files_of(alice)
    v2 = edited_avatar.turns.get(number=2)
    gone = {Path(f.name).name for f in (v2.image, v2.webp, v2.thumbnail)}
    with run_jobs():
        Turn.objects.filter(pk=v2.pk).delete()
    assert {Path(f).name for f in before - _files_of(alice)} == gone


def test_the_api_delete_deletes_the_photos_and_their_folders(alice, edited_avatar, run_jobs):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    with run_jobs():
        assert api.delete(f"/api/avatars/{edited_avatar.pk}/").status_code == 204
    assert _files_of(alice) == set()
    assert _folders_of(alice) == set()  # no empty folders left behind


def test_a_rolled_back_delete_keeps_the_photos(
    alice, edited_avatar, django_capture_on_commit_callbacks
):
    before = _files_of(alice)
    with django_capture_on_commit_callbacks(execute=False):
        Avatar.objects.filter(owner=alice).delete()
    # The transaction never commits (the test rolls it back): nothing left the storage.
    assert _files_of(alice) == before
