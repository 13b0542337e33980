"""Bob finds Alice's shared avatar and reports it: a reason from the list and a note, once.
Enough open reports pause the link and put the avatar in the moderators' queue; Alice sees how
many reports there are, never who sent them."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import user_create
from avatars.models import Avatar, ModerationAction, Report
from avatars.services.sharing import avatar_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(alice_avatar):
    return avatar_share(avatar=alice_avatar)


def report_url(avatar):
    return reverse("share:report", args=[avatar.share_token])


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def visitor(name):
    from django.test import Client

    client = Client()
    client.force_login(user_create(username=name, password=f"{name}-Secret-123", email=""))
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
        visitor(name).post(report_url(shared), {"reason": "sexual"})
    shared.refresh_from_db()
    assert shared.moderation == Avatar.Moderation.OK
    assert client.get(f"/s/{shared.share_token}/").status_code == 200

    visitor("dave").post(report_url(shared), {"reason": "violence"})
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
    visitor("bob").post(report_url(shared), {"reason": "spam", "note": "Buy my stuff"})
    detail = reverse("avatars:detail", args=[shared.pk])
    html = alice_client.get(detail).content.decode()
    assert "1 open report." in html
    assert "bob" not in html and "Buy my stuff" not in html
    visitor("carol").post(report_url(shared), {"reason": "spam"})
    html = alice_client.get(detail).content.decode()
    assert "2 open reports: the link is paused until a moderator decides." in html
    assert "carol" not in html
    data = api_for(shared.owner).get(f"/api/avatars/{shared.pk}/").json()
    assert "bob" not in str(data) and "carol" not in str(data)


def test_a_paused_link_cannot_be_swapped_for_a_new_one(alice_client, shared, settings):
    settings.PIXME_REPORTS_TO_HIDE = 1
    token = shared.share_token
    visitor("bob").post(report_url(shared), {"reason": "spam"})
    response = alice_client.post(reverse("avatars:share", args=[shared.pk]), follow=True)
    assert "Sharing is paused while a moderator reviews reports" in response.content.decode()
    shared.refresh_from_db()
    assert shared.share_token == token


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
