"""Every number from outside is read in one place (pixme/numbers.py): ASCII digits in range, or
a 400 saying so — never a 500, never a number nobody meant ('٣' as 3, ' 1' as 1). The walk
below sends odd numbers to every page and API field that takes one."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create
from avatars.models import Avatar
from pixme.errors import ApplicationError
from pixme.numbers import MAX_ID, parse_int
from tests.conftest import token_client, upload
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

# Digits str.isdigit() takes and int() doesn't, digits int() takes that aren't ASCII, and
# forms int() reads that nobody types for an id: none is a number here.
ODD = ["²", "①", "٣", "1e3", "-1", "99999999999999999999", " 1", "1 ", "1_0", "+1", "0x1", "1.0"]


@pytest.mark.parametrize("text", ODD)
def test_odd_numbers_are_refused_in_words(text):
    with pytest.raises(ApplicationError) as refused:
        parse_int(text, low=1, name="The version")
    assert refused.value.code == "invalid"
    assert refused.value.message == (
        "The version must be a whole number of 1 or more, in the digits 0-9."
    )


def test_ascii_digits_in_range_are_read():
    assert parse_int("0") == 0 and parse_int("42") == 42 and parse_int(7) == 7
    assert parse_int(str(MAX_ID)) == MAX_ID
    assert parse_int("-3", low=-5, high=5) == -3
    for refused in (str(MAX_ID + 1), "11", True, None, 1.0, [1]):
        with pytest.raises(ApplicationError, match="from 0 to 10"):
            parse_int(refused, high=10)


@pytest.fixture
def everything(alice, alice_avatar, settings):
    """Alice's avatar, an API token (to revoke) and a webhook (with deliveries to page);
    no rate limits (the walk asks a lot)."""
    settings.PIXME_WEBHOOKS_ALLOW_PRIVATE = True
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # many asks: none is limited
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "burst": None, "create": None},
    }
    token, _secret = api_token_create(user=alice, name="laptop")
    webhook = Webhook.objects.create(owner=alice, url="http://127.0.0.1:9/hook", secret="s")
    return {"avatar": alice_avatar, "token": token, "webhook": webhook}


def _unchanged(alice, everything) -> None:
    avatar = everything["avatar"]
    avatar.refresh_from_db()
    assert avatar.turns.count() == 1 and not avatar.share_token
    assert Avatar.objects.filter(owner=alice).count() == 1
    assert ApiToken.objects.filter(pk=everything["token"].pk).exists()
    assert not alice.profile.favourite_styles.exists()


def test_every_page_that_takes_a_number_answers_400(alice, alice_client, everything, selfie_jpeg):
    alice_client.raise_request_exception = False  # a 500 is an answer to look at, here
    avatar = everything["avatar"]
    odd = ""
    pages = {
        "list ?page=": lambda: alice_client.get(reverse("avatars:list"), {"page": odd}),
        "avatar ?v=": lambda: alice_client.get(
            reverse("avatars:detail", args=[avatar.pk]), {"v": odd}
        ),
        "share: turn": lambda: alice_client.post(
            reverse("avatars:share", args=[avatar.pk]), {"turn": odd}
        ),
        "edit: parent": lambda: alice_client.post(
            reverse("avatars:edit", args=[avatar.pk]), {"instruction": "add a crown", "parent": odd}
        ),
        "new: takes": lambda: alice_client.post(
            reverse("avatars:new"),
            {"style": "comics", "engine": "studio", "photo": upload(selfie_jpeg), "variants": odd},
        ),
        "token: revoke": lambda: alice_client.post(
            reverse("profile-api-token"), {"action": "revoke", "token": odd}
        ),
        "profile: styles": lambda: alice_client.post(
            reverse("profile"), {"display_name": "Ada", "favourite_styles": [odd]}
        ),
    }
    for odd in ODD:
        for name, ask in pages.items():
            response = ask()
            assert response.status_code == 400, (name, odd, response.status_code)
            page = response.content.decode()
            assert "whole number" in page or "Select a valid choice" in page, (name, odd)
    _unchanged(alice, everything)


def test_every_api_field_that_takes_a_number_answers_400(alice, everything, selfie_jpeg):
    api = token_client(alice)
    api.raise_request_exception = False
    avatar, webhook = everything["avatar"], everything["webhook"]
    odd = ""
    calls = {
        "avatars ?page=": lambda: api.get("/api/avatars/", {"page": odd}),
        "deliveries ?page=": lambda: api.get(
            f"/api/webhooks/{webhook.pk}/deliveries/", {"page": odd}
        ),
        "edit: parent": lambda: api.post(
            f"/api/avatars/{avatar.pk}/edits/",
            {"instruction": "add a crown", "parent": odd},
            format="json",
        ),
        "edit: parent (form)": lambda: api.post(
            f"/api/avatars/{avatar.pk}/edits/",
            urlencode({"instruction": "add a crown", "parent": odd}),
            content_type="application/x-www-form-urlencoded",
        ),
        "share: turn": lambda: api.post(
            f"/api/avatars/{avatar.pk}/share/", {"turn": odd}, format="json"
        ),
        "create: variants": lambda: api.post(
            "/api/avatars/",
            {"photo": upload(selfie_jpeg), "style": "comics", "variants": odd},
            format="multipart",
        ),
    }
    for odd in ODD:
        for name, ask in calls.items():
            response = ask()
            assert response.status_code == 400, (name, odd, response.status_code, response.content)
            assert "whole number" in response.json()["detail"], (name, odd)
    _unchanged(alice, everything)


def test_json_numbers_that_are_not_whole_are_refused(alice, alice_avatar):
    api = token_client(alice)
    url = f"/api/avatars/{alice_avatar.pk}/edits/"
    for odd in (1.5, 1.0, True, [1], {"id": 1}):
        response = api.post(url, {"instruction": "add a crown", "parent": odd}, format="json")
        assert response.status_code == 400, odd
    assert alice_avatar.turns.count() == 1
    parent = str(alice_avatar.current_turn_id)  # digits in a string are a number
    response = api.post(url, {"instruction": "add a crown", "parent": parent}, format="json")
    assert response.status_code == 202


def test_ids_past_what_a_database_holds_are_not_found(alice_client, alice_avatar):
    huge = "99999999999999999999"
    assert alice_client.get(f"/avatars/{huge}/").status_code == 404
    assert alice_client.get(f"/avatars/{alice_avatar.pk}/v/{huge}/image.png").status_code == 404
    assert alice_client.post(f"/avatars/{alice_avatar.pk}/v/{huge}/retry/").status_code == 404
