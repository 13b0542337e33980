"""Log-in brute force: after a handful of wrong passwords, log-in is paused — per username
and per address — on the log-in page, the admin's and the API's token endpoint, with a clear
message and a cool-off; the right password does not get through while it lasts."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

RIGHT = "alice-Secret-123"


def _page_login(client, username="alice", password="wrong", addr="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def _api_login(client, username="alice", password="wrong", addr="10.0.0.1"):
    return client.post(
        "/api/token/", {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def test_the_page_pauses_log_in_after_five_failures(alice, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _page_login(client).status_code == 200  # the form again, with its error
    locked = _page_login(client)
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60
    # The right password is refused too while the pause lasts.
    assert _page_login(client, password=RIGHT).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_pauses_after_five_failures(alice, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _api_login(client)
        assert response.status_code == 400
        assert response.json()["detail"] == "Wrong username or password."
    locked = _api_login(client)
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    assert "Too many failed log-in attempts" in locked.json()["detail"]
    assert locked["Retry-After"] == str(15 * 60)
    right = _api_login(client, password=RIGHT)
    assert right.status_code == 429 and "token" not in right.json()


def test_the_lock_is_per_username_from_any_address(alice, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _api_login(APIClient(), addr=f"10.0.1.{i}")
    assert _page_login(Client(), password=RIGHT, addr="10.9.9.9").status_code == 429


def test_the_lock_is_per_address_for_any_username(alice, bob, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _page_login(Client(), username=f"nobody{i}", addr="10.0.2.2")
    assert (
        _api_login(
            APIClient(), username="bob", password="bob-Secret-123", addr="10.0.2.2"
        ).status_code
        == 429
    )
    # Bob from his own address is not affected.
    ok = _api_login(APIClient(), username="bob", password="bob-Secret-123", addr="10.0.2.3")
    assert ok.status_code == 200 and ok.json()["token"]


def test_the_admin_log_in_is_covered_too(db, settings):
    User.objects.create_superuser("root", "root@example.com", "root-Secret-123")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": "root", "password": "nope"},
            REMOTE_ADDR="10.0.3.3",
        )
    locked = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "root-Secret-123"},
        REMOTE_ADDR="10.0.3.4",
    )
    assert locked.status_code == 429


def test_the_pause_ends_after_the_cool_off(alice, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _api_login(client)
    assert _api_login(client, password=RIGHT).status_code == 429
    # Sixteen minutes later (moved back in the database rather than waited for):
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 1.1)
    assert _api_login(client, password=RIGHT).status_code == 200


def test_a_right_password_before_the_limit_resets_the_count(alice, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _api_login(client)
    assert _api_login(client, password=RIGHT).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _api_login(client)
    assert _api_login(client, password=RIGHT).status_code == 200


def test_a_password_reset_lifts_the_pause_as_the_message_promises(alice, settings):
    client = APIClient()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _api_login(client, addr=f"10.0.4.{i}")
    assert _api_login(client, password=RIGHT, addr="10.0.4.99").status_code == 429
    alice.set_password("Brand-New-Pass-9")
    alice.save()
    assert _api_login(client, password="Brand-New-Pass-9", addr="10.0.4.99").status_code == 200
