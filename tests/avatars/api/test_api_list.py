"""The avatar list: a page at a time, filtered by style, status, engine and date, in the order
asked for; and the detail's ETag, so a poller gets 304 while nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from avatars.models import Avatar, Style, Turn
from avatars.services.avatars import avatar_create
from avatars.sharing.services import avatar_share
from tests.conftest import token_client, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    return token_client(alice)


@pytest.fixture
def three(alice, alice_avatar, selfie_jpeg, settings):
    """Alice's finished Comics avatar (oldest), a queued Zombie one, a queued Pop Art one."""
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    made = [alice_avatar]
    for slug in ("zombie", "pop-art"):
        made.append(
            avatar_create(
                owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug=slug)
            )
        )
    now = timezone.now()
    for days_ago, avatar in zip((10, 5, 1), made, strict=True):
        Avatar.objects.filter(pk=avatar.pk).update(
            created_at=now - timedelta(days=days_ago), updated_at=now - timedelta(days=days_ago)
        )
    # Queued avatars have no current version yet; the filters read the current one.
    for avatar in made[1:]:
        Avatar.objects.filter(pk=avatar.pk).update(current_turn=avatar.turns.get())
    return made


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [a["id"] for a in response.json()["results"]]


def test_it_lists_newest_first_a_page_at_a_time(api, three, monkeypatch):
    # DRF's paginator reads PAGE_SIZE once, at import.
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    first = api.get("/api/avatars/").json()
    assert first["count"] == 3 and first["next"].endswith("/api/avatars/?page=2")
    assert [a["id"] for a in first["results"]] == [three[2].pk, three[1].pk]
    assert _ids(api.get("/api/avatars/?page=2")) == [three[0].pk]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(api, three):
    response = api.get("/api/avatars/?page=9")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_it_filters_by_style_status_and_engine(api, three):
    assert _ids(api.get("/api/avatars/?style=zombie")) == [three[1].pk]
    assert _ids(api.get("/api/avatars/?status=succeeded")) == [three[0].pk]
    assert _ids(api.get("/api/avatars/?status=queued")) == [three[2].pk, three[1].pk]
    assert len(_ids(api.get("/api/avatars/?engine=studio"))) == 3
    assert _ids(api.get("/api/avatars/?engine=gemini")) == []
    assert _ids(api.get("/api/avatars/?style=zombie&status=succeeded")) == []


def test_it_filters_by_creation_time(api, three):
    cutoff = (timezone.now() - timedelta(days=7)).isoformat()
    assert _ids(api.get("/api/avatars/", {"created_after": cutoff})) == [three[2].pk, three[1].pk]
    assert _ids(api.get("/api/avatars/", {"created_before": cutoff})) == [three[0].pk]


def test_it_orders_as_asked(api, three):
    oldest_first = [three[0].pk, three[1].pk, three[2].pk]
    assert _ids(api.get("/api/avatars/?ordering=created_at")) == oldest_first
    assert _ids(api.get("/api/avatars/?ordering=-created_at")) == oldest_first[::-1]
    Avatar.objects.filter(pk=three[0].pk).update(updated_at=timezone.now())
    assert _ids(api.get("/api/avatars/?ordering=-updated_at"))[0] == three[0].pk
    assert _ids(api.get("/api/avatars/?ordering=updated_at"))[-1] == three[0].pk


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("engine=dall-e", "engine"),
        ("created_after=yesterday", "created_after"),
        ("ordering=title", "ordering"),
        ("ordering=created_at,updated_at", "ordering"),
    ],
)
def test_a_bad_filter_is_a_400_in_the_error_shape(api, three, query, field):
    response = api.get(f"/api/avatars/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"].startswith(f"{field}: ")
    assert field in body["errors"]


def test_the_list_needs_a_token(db):
    response = APIClient().get("/api/avatars/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_others_see_none_of_alices_avatars(bob, three):
    assert token_client(bob).get("/api/avatars/?status=succeeded").json()["count"] == 0


def test_the_list_is_throttled_with_retry_after(api, three, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "burst": "1/min",
        },
    }
    assert api.get("/api/avatars/").status_code == 200
    throttled = api.get("/api/avatars/?style=comics")
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60


# --- the detail's ETag --------------------------------------------------------------------


def test_an_unchanged_avatar_is_a_304_with_no_body(api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/"
    first = api.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = api.get(url, HTTP_IF_NONE_MATCH=sent)
        assert again.status_code == 304, sent
        assert again.content == b"" and again["ETag"] == etag


def test_any_change_changes_the_etag(api, alice_avatar, settings):
    url = f"/api/avatars/{alice_avatar.pk}/"
    etag = api.get(url)["ETag"]
    avatar_share(avatar=alice_avatar)
    shared = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert shared.status_code == 200 and shared["ETag"] != etag
    etag = shared["ETag"]
    Turn.objects.filter(avatar=alice_avatar).update(percent=99)  # progress alone counts
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_stale_or_malformed_etag_gets_the_avatar(api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/"
    for sent in ('"stale"', "garbage", ""):
        assert api.get(url, HTTP_IF_NONE_MATCH=sent).status_code == 200


def test_another_users_avatar_is_404_even_with_an_etag(bob, api, alice_avatar):
    url = f"/api/avatars/{alice_avatar.pk}/"
    etag = api.get(url)["ETag"]
    response = token_client(bob).get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
