"""Alice shares her avatar by an unguessable link, chooses the version, and stops sharing.

Everything here is the owner's side, on the site and in the API; what a visitor sees at the link
is tests/avatars/sharing/test_shared_page.py, reporting is tests/avatars/sharing/test_reports.py.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from avatars.models import Avatar, ModerationAction
from avatars.services.turns import turn_request_edit
from avatars.sharing.services import avatar_share
from tests.conftest import api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice)}")
    return client


@pytest.fixture
def bob_api(bob):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(bob)}")
    return client


def share_state(avatar):
    avatar.refresh_from_db()
    return avatar.visibility, avatar.share_token, avatar.shared_turn_id


def test_a_new_avatar_is_private(alice_client, alice_avatar):
    assert alice_avatar.visibility == Avatar.Visibility.PRIVATE
    assert alice_avatar.share_token is None
    page = alice_client.get(reverse("avatars:detail", args=[alice_avatar.pk])).content.decode()
    assert "Private: only you can see it." in page
    assert "/s/" not in page


def test_alice_shares_the_current_version_and_the_link_works_signed_out(
    alice_client, alice_avatar, client
):
    response = alice_client.post(reverse("avatars:share", args=[alice_avatar.pk]))
    assert response.status_code == 302
    visibility, token, shared_turn = share_state(alice_avatar)
    assert visibility == Avatar.Visibility.LINK
    assert len(token) >= 22  # 128 random bits
    assert shared_turn is None  # follows whichever version is current
    page = alice_client.get(reverse("avatars:detail", args=[alice_avatar.pk])).content.decode()
    assert f"http://testserver/s/{token}/" in page
    assert "Stop sharing" in page
    alice_client.logout()
    assert client.get(f"/s/{token}/").status_code == 200


def test_sharing_again_makes_a_new_link_and_the_old_one_dies(alice_avatar, client):
    old = avatar_share(avatar=alice_avatar).share_token
    new = avatar_share(avatar=alice_avatar).share_token
    assert old != new
    assert client.get(f"/s/{old}/").status_code == 404
    assert client.get(f"/s/{new}/").status_code == 200


def test_alice_stops_sharing_and_the_link_dies(alice_client, alice_avatar, client):
    token = avatar_share(avatar=alice_avatar).share_token
    response = alice_client.post(reverse("avatars:unshare", args=[alice_avatar.pk]))
    assert response.status_code == 302
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)
    assert client.get(f"/s/{token}/").status_code == 404
    assert client.get(f"/s/{token}/image.png").status_code == 404


def test_alice_shares_a_chosen_version_and_the_link_keeps_showing_it(
    alice_client, alice_avatar, run_jobs, client
):
    first = alice_avatar.current_turn
    alice_client.post(reverse("avatars:share", args=[alice_avatar.pk]), {"turn": first.pk})
    with run_jobs():
        second = turn_request_edit(avatar=alice_avatar, instruction="make it warmer")
    alice_avatar.refresh_from_db()
    assert alice_avatar.current_turn_id == second.pk
    assert alice_avatar.shared_turn_id == first.pk
    png = client.get(f"/s/{alice_avatar.share_token}/image.png")
    with first.image.open("rb") as fh:
        assert b"".join(png.streaming_content) == fh.read()


def test_an_unfinished_version_cannot_be_shared(alice_client, alice_avatar):
    from avatars.models import Turn

    drawing = Turn.objects.create(avatar=alice_avatar, number=2, kind=Turn.Kind.EDIT)
    response = alice_client.post(
        reverse("avatars:share", args=[alice_avatar.pk]), {"turn": drawing.pk}, follow=True
    )
    assert "Version 2 isn&#x27;t finished yet" in response.content.decode()
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)


def test_bob_cannot_share_or_unshare_alices_avatar(bob_client, alice_avatar):
    assert bob_client.post(reverse("avatars:share", args=[alice_avatar.pk])).status_code == 404
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)
    token = avatar_share(avatar=alice_avatar).share_token
    assert bob_client.post(reverse("avatars:unshare", args=[alice_avatar.pk])).status_code == 404
    assert share_state(alice_avatar) == (Avatar.Visibility.LINK, token, None)


def test_bob_cannot_pin_a_version_of_his_own_avatar_to_alices(
    bob, alice_client, alice_avatar, selfie_jpeg, run_jobs
):
    from avatars.models import Style
    from avatars.services.avatars import avatar_create
    from tests.conftest import upload

    with run_jobs():
        bobs = avatar_create(owner=bob, upload=upload(selfie_jpeg), style=Style.objects.first())
    bobs.refresh_from_db()
    response = alice_client.post(
        reverse("avatars:share", args=[alice_avatar.pk]), {"turn": bobs.current_turn_id}
    )
    assert response.status_code == 404
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)


# --- a moderator's decision --------------------------------------------------------------


def hide(avatar, state=Avatar.Moderation.HIDDEN, reason="Looks like a real celebrity."):
    Avatar.objects.filter(pk=avatar.pk).update(moderation=state, moderation_reason=reason)
    avatar.refresh_from_db()
    return avatar


@pytest.mark.parametrize(
    "state,verb", [(Avatar.Moderation.HIDDEN, "hid"), (Avatar.Moderation.REMOVED, "removed")]
)
def test_a_moderated_avatar_says_so_on_its_page_with_the_reason(
    alice_client, alice_avatar, state, verb
):
    hide(alice_avatar, state)
    page = alice_client.get(reverse("avatars:detail", args=[alice_avatar.pk])).content.decode()
    assert f"A moderator {verb} this avatar." in page
    assert "Reason: Looks like a real celebrity." in page
    assert "Download PNG" not in page and "Create link" not in page
    # The owner still sees it, as the preview.
    thumb = reverse("avatars:turn-thumbnail", args=[alice_avatar.pk, alice_avatar.current_turn_id])
    assert thumb in page


def test_a_removed_avatar_whose_pictures_are_gone_still_explains_itself(alice_client, alice_avatar):
    # What removal leaves behind: the rows, without their files.
    hide(alice_avatar, Avatar.Moderation.REMOVED)
    Avatar.objects.filter(pk=alice_avatar.pk).update(source="")
    alice_avatar.turns.update(image="", thumbnail="")
    response = alice_client.get(reverse("avatars:detail", args=[alice_avatar.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A moderator removed this avatar." in page
    assert "The pictures were deleted by a moderator." in page
    assert reverse("avatars:source", args=[alice_avatar.pk]) not in page


def test_a_hidden_avatar_cannot_be_shared(alice_client, alice_avatar):
    hide(alice_avatar)
    response = alice_client.post(reverse("avatars:share", args=[alice_avatar.pk]), follow=True)
    assert "A moderator hid this avatar, so it can&#x27;t be shared." in response.content.decode()
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)


def test_hiding_a_shared_avatar_kills_its_link(alice_avatar, client):
    token = avatar_share(avatar=alice_avatar).share_token
    hide(alice_avatar)
    assert client.get(f"/s/{token}/").status_code == 404


def test_a_hidden_avatar_cannot_be_downloaded_but_its_preview_shows(alice_client, alice_avatar):
    hide(alice_avatar, Avatar.Moderation.REMOVED)
    a, t = alice_avatar.pk, alice_avatar.current_turn_id
    for url in (
        reverse("avatars:turn-image", args=[a, t]),
        reverse("avatars:turn-download", args=[a, t, "png"]),
        reverse("avatars:turn-download", args=[a, t, "webp"]),
    ):
        response = alice_client.get(url)
        assert response.status_code == 403, url
        assert "A moderator removed this avatar, so it can't be downloaded." in (
            response.content.decode()
        )
        assert "Looks like a real celebrity." in response.content.decode()
    assert alice_client.get(reverse("avatars:turn-thumbnail", args=[a, t])).status_code == 200
    assert alice_client.get(reverse("avatars:source", args=[a])).status_code == 200


def test_a_stranger_still_gets_404_for_a_hidden_avatar(bob_client, alice_avatar):
    hide(alice_avatar)
    turn = alice_avatar.current_turn_id
    url = reverse("avatars:turn-download", args=[alice_avatar.pk, turn, "png"])
    assert bob_client.get(url).status_code == 404


# --- the API -------------------------------------------------------------------------------


def test_the_avatar_json_is_private_by_default(api, alice_avatar):
    data = api.get(f"/api/avatars/{alice_avatar.pk}/").json()
    assert data["visibility"] == "private"
    assert data["share_url"] == ""
    assert data["moderation"] == "ok"


def test_share_and_unshare_through_the_api(api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/share/"
    response = api.post(url, format="json")
    assert response.status_code == 200
    share_url = response.json()["share_url"]
    _, token, _ = share_state(alice_avatar)
    assert share_url == f"http://testserver/s/{token}/"
    data = api.get(f"/api/avatars/{alice_avatar.pk}/").json()
    assert (data["visibility"], data["share_url"]) == ("link", share_url)
    assert APIClient().get(share_url).status_code == 200

    assert api.delete(url).status_code == 204
    assert APIClient().get(share_url).status_code == 404
    data = api.get(f"/api/avatars/{alice_avatar.pk}/").json()
    assert (data["visibility"], data["share_url"]) == ("private", "")


def test_the_api_shares_a_chosen_version(api, alice_avatar):
    turn = alice_avatar.current_turn_id
    response = api.post(f"/api/avatars/{alice_avatar.pk}/share/", {"turn": turn}, format="json")
    assert response.status_code == 200 and response.json()["turn"] == turn
    assert share_state(alice_avatar)[2] == turn


def test_the_api_refuses_to_share_a_hidden_avatar_in_words(api, alice_avatar):
    hide(alice_avatar)
    response = api.post(f"/api/avatars/{alice_avatar.pk}/share/", format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "A moderator hid this avatar, so it can't be shared. "
        "Reason: Looks like a real celebrity.",
        "code": "moderated",
    }
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)
    assert not ModerationAction.objects.exists()


def test_the_api_refuses_downloads_of_a_hidden_avatar_with_the_reason(api, alice_avatar):
    hide(alice_avatar)
    base = f"/api/avatars/{alice_avatar.pk}/turns/{alice_avatar.current_turn_id}"
    for kind in ("image.png", "image.webp"):
        response = api.get(f"{base}/{kind}")
        assert response.status_code == 403
        assert response.json()["code"] == "moderated"
        assert "Looks like a real celebrity." in response.json()["detail"]
    assert api.get(f"{base}/thumbnail.webp").status_code == 200


def test_bob_gets_404_sharing_alices_avatar_through_the_api(bob_api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/share/"
    assert bob_api.post(url, format="json").status_code == 404
    assert share_state(alice_avatar) == (Avatar.Visibility.PRIVATE, None, None)
    token = avatar_share(avatar=alice_avatar).share_token
    assert bob_api.delete(url).status_code == 404
    assert share_state(alice_avatar) == (Avatar.Visibility.LINK, token, None)
