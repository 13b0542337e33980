"""One user cannot flood the drawing desks: at most PIXME_MAX_UNFINISHED_PER_USER versions
queued or drawing at once, and the API's rates (a burst, a sustained rate, a stricter one for
creating and editing). Both are settings so load tests can lift them."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from avatars.models import Avatar, Turn
from avatars.services import limits
from avatars.services.decoding import decode_slot
from avatars.services.turns import turn_request_edit
from pixme.errors import ApplicationError
from tests.conftest import api_token, in_background, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice, used=True)}")
    return client


def _create(api, selfie_jpeg):
    # Outside run_jobs the job is never started: the version stays queued (unfinished).
    return api.post(
        "/api/avatars/", {"photo": upload(selfie_jpeg), "style": "comics"}, format="multipart"
    )


def test_the_fourth_unfinished_create_waits(api, alice, selfie_jpeg):
    for _ in range(3):
        assert _create(api, selfie_jpeg).status_code == 202
    refused = _create(api, selfie_jpeg)
    assert refused.status_code == 429
    assert refused.json()["code"] == "busy"
    assert "wait for your running avatars" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert Avatar.objects.filter(owner=alice).count() == 3, "nothing written for the refusal"


NOT_A_PHOTO = b"%PDF-1.7 not a photo at all" * 40


@pytest.mark.parametrize("where", ["api", "page"])
def test_a_user_at_their_cap_is_refused_before_the_photo_is_read(
    api, alice_client, alice, selfie_jpeg, where
):
    for _ in range(3):
        assert _create(api, selfie_jpeg).status_code == 202
    # Not an image at all: read, it would be a 400 "isn't a photo"; the cap comes first.
    if where == "api":
        refused = api.post(
            "/api/avatars/", {"photo": upload(NOT_A_PHOTO), "style": "comics"}, format="multipart"
        )
        assert refused.json()["code"] == "busy"
    else:
        data = {"photo": upload(NOT_A_PHOTO), "style": "comics", "engine": "studio"}
        refused = alice_client.post(reverse("avatars:new"), data)
        assert "wait for your running avatars" in refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Avatar.objects.filter(owner=alice).count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_uploads_still_being_read_count_against_the_cap(api, alice, selfie_jpeg, settings):
    """Uploads sent at once must not all pass the cap before any is written (each would be
    decoded, to be refused after). The first upload is held in line for a decoding slot
    (the test takes the only one) while the second arrives."""
    settings.PIXME_MAX_UNFINISHED_PER_USER = 1
    settings.PIXME_DECODES_AT_ONCE = 1
    settings.PIXME_DECODE_WAIT_SECONDS = 30
    # The second asks again and again until the first has its place: no rate may stop it.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
    }
    # A token noted as just used: a token's use is written at most once a minute, so the two
    # requests at once can't collide on that write in the tests' in-memory database.
    second = APIClient()
    second.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice, used=True)}")
    with decode_slot():
        sender, answers = in_background(lambda: _create(api, selfie_jpeg))
        # Wait until the first upload holds its place (it then waits for the decoding slot
        # the test holds). Asking while it starts would race it: a request being read holds
        # a place too, so the first could be the one refused.
        deadline = time.monotonic() + 90  # a bound for a busy machine, not a speed test
        while not limits._reading.get(alice.pk) and time.monotonic() < deadline:
            assert sender.is_alive(), f"the first upload was answered: {answers}"
            time.sleep(0.02)
        assert limits._reading.get(alice.pk) == 1, "the first upload never took its place"
        # Not an image: read, it would be refused as one (400); the cap refuses it unread.
        response = second.post("/api/avatars/", {"photo": upload(NOT_A_PHOTO), "style": "comics"})
        assert response.status_code == 429 and response.json()["code"] == "busy"
        assert sender.is_alive() and not Avatar.objects.exists(), "the first is still waiting"
    sender.join(timeout=60)
    assert answers[0].status_code == 202
    assert Avatar.objects.filter(owner=alice).count() == 1


def test_finished_versions_free_a_place(api, alice, selfie_jpeg, run_jobs):
    for _ in range(4):
        with run_jobs():
            assert _create(api, selfie_jpeg).status_code == 202
    assert Turn.objects.filter(avatar__owner=alice, status=Turn.Status.SUCCEEDED).count() == 4


def test_edits_count_too(api, alice, alice_avatar):
    for instruction in ("add a crown", "add round glasses", "make it warmer"):
        assert (
            api.post(
                f"/api/avatars/{alice_avatar.pk}/edits/",
                {"instruction": instruction},
                format="json",
            ).status_code
            == 202
        )
    refused = api.post(
        f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": "add a cap"}, format="json"
    )
    assert refused.status_code == 429 and refused.json()["code"] == "busy"
    assert alice_avatar.turns.count() == 4


def test_another_user_is_not_held_up(api, alice, bob, selfie_jpeg):
    for _ in range(3):
        _create(api, selfie_jpeg)
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(bob)}")
    assert _create(bob_api, selfie_jpeg).status_code == 202


def test_the_page_says_to_wait(alice_client, alice, selfie_jpeg):
    data = {"style": "comics", "engine": "studio"}
    for _ in range(3):
        response = alice_client.post(reverse("avatars:new"), {**data, "photo": upload(selfie_jpeg)})
        assert response.status_code == 302
    response = alice_client.post(reverse("avatars:new"), {**data, "photo": upload(selfie_jpeg)})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "You already have 3 avatars being drawn" in response.content.decode()
    assert "wait for your running avatars" in response.content.decode()


def test_the_pages_edit_says_to_wait_too(alice_client, alice, alice_avatar, settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 1
    url = reverse("avatars:edit", args=[alice_avatar.pk])
    json_client = {"HTTP_ACCEPT": "application/json"}
    assert alice_client.post(url, {"instruction": "add a crown"}, **json_client).status_code == 202
    refused = alice_client.post(url, {"instruction": "add a cap"}, **json_client)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.json()["code"] == "busy"
    assert "You already have 1 avatar being drawn" in refused.json()["detail"]
    assert alice_avatar.turns.count() == 2


def test_retrying_a_failed_version_counts(alice, alice_avatar, settings, run_jobs):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 1
    with run_jobs():
        failed = turn_request_edit(avatar=alice_avatar, instruction="undo")  # nothing earlier
    failed.refresh_from_db()
    assert failed.status == Turn.Status.FAILED
    Turn.objects.filter(pk=failed.pk).update(error_code="unavailable")  # as if the engine were down
    turn_request_edit(avatar=alice_avatar, instruction="add a crown")  # queued, not run
    from avatars.services.turns import turn_retry

    with pytest.raises(ApplicationError) as exc:
        turn_retry(turn=failed)
    assert exc.value.code == "busy"


def test_zero_lifts_the_cap(api, alice, selfie_jpeg, settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    for _ in range(5):
        assert _create(api, selfie_jpeg).status_code == 202


def test_the_create_rate_throttles_creates_and_edits_only(api, alice, alice_avatar, settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "create": "2/min",
        },
    }
    url = f"/api/avatars/{alice_avatar.pk}/edits/"
    assert api.post(url, {"instruction": "add a crown"}, format="json").status_code == 202
    assert api.post(url, {"instruction": "add a cap"}, format="json").status_code == 202
    throttled = api.post(url, {"instruction": "add a beard"}, format="json")
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    # Reading is not creating.
    assert api.get(f"/api/avatars/{alice_avatar.pk}/").status_code == 200
    assert alice_avatar.turns.count() == 3


def test_the_burst_rate_throttles_everything(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "burst": "5/min",
        },
    }
    codes = [api.get("/api/styles/").status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2


@pytest.mark.parametrize(
    ("raw", "expected"), [("", "10/min"), ("off", None), ("0", None), ("30/hour", "30/hour")]
)
def test_rates_come_from_the_environment(monkeypatch, raw, expected):
    from pixme.env import env_rate

    monkeypatch.setenv("PIXME_CREATE_RATE", raw)
    assert env_rate("PIXME_CREATE_RATE", "10/min") == expected


def test_a_malformed_rate_stops_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from pixme.env import env_rate

    monkeypatch.setenv("PIXME_CREATE_RATE", "lots")
    with pytest.raises(ImproperlyConfigured, match="PIXME_CREATE_RATE"):
        env_rate("PIXME_CREATE_RATE", "10/min")


# --- one limit for the site and the API ----------------------------------------------------


def _create_rate(settings, rate: str) -> None:
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "create": rate,
        },
    }


def test_the_pages_count_against_the_apis_create_rate(
    api, alice, alice_client, alice_avatar, selfie_jpeg, settings
):
    """Edits, creates and retries from the site and the API draw on one counter: after two
    edits (one from each), the page's create and edit and the API's edit all wait."""
    _create_rate(settings, "2/min")
    edit_page = reverse("avatars:edit", args=[alice_avatar.pk])
    json_page = {"HTTP_ACCEPT": "application/json"}
    edit = alice_client.post(edit_page, {"instruction": "add a crown"}, **json_page)
    assert edit.status_code == 202
    assert (
        api.post(
            f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": "add a cap"}, format="json"
        ).status_code
        == 202
    )

    created = alice_client.post(
        reverse("avatars:new"),
        {"style": "comics", "engine": "studio", "photo": upload(selfie_jpeg)},
    )
    assert created.status_code == 429 and 0 < int(created["Retry-After"]) <= 60
    assert "Please try again in" in created.content.decode()
    edited = alice_client.post(edit_page, {"instruction": "add a beard"}, **json_page)
    assert edited.status_code == 429 and 0 < int(edited["Retry-After"]) <= 60
    assert edited.json()["code"] == "throttled"
    page = alice_client.post(edit_page, {"instruction": "add a beard"})
    assert page.status_code == 429 and "Please try again in" in page.content.decode()
    refused = api.post(
        f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": "add a beard"}, format="json"
    )
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert alice_avatar.turns.count() == 3, "two edits, nothing for the refusals"
    assert Avatar.objects.filter(owner=alice).count() == 1


def test_a_retry_and_a_reel_count_too(alice, alice_client, alice_avatar, run_jobs, settings):
    with run_jobs():
        failed = turn_request_edit(avatar=alice_avatar, instruction="undo")  # nothing earlier
    Turn.objects.filter(pk=failed.pk).update(error_code="unavailable")  # a retry could help
    _create_rate(settings, "1/min")
    assert alice_client.post(f"/api/avatars/{alice_avatar.pk}/reel/").status_code == 202
    retry = reverse("avatars:turn-action", args=[alice_avatar.pk, failed.pk, "retry"])
    refused = alice_client.post(retry)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Please try again in" in refused.content.decode()
    failed.refresh_from_db()
    assert failed.status == Turn.Status.FAILED, "not queued again"
    shared = alice_client.post(reverse("avatars:share", args=[alice_avatar.pk]), {"reel": "1"})
    assert shared.status_code == 429
    alice_avatar.refresh_from_db()
    assert not alice_avatar.share_token, "not shared either: nothing half-done"


# --- how long an instruction may be --------------------------------------------------------

# A fine edit, repeated: on its own it is one ask the studio can draw.
LONG = ("add round glasses " * 30).strip()
TOO_LONG = "more than 500 characters: ask for one or two things at a time"


def test_a_long_instruction_is_refused_before_anything_reads_it(
    api, alice, alice_client, alice_avatar, selfie_jpeg
):
    assert len(LONG) > 500
    edit_page = reverse("avatars:edit", args=[alice_avatar.pk])
    page = alice_client.post(edit_page, {"instruction": LONG})
    assert page.status_code == 400 and TOO_LONG in page.content.decode()
    assert 'maxlength="500"' in page.content.decode()
    as_json = alice_client.post(edit_page, {"instruction": LONG}, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 400 and TOO_LONG in as_json.json()["detail"]
    edit = api.post(f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": LONG}, format="json")
    assert edit.status_code == 400 and TOO_LONG in edit.json()["detail"]
    create = api.post(
        "/api/avatars/",
        {"photo": upload(selfie_jpeg), "style": "comics", "instruction": LONG},
        format="multipart",
    )
    assert create.status_code == 400 and TOO_LONG in create.json()["detail"]
    with pytest.raises(ApplicationError, match=TOO_LONG):
        turn_request_edit(avatar=alice_avatar, instruction=LONG)
    assert alice_avatar.turns.count() == 1 and Avatar.objects.filter(owner=alice).count() == 1
    # At the cap it is read (and queued) as ever.
    at_cap = "add round glasses" + "," * (500 - len("add round glasses"))
    edit = api.post(
        f"/api/avatars/{alice_avatar.pk}/edits/", {"instruction": at_cap}, format="json"
    )
    assert edit.status_code == 202, edit.content
