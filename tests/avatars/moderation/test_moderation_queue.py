"""The moderators' queue in the admin, as Mona (a moderator, not a superuser) runs it: what it
shows, each decision on one avatar or many with its reason, and what each does to the owner's
avatar, files and API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from avatars.models import Avatar, ModerationAction, Report, Style, Turn
from avatars.services.turns import turn_request_edit
from avatars.sharing.services import avatar_share
from tests.moderation_people import client_for, moderator_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def mona(db):
    return moderator_create()


@pytest.fixture
def mona_client(mona):
    return client_for(mona)


QUEUE = "/admin/avatars/avatar/"


def _decide(client, action: str, avatars, reason: str = "Looks like a real person's photo"):
    return client.post(
        QUEUE,
        {"action": action, "_selected_action": [a.pk for a in avatars], "reason": reason},
        follow=True,
    )


@pytest.fixture
def bobs_avatar(bob, alice_avatar):
    """Bob's avatar (drawn from the same selfie's rows: no second render needed)."""
    return Avatar.objects.create(
        owner=bob, style=alice_avatar.style, source=alice_avatar.source.name, title="Bob's"
    )


def test_it_lists_flagged_and_reported_avatars_first(mona_client, alice_avatar, bobs_avatar, bob):
    Avatar.objects.filter(pk=alice_avatar.pk).update(moderation="flagged", flag_reason="words")
    page = mona_client.get(QUEUE).content.decode()
    assert page.index(f"/admin/avatars/avatar/{alice_avatar.pk}/change/") < page.index(
        f"/admin/avatars/avatar/{bobs_avatar.pk}/change/"
    )
    Avatar.objects.filter(pk=alice_avatar.pk).update(moderation="ok")
    Report.objects.create(avatar=alice_avatar, reporter=bob, reason="spam")
    page = mona_client.get(QUEUE).content.decode()
    assert page.index(f"/admin/avatars/avatar/{alice_avatar.pk}/change/") < page.index(
        f"/admin/avatars/avatar/{bobs_avatar.pk}/change/"
    )
    assert "1 / 1" in page  # open reports / all


def test_it_shows_the_pictures_through_staff_only_views(mona_client, client, alice_avatar):
    turn = alice_avatar.current_turn
    page = mona_client.get(QUEUE).content.decode()
    urls = [
        f"{QUEUE}turn/{turn.pk}/thumbnail/",
        f"{QUEUE}turn/{turn.pk}/image/",
        f"{QUEUE}{alice_avatar.pk}/selfie/",
        f"{QUEUE}{alice_avatar.pk}/selfie/preview/",
    ]
    for url in urls[:1] + urls[3:]:
        assert url in page
    types = ["image/webp", "image/png", "image/jpeg", "image/jpeg"]
    for url, content_type in zip(urls, types, strict=True):
        response = mona_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        body = response.getvalue()
        assert body[:4] in (b"RIFF", b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1")
    client.logout()
    for url in urls:  # not signed in as staff: the admin's log-in page, never the picture
        assert client.get(url).status_code == 302


def test_the_change_page_shows_both_pictures_the_words_and_no_embedding(mona_client, alice_avatar):
    page = mona_client.get(f"{QUEUE}{alice_avatar.pk}/change/").content.decode()
    assert f"{QUEUE}{alice_avatar.pk}/selfie/" in page
    assert f"{QUEUE}turn/{alice_avatar.current_turn_id}/image/" in page
    embedding = alice_avatar.source_faces["embedding"]
    assert embedding and f"{embedding[0]}" not in page
    assert '"landmarks"' not in page and "source_faces" not in page
    assert 'name="turns-MAX_NUM_FORMS" value="0"' in page, "no “Add another Turn”"
    assert "/media/" not in page, "no storage URLs (they are 404s)"


def test_the_queue_offers_no_add(mona_client):
    assert mona_client.get(f"{QUEUE}add/").status_code == 403


def test_a_decision_without_a_reason_changes_nothing(mona_client, alice_avatar, bob):
    Report.objects.create(avatar=alice_avatar, reporter=bob, reason="spam")
    for action in ["approve", "hide", "remove", "suspend_owner"]:
        response = _decide(mona_client, action, [alice_avatar], reason="  ")
        assert "Give a reason" in response.content.decode()
    alice_avatar.refresh_from_db()
    assert alice_avatar.moderation == "ok" and alice_avatar.source
    assert not alice_avatar.owner.is_suspended
    assert Report.objects.filter(resolved=False).count() == 1
    assert not ModerationAction.objects.exists()


def test_approve_clears_the_flag_and_resolves_the_reports(mona_client, alice_avatar, bob):
    Avatar.objects.filter(pk=alice_avatar.pk).update(moderation="flagged", flag_reason="words")
    Report.objects.create(avatar=alice_avatar, reporter=bob, reason="spam")
    _decide(mona_client, "approve", [alice_avatar], reason="A cartoon, not a photo")
    alice_avatar.refresh_from_db()
    assert (alice_avatar.moderation, alice_avatar.flag_reason) == ("ok", "")
    assert not Report.objects.filter(resolved=False).exists()
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.reason) == ("approve", "A cartoon, not a photo")


def test_hide_keeps_it_for_the_owner_and_says_why(mona_client, alice_avatar, alice_client):
    _decide(mona_client, "hide", [alice_avatar], reason="Gory")
    alice_avatar.refresh_from_db()
    assert (alice_avatar.moderation, alice_avatar.moderation_reason) == ("hidden", "Gory")
    assert alice_avatar.current_turn.image  # nothing deleted
    assert alice_client.get(f"/avatars/{alice_avatar.pk}/").status_code == 200


def test_remove_deletes_the_files_and_keeps_the_rows(mona_client, alice_avatar, alice, run_jobs):
    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction="add round glasses")
    turns = list(alice_avatar.turns.all())
    files = [alice_avatar.source] + [f for t in turns for f in (t.image, t.thumbnail, t.webp)]
    stored = [(f.storage, f.name) for f in files]
    assert len(stored) == 7 and all(s.exists(n) for s, n in stored)
    with run_jobs():
        _decide(mona_client, "remove", [alice_avatar], reason="A real person's nude")
    assert not any(s.exists(n) for s, n in stored)
    alice_avatar.refresh_from_db()
    assert alice_avatar.moderation == "removed"
    assert alice_avatar.moderation_reason == "A real person's nude"
    assert not alice_avatar.source and alice_avatar.source_faces is None
    assert Turn.objects.filter(avatar=alice_avatar).count() == 2
    assert not Turn.objects.filter(avatar=alice_avatar).exclude(image="").exists()
    # The faces kept from each version (with its face embedding) went too.
    assert not Turn.objects.filter(avatar=alice_avatar, faces__isnull=False).exists()
    assert ModerationAction.objects.get().action == "remove"
    # The owner's API says the versions have no pictures, and serves none.
    api = APIClient()
    api.force_authenticate(alice)
    payload = api.get(f"/api/avatars/{alice_avatar.pk}/").json()
    assert all(t["image"] == "" for t in payload["turns"])
    served = api.get(f"/api/avatars/{alice_avatar.pk}/turns/{turns[0].pk}/image.png")
    assert served.status_code in (403, 404)
    served = api.get(f"/api/avatars/{alice_avatar.pk}/turns/{turns[0].pk}/image.webp")
    assert served.status_code in (403, 404)


def test_remove_leaves_the_files_when_it_rolls_back(mona, alice_avatar, monkeypatch):
    from avatars.moderation import services as moderation

    stored = [(alice_avatar.source.storage, alice_avatar.source.name)]

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(moderation, "moderation_action_record", broken)
    with pytest.raises(RuntimeError):
        moderation.avatar_remove(avatar=alice_avatar, moderator=mona, reason="x")
    assert all(s.exists(n) for s, n in stored)
    alice_avatar.refresh_from_db()
    assert alice_avatar.moderation == "ok" and alice_avatar.source


def test_a_bulk_action_decides_each_and_records_each(mona_client, alice_avatar, bobs_avatar):
    _decide(mona_client, "hide", [alice_avatar, bobs_avatar], reason="Spam wave")
    assert set(Avatar.objects.values_list("moderation", flat=True)) == {"hidden"}
    assert ModerationAction.objects.filter(action="hide").count() == 2


def test_suspend_and_lift_from_the_queue(mona_client, alice_avatar, alice, run_jobs):
    with run_jobs():
        avatar_share(avatar=alice_avatar)
    _decide(mona_client, "suspend_owner", [alice_avatar], reason="Repeated nudity")
    alice.refresh_from_db()
    assert alice.is_suspended and alice.suspension_reason == "Repeated nudity"
    alice_avatar.refresh_from_db()
    assert alice_avatar.share_token is None and alice_avatar.visibility == "private"
    page = mona_client.get(QUEUE).content.decode()
    assert "alice (suspended)" in page
    _decide(mona_client, "lift_owner_suspension", [alice_avatar], reason="Appeal accepted")
    alice.refresh_from_db()
    assert not alice.is_suspended
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "suspend",
        "suspend_lift",
    ]


def test_the_change_form_decides_and_records(mona_client, alice_avatar):
    url = f"{QUEUE}{alice_avatar.pk}/change/"
    form = {
        "decision": "hide",
        "reason": "",
        "turns-TOTAL_FORMS": "1",
        "turns-INITIAL_FORMS": "1",
        "turns-MIN_NUM_FORMS": "0",
        "turns-MAX_NUM_FORMS": "0",
        "reports-TOTAL_FORMS": "0",
        "reports-INITIAL_FORMS": "0",
        "reports-MIN_NUM_FORMS": "0",
        "reports-MAX_NUM_FORMS": "0",
    }
    response = mona_client.post(url, form)
    assert response.status_code == 200 and "Give a reason" in response.content.decode()
    assert not ModerationAction.objects.exists()
    response = mona_client.post(url, {**form, "reason": "Offensive caption"})
    assert response.status_code == 302
    alice_avatar.refresh_from_db()
    assert (alice_avatar.moderation, alice_avatar.moderation_reason) == (
        "hidden",
        "Offensive caption",
    )
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.moderator.username) == ("hide", "mona")
    # Saving with no decision writes nothing.
    mona_client.post(url, {**form, "decision": "", "reason": ""})
    assert ModerationAction.objects.count() == 1


def test_filters_and_search(mona_client, alice_avatar, bobs_avatar):
    Turn.objects.create(avatar=bobs_avatar, number=1, instruction="wear a pirate hat")
    Avatar.objects.filter(pk=bobs_avatar.pk).update(moderation="flagged")
    change = f"{QUEUE}{{}}/change/"
    for query, shown, hidden in [
        ("?moderation__exact=flagged", bobs_avatar, alice_avatar),
        ("?review=yes", bobs_avatar, alice_avatar),
        (f"?style__id__exact={alice_avatar.style_id}", alice_avatar, None),
        ("?engine=studio", alice_avatar, None),
        ("?q=pirate", bobs_avatar, alice_avatar),
        ("?q=alice", alice_avatar, bobs_avatar),
        ("?created_at__gte=2000-01-01+00:00:00%2B00:00", alice_avatar, None),
    ]:
        page = mona_client.get(QUEUE + query).content.decode()
        assert change.format(shown.pk) in page, query
        if hidden is not None:
            assert change.format(hidden.pk) not in page, query


def _fill_queue(owner, style, count: int, bob):
    avatars = Avatar.objects.bulk_create(
        [
            Avatar(owner=owner, style=style, source="x.jpg", source_width=1, source_height=1)
            for _ in range(count)
        ]
    )
    turns = Turn.objects.bulk_create(
        [
            Turn(
                avatar=a,
                number=1,
                instruction="add a hat",
                model_text="Here you go",
                status="succeeded",
                image=f"u{owner.pk}/turns/{a.pk}.png",
                thumbnail=f"u{owner.pk}/turns/{a.pk}.webp",
            )
            for a in avatars
        ]
    )
    for avatar, turn in zip(avatars, turns, strict=True):
        avatar.current_turn = turn
    Avatar.objects.bulk_update(avatars, ["current_turn"])
    Report.objects.bulk_create(
        [Report(avatar=a, reporter=bob, reason="spam") for a in avatars[::2]]
    )


def test_the_queue_costs_the_same_queries_for_5_and_for_50_avatars(mona_client, alice, bob):
    style = Style.objects.get(slug="comics")
    counts = {}
    for total in (5, 50):
        _fill_queue(alice, style, total - Avatar.objects.count(), bob)
        mona_client.get(QUEUE)  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as queries:
            response = mona_client.get(QUEUE)
        assert response.status_code == 200
        assert response.content.decode().count("/thumbnail/") == total
        counts[total] = len(queries)
    assert counts[5] == counts[50], counts
    print(f"queue: {counts[50]} queries for 5 and for 50 avatars")
