"""Nobody sees, edits or downloads another user's avatar: strangers get 404, never 403."""

import pytest
from django.urls import reverse

from avatars.models import Avatar, Turn

pytestmark = pytest.mark.django_db


def urls_for(avatar):
    turn = avatar.current_turn
    a = avatar.pk
    return [
        reverse("avatars:detail", args=[a]),
        reverse("avatars:status", args=[a]),
        reverse("avatars:source", args=[a]),
        reverse("avatars:delete", args=[a]),
        reverse("avatars:turn-image", args=[a, turn.pk]),
        reverse("avatars:turn-thumbnail", args=[a, turn.pk]),
        reverse("avatars:turn-download", args=[a, turn.pk, "png"]),
        reverse("avatars:turn-download", args=[a, turn.pk, "webp"]),
    ]


def test_the_owner_can_open_everything(alice_client, alice_avatar):
    for url in urls_for(alice_avatar):
        assert alice_client.get(url).status_code == 200, url


def test_another_user_gets_404_everywhere(bob_client, alice_avatar):
    for url in urls_for(alice_avatar):
        assert bob_client.get(url).status_code == 404, url


def test_another_user_cannot_edit_revert_or_delete(bob_client, alice_avatar):
    a, t = alice_avatar.pk, alice_avatar.current_turn.pk
    posts = [
        (reverse("avatars:edit", args=[a]), {"instruction": "add a hat"}),
        (reverse("avatars:delete", args=[a]), {}),
        (reverse("avatars:turn-action", args=[a, t, "revert"]), {}),
        (reverse("avatars:turn-action", args=[a, t, "retry"]), {}),
        (reverse("avatars:turn-action", args=[a, t, "cancel"]), {}),
    ]
    for url, data in posts:
        assert bob_client.post(url, data).status_code == 404, url
    assert Avatar.objects.filter(pk=a).exists()
    assert Turn.objects.filter(avatar_id=a).count() == 1


def test_a_turn_id_of_one_avatar_cannot_be_used_under_another(
    alice_client, alice_avatar, bob, selfie_jpeg, run_jobs
):
    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    with run_jobs():
        bobs = avatar_create(
            owner=bob, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
        )
    bobs.refresh_from_db()
    url = reverse("avatars:turn-image", args=[alice_avatar.pk, bobs.current_turn.pk])
    assert alice_client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, alice_avatar):
    for url in urls_for(alice_avatar):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_media_has_no_public_url(settings):
    assert settings.STORAGES["default"]["OPTIONS"].get("base_url") is None
    assert not getattr(settings, "MEDIA_URL", "").strip("/")
