"""The process decodes at most PIXME_DECODES_AT_ONCE uploads at a time: the others wait for a
free slot, up to PIXME_DECODE_WAIT_SECONDS, and are then told the server is busy (503 with
Retry-After), having written nothing. The tests take the slots themselves to fill them."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest
from django.urls import reverse

from avatars.models import Avatar, Turn
from avatars.services.decoding import decode_slot
from tests.conftest import in_background, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_slot(settings):
    settings.PIXME_DECODES_AT_ONCE = 1
    settings.PIXME_DECODE_WAIT_SECONDS = 0.3
    return settings


def _create(api, data: bytes):
    return api.post("/api/avatars/", {"photo": upload(data), "style": "comics"})


def test_an_upload_finding_every_slot_taken_is_told_to_come_back(alice_api, one_slot, selfie_jpeg):
    with decode_slot():
        started = time.monotonic()
        refused = _create(alice_api, selfie_jpeg)
        waited = time.monotonic() - started
    assert refused.status_code == 503
    assert refused.json() == {
        "detail": "The server is busy reading other photos right now. "
        "Please try again in a few seconds.",
        "code": "server_busy",
    }
    assert int(refused["Retry-After"]) > 0
    assert waited >= 0.3, "it waited for a slot first"
    assert not Avatar.objects.exists() and not Turn.objects.exists()
    # The slot free again, the same upload goes through.
    assert _create(alice_api, selfie_jpeg).status_code == 202


def test_the_page_says_the_server_is_busy(alice_client, one_slot, selfie_jpeg):
    data = {"photo": upload(selfie_jpeg), "style": "comics", "engine": "studio"}
    with decode_slot():
        refused = alice_client.post(reverse("avatars:new"), data)
    assert refused.status_code == 503 and int(refused["Retry-After"]) > 0
    assert "The server is busy reading other photos" in refused.content.decode()
    assert not Avatar.objects.exists()


def test_slots_are_counted_by_the_setting(alice_api, settings, selfie_jpeg):
    settings.PIXME_DECODES_AT_ONCE = 3
    settings.PIXME_DECODE_WAIT_SECONDS = 0.3
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    with ExitStack() as held:
        for _ in range(2):
            held.enter_context(decode_slot())
        assert _create(alice_api, selfie_jpeg).status_code == 202, "one slot of three was free"
        held.enter_context(decode_slot())
        assert _create(alice_api, selfie_jpeg).status_code == 503
    settings.PIXME_DECODES_AT_ONCE = 0  # no limit
    with decode_slot(), decode_slot():
        assert _create(alice_api, selfie_jpeg).status_code == 202


def test_a_file_refused_by_its_header_does_not_wait(alice_api, one_slot):
    one_slot.PIXME_DECODE_WAIT_SECONDS = 30
    with decode_slot():
        started = time.monotonic()
        refused = _create(alice_api, b"%PDF-1.7 not a photo" * 40)
        assert time.monotonic() - started < 5
    assert refused.status_code == 400 and refused.json()["code"] == "bad_image"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_waiting_upload_goes_ahead_when_a_slot_comes_free(
    alice_api, alice, one_slot, selfie_jpeg
):
    one_slot.PIXME_DECODE_WAIT_SECONDS = 30
    with decode_slot():
        sender, answers = in_background(lambda: _create(alice_api, selfie_jpeg))
        sender.join(timeout=1.0)
        assert sender.is_alive() and not Avatar.objects.exists(), "it waits in line"
    sender.join(timeout=60)
    assert answers[0].status_code == 202
    assert Avatar.objects.filter(owner=alice).count() == 1
