"""The avatar page and its edit box: refusals up front, failures told once, words not codes,
looking at a version apart from editing from it."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from django.test import override_settings
from django.urls import reverse

from avatars.models import Style, Turn
from avatars.services.avatars import avatar_create
from avatars.services.turns import turn_request_edit, turn_retry
from pixme.errors import ApplicationError
from tests.conftest import tasks_on, token_client, upload

NOT_RUN = tasks_on("django_tasks.backends.dummy.DummyBackend")
REFUSED = "make me look ten years younger"


def page(client, avatar, query: str = "") -> str:
    return client.get(reverse("avatars:detail", args=[avatar.pk]) + query).content.decode()


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def failed_edit(avatar, run_jobs, *, code: str | None = None) -> Turn:
    """A version that failed while being drawn: "undo" with nothing earlier is a final
    failure; ``code`` re-labels it as another kind of failure (as if the engine had said so)."""
    with run_jobs():
        turn = turn_request_edit(avatar=avatar, instruction="undo")
    if code:
        Turn.objects.filter(pk=turn.pk).update(error_code=code)
    turn.refresh_from_db()
    assert turn.status == Turn.Status.FAILED
    return turn


# --- an edit the studio can only refuse -----------------------------------------------------


def test_the_form_refuses_it_under_the_box_keeping_what_was_typed(alice_client, alice_avatar):
    url = reverse("avatars:edit", args=[alice_avatar.pk])
    response = alice_client.post(url, {"instruction": REFUSED})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("The studio can&#x27;t do “make me look ten years younger”") == 1
    form = section(html, 'id="edit-form"', "</form>")
    assert 'class="field-error" id="edit-error"' in form and "can&#x27;t do" in form
    assert f'value="{REFUSED}"' in form and 'aria-invalid="true"' in form
    assert 'class="messages"' not in html  # not a flash at the top as well
    detail = reverse("avatars:detail", args=[alice_avatar.pk])
    assert 'href="?v=' not in html and f'href="{detail}?v=1"' in html  # links leave /edit/
    assert alice_avatar.turns.count() == 1  # nothing was made for it


def test_the_json_client_gets_a_400_with_the_message(alice_client, alice_avatar):
    url = reverse("avatars:edit", args=[alice_avatar.pk])
    response = alice_client.post(url, {"instruction": REFUSED}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_instruction" and "It can: add glasses" in body["detail"]
    assert alice_avatar.turns.count() == 1


def test_the_api_refuses_it_with_a_400(alice, alice_avatar):
    api = token_client(alice)
    url = reverse("api-edit", args=[alice_avatar.pk])
    response = api.post(url, {"instruction": REFUSED}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_instruction"
    assert "ten years younger" in response.json()["detail"]
    assert alice_avatar.turns.count() == 1


def test_a_refusal_costs_no_version_number(alice_client, alice_avatar, run_jobs):
    url = reverse("avatars:edit", args=[alice_avatar.pk])
    alice_client.post(url, {"instruction": REFUSED})
    with run_jobs():
        alice_client.post(url, {"instruction": "add a crown"})
    assert list(alice_avatar.turns.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_an_empty_edit_is_refused_under_the_box_too(alice_client, alice_avatar):
    response = alice_client.post(reverse("avatars:edit", args=[alice_avatar.pk]), {})
    assert response.status_code == 400
    assert "Tell us what to change" in section(
        response.content.decode(), 'id="edit-form"', "</form>"
    )
    assert alice_avatar.turns.count() == 1


# --- failures while drawing -----------------------------------------------------------------


def test_a_final_failure_is_told_once_with_no_retry(alice_client, alice_avatar, run_jobs):
    turn = failed_edit(alice_avatar, run_jobs)
    html = page(alice_client, alice_avatar)
    assert html.count("There&#x27;s nothing earlier to undo to.") == 1
    item = section(html, f'data-turn="{turn.pk}"', "</li>")
    assert 'class="turn-failure"' in item and "Retry" not in item
    live = section(html, 'id="live"', 'id="progress-template"')
    assert "progress-card" not in live  # no card lingering with a 1 % bar
    snapshot = alice_client.get(reverse("avatars:status", args=[alice_avatar.pk])).json()
    assert [t["retryable"] for t in snapshot["turns"]] == [False, False]


def test_a_final_failure_cannot_be_retried(alice_client, alice_avatar, run_jobs):
    turn = failed_edit(alice_avatar, run_jobs)
    with pytest.raises(ApplicationError) as refused:
        turn_retry(turn=turn)
    assert refused.value.code == "not_retryable"
    turn.refresh_from_db()
    assert turn.status == Turn.Status.FAILED and turn.error_code == "bad_request"


@pytest.mark.parametrize("code", ["unavailable", "rate_limited", "internal"])
def test_a_failure_a_retry_can_fix_offers_retry(alice_client, alice_avatar, run_jobs, code):
    turn = failed_edit(alice_avatar, run_jobs, code=code)
    item = section(page(alice_client, alice_avatar), f'data-turn="{turn.pk}"', "</li>")
    assert "turn-failure" in item and ">Retry</button>" in item
    retry = reverse("avatars:turn-action", args=[alice_avatar.pk, turn.pk, "retry"])
    with override_settings(TASKS=NOT_RUN):
        alice_client.post(retry)
    turn.refresh_from_db()
    assert turn.status == Turn.Status.QUEUED


def test_a_cancelled_version_offers_retry(alice_client, alice_avatar):
    with override_settings(TASKS=NOT_RUN):
        turn = turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    alice_client.post(reverse("avatars:turn-action", args=[alice_avatar.pk, turn.pk, "cancel"]))
    item = section(page(alice_client, alice_avatar), f'data-turn="{turn.pk}"', "</li>")
    assert "Cancelled." in item and ">Retry</button>" in item


# --- words a person reads -------------------------------------------------------------------


def test_stages_are_shown_in_words_and_kept_as_codes(alice_client, alice_avatar):
    with override_settings(TASKS=NOT_RUN):
        turn = turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    html = page(alice_client, alice_avatar)
    card = section(html, f'<div class="progress-card" data-turn="{turn.pk}"', "</form>")
    assert '<span class="progress-stage">Waiting</span>' in card
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.RUNNING, stage="stylise", percent=40)
    html = page(alice_client, alice_avatar)
    card = section(html, f'<div class="progress-card" data-turn="{turn.pk}"', "</form>")
    assert '<span class="progress-stage">Inking</span>' in card
    item = section(html, f'data-turn="{turn.pk}" class=', "</li>")
    assert f'data-words-for="{turn.pk}">Inking</span>' in item  # the card and timeline agree
    snapshot = alice_client.get(reverse("avatars:status", args=[alice_avatar.pk])).json()
    state = next(t for t in snapshot["turns"] if t["turn"] == turn.pk)
    assert (state["stage"], state["words"]) == ("stylise", "Inking")
    api = token_client(alice_avatar.owner)
    detail = api.get(reverse("api-avatar", args=[alice_avatar.pk])).json()
    assert next(t for t in detail["turns"] if t["turn"] == turn.pk)["stage"] == "stylise"


def test_the_first_version_is_not_the_selfie_while_it_is_drawn(alice, alice_client, selfie_jpeg):
    with override_settings(TASKS=NOT_RUN):
        avatar = avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="comics")
        )
    html = page(alice_client, avatar)
    assert "<h1>Comics avatar #1</h1>" in html  # numbered per owner
    assert "Your avatar is being drawn" in html
    assert 'id="compare-controls" hidden' in html  # no slider over the bare selfie
    assert "Version 1" not in section(html, '<figure class="compare"', "</figure>")
    assert "You can edit once the first version is drawn." in html


# --- looking at a version vs editing from it ------------------------------------------------


def test_viewing_an_old_version_still_edits_the_current_one(alice_client, alice_avatar, run_jobs):
    with run_jobs():
        v2 = turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    v1 = alice_avatar.turns.get(number=1)
    html = page(alice_client, alice_avatar, "?v=1")
    form = section(html, 'id="edit-form"', "</form>")
    assert f'name="parent" value="{v2.pk}"' in form
    assert "Your edit starts from v2, the current version." in form
    detail = reverse("avatars:detail", args=[alice_avatar.pk])
    assert f'href="{detail}?v=1&amp;edit=1#edit-form">Edit from v1 instead</a>' in form
    assert f'src="/avatars/{alice_avatar.pk}/v/{v1.pk}/image.png"' in html  # v1 is shown
    assert '<label for="compare-slider">Before / after</label>' in html

    html = page(alice_client, alice_avatar, "?v=1&edit=1")
    form = section(html, 'id="edit-form"', "</form>")
    assert f'name="parent" value="{v1.pk}"' in form
    assert "Your edit starts from v1</strong>, not the current v2" in form


def test_every_version_action_is_a_separate_button(alice_client, alice_avatar, run_jobs):
    with run_jobs():
        turn_request_edit(avatar=alice_avatar, instruction="add a crown")
    v1 = alice_avatar.turns.get(number=1)
    item = section(page(alice_client, alice_avatar), f'data-turn="{v1.pk}"', "</li>")
    actions = section(item, 'class="turn-actions"', "</div>")
    assert actions.count('class="button small ghost"') == 3
    assert ">View</a>" in actions and ">Edit from here</a>" in actions
    assert ">Make current</button>" in actions


# --- images -----------------------------------------------------------------------------------


def test_images_are_served_to_asgi_without_the_sync_iterator_warning(alice_client, alice_avatar):
    turn = alice_avatar.current_turn
    url = reverse("avatars:turn-download", args=[alice_avatar.pk, turn.pk, "png"])
    response = alice_client.get(url)
    assert response["Content-Disposition"].startswith("attachment;")

    async def read_as_asgi_does():
        return b"".join([part async for part in response])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = asyncio.run(read_as_asgi_does())
    with turn.image.open("rb") as fh:
        assert body == fh.read()
    assert int(response["Content-Length"]) == len(body)
