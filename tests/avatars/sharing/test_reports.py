"""Bob finds Alice's shared avatar and reports it: a reason from the list and a note, once.
Every report puts the avatar in the moderators' queue; enough of them from established accounts
(that have made an avatar and are old enough) pause the link, while accounts made for the
purpose can't take it down. Alice sees how many reports there are, never who sent them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_create
from avatars.models import Avatar, ModerationAction, Report
from avatars.sharing.services import avatar_share
from tests.conftest import api_token
from tests.moderation_people import client_for, moderator_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(alice_avatar):
    return avatar_share(avatar=alice_avatar)


def report_url(avatar):
    return reverse("share:report", args=[avatar.share_token])


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def visitor(name, *, made=None, age=timedelta(0)):
    """A signed-in visitor whose account is ``age`` old. ``made``: they have made an avatar
    (drawn like that one): with the age rule met, an established account."""
    user = user_create(username=name, password=f"{name}-Secret-123", email="")
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - age)
    if made is not None:
        Avatar.objects.create(owner=user, style=made.style, source=made.source.name)
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_out_visitor_is_asked_to_log_in_to_report(client, shared):
    html = client.get(f"/s/{shared.share_token}/").content.decode()
    assert "Log in to report it" in html
    assert f"/accounts/login/?next=/s/{shared.share_token}/%23report" in html
    response = client.post(report_url(shared), {"reason": "spam"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Report.objects.exists()


def test_bob_reports_with_a_reason_and_a_note(bob_client, shared):
    html = bob_client.get(f"/s/{shared.share_token}/").content.decode()
    assert "Report this avatar" in html
    for reason in Report.Reason:
        assert reason.label in html
    response = bob_client.post(
        report_url(shared), {"reason": "impersonation", "note": "That is my neighbour."}
    )
    assert response.status_code == 302
    (report,) = Report.objects.all()
    assert (report.avatar, report.reporter.username) == (shared, "bob")
    assert (report.reason, report.note, report.resolved) == (
        "impersonation",
        "That is my neighbour.",
        False,
    )
    html = bob_client.get(response["Location"]).content.decode()
    assert "Thank you: a moderator will look at it." in html
    assert "You reported this avatar." in html


def test_bob_can_report_only_once(bob_client, shared):
    bob_client.post(report_url(shared), {"reason": "spam"})
    response = bob_client.post(report_url(shared), {"reason": "hate", "note": "and again"})
    assert response.status_code == 400
    assert "You have already reported this avatar." in response.content.decode()
    assert Report.objects.get().reason == "spam"


def test_a_reason_must_come_from_the_list(bob_client, shared):
    response = bob_client.post(report_url(shared), {"reason": "i-dont-like-it"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Report.objects.exists()


def test_alice_cannot_report_her_own_avatar(alice_client, shared):
    html = alice_client.get(f"/s/{shared.share_token}/").content.decode()
    assert "This is your avatar." in html and "Report this avatar" not in html
    response = alice_client.post(report_url(shared), {"reason": "spam"})
    assert response.status_code == 400
    assert "This is your own avatar" in response.content.decode()
    assert not Report.objects.exists()


def test_a_link_that_is_not_live_cannot_be_reported(bob_client, shared):
    token = shared.share_token
    Avatar.objects.filter(pk=shared.pk).update(moderation=Avatar.Moderation.HIDDEN)
    assert bob_client.post(f"/s/{token}/report/", {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_enough_open_reports_pause_the_link_and_flag_it_for_review(shared, client, settings):
    settings.PIXME_REPORTS_TO_HIDE = 3
    for name in ("bob", "carol"):
        visitor(name, made=shared).post(report_url(shared), {"reason": "sexual"})
    shared.refresh_from_db()
    assert shared.moderation == Avatar.Moderation.OK
    assert client.get(f"/s/{shared.share_token}/").status_code == 200

    visitor("dave", made=shared).post(report_url(shared), {"reason": "violence"})
    shared.refresh_from_db()
    assert (shared.moderation, shared.flag_reason) == (Avatar.Moderation.FLAGGED, "3 reports")
    assert client.get(f"/s/{shared.share_token}/").status_code == 404
    (action,) = ModerationAction.objects.all()
    assert (action.avatar, action.action, action.moderator) == (shared, "flag", None)

    # A moderator's approval resolves the reports: the same link is live again.
    Report.objects.update(resolved=True)
    assert client.get(f"/s/{shared.share_token}/").status_code == 200


def test_alice_sees_how_many_reports_but_never_who(alice_client, shared, settings):
    settings.PIXME_REPORTS_TO_HIDE = 2
    visitor("bob", made=shared).post(report_url(shared), {"reason": "spam", "note": "Buy my stuff"})
    detail = reverse("avatars:detail", args=[shared.pk])
    html = alice_client.get(detail).content.decode()
    assert "1 open report." in html
    assert "bob" not in html and "Buy my stuff" not in html
    visitor("carol", made=shared).post(report_url(shared), {"reason": "spam"})
    html = alice_client.get(detail).content.decode()
    assert "2 open reports: the link is paused until a moderator decides." in html
    assert "carol" not in html
    data = api_for(shared.owner).get(f"/api/avatars/{shared.pk}/").json()
    assert "bob" not in str(data) and "carol" not in str(data)


def test_a_paused_link_cannot_be_swapped_for_a_new_one(alice_client, shared, settings):
    settings.PIXME_REPORTS_TO_HIDE = 1
    token = shared.share_token
    visitor("bob", made=shared).post(report_url(shared), {"reason": "spam"})
    response = alice_client.post(reverse("avatars:share", args=[shared.pk]), follow=True)
    assert "Sharing is paused while a moderator reviews reports" in response.content.decode()
    shared.refresh_from_db()
    assert shared.share_token == token


# --- who can pause a link ----------------------------------------------------------------


def test_three_new_accounts_cannot_pause_a_link_but_put_it_in_the_queue(shared, client, settings):
    settings.PIXME_REPORTS_TO_HIDE = 3
    settings.PIXME_REPORTER_MIN_AGE_HOURS = 24
    for name in ("troll1", "troll2", "troll3"):
        response = visitor(name).post(report_url(shared), {"reason": "hate"})
        assert response.status_code == 302
    assert client.get(f"/s/{shared.share_token}/").status_code == 200
    assert [r.established for r in Report.objects.all()] == [False, False, False]
    shared.refresh_from_db()
    assert shared.moderation == Avatar.Moderation.FLAGGED  # flagged, which hides nothing
    assert shared.flag_reason == "3 reports, 0 from established accounts"
    queue = client_for(moderator_create()).get("/admin/avatars/avatar/?review=reported")
    assert f"/admin/avatars/avatar/{shared.pk}/change/" in queue.content.decode()
    assert "3 / 3" in queue.content.decode()  # open reports / all
    # Alice is told of the reports, not of a pause.
    detail = client_for(shared.owner).get(reverse("avatars:detail", args=[shared.pk]))
    assert "3 open reports." in detail.content.decode()
    assert "paused" not in detail.content.decode()


def test_three_established_accounts_pause_it(shared, client, settings):
    settings.PIXME_REPORTS_TO_HIDE = 3
    settings.PIXME_REPORTER_MIN_AGE_HOURS = 24
    for name in ("bob", "carol", "dave"):
        reporter = visitor(name, made=shared, age=timedelta(hours=25))
        reporter.post(report_url(shared), {"reason": "impersonation"})
    assert client.get(f"/s/{shared.share_token}/").status_code == 404
    assert [r.established for r in Report.objects.all()] == [True, True, True]
    shared.refresh_from_db()
    assert shared.flag_reason == "3 reports"


def test_an_account_counts_once_it_is_old_enough_and_has_made_an_avatar(shared, client, settings):
    settings.PIXME_REPORTS_TO_HIDE = 1
    settings.PIXME_REPORTER_MIN_AGE_HOURS = 24
    visitor("young", made=shared, age=timedelta(hours=23)).post(
        report_url(shared), {"reason": "spam"}
    )
    visitor("idle", age=timedelta(days=30)).post(report_url(shared), {"reason": "spam"})
    assert client.get(f"/s/{shared.share_token}/").status_code == 200
    visitor("regular", made=shared, age=timedelta(hours=24, minutes=1)).post(
        report_url(shared), {"reason": "spam"}
    )
    assert client.get(f"/s/{shared.share_token}/").status_code == 404
    by = {r.reporter.username: r.established for r in Report.objects.select_related("reporter")}
    assert by == {"young": False, "idle": False, "regular": True}


def test_an_age_of_zero_turns_the_age_rule_off(shared, client, settings):
    settings.PIXME_REPORTS_TO_HIDE = 1
    settings.PIXME_REPORTER_MIN_AGE_HOURS = 0
    visitor("newcomer").post(report_url(shared), {"reason": "spam"})  # has made nothing
    assert client.get(f"/s/{shared.share_token}/").status_code == 200
    visitor("maker", made=shared).post(report_url(shared), {"reason": "spam"})  # a minute old
    assert client.get(f"/s/{shared.share_token}/").status_code == 404


# --- the API -------------------------------------------------------------------------------


def test_report_through_the_api_once(bob, shared):
    api = api_for(bob)
    url = f"/api/shared/{shared.share_token}/reports/"
    response = api.post(url, {"reason": "hate", "note": "Slur in the caption"}, format="json")
    assert response.status_code == 201
    assert response.json()["reason"] == "hate"
    assert "reporter" not in response.json()
    again = api.post(url, {"reason": "spam"}, format="json")
    assert again.status_code == 400
    assert again.json() == {
        "detail": "You have already reported this avatar.",
        "code": "already_reported",
    }
    assert Report.objects.count() == 1


def test_the_api_checks_the_reason_the_sign_in_and_the_owner(alice, bob, shared):
    url = f"/api/shared/{shared.share_token}/reports/"
    assert APIClient().post(url, {"reason": "spam"}, format="json").status_code == 401
    assert api_for(bob).post(url, {"reason": "ugly"}, format="json").status_code == 400
    assert api_for(alice).post(url, {"reason": "spam"}, format="json").status_code == 400
    assert api_for(bob).post("/api/shared/nope/reports/", {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()
