"""Several takes: "make 1–4 versions" on create. Each take is a version on its own branch,
all drawn in one job; they are ranked by likeness, the best becomes current, and the user
keeps whichever they like — the others stay."""

from __future__ import annotations

import hashlib

import pytest
from django.dispatch import receiver
from django.test import override_settings
from django_tasks.signals import task_enqueued

from avatars.forms import AvatarCreateForm
from avatars.models import Avatar, Style, Turn
from avatars.selectors import take_list_for_avatar
from avatars.services.avatars import avatar_create
from avatars.services.takes import takes_best_choose
from avatars.services.turn_run import turn_run
from avatars.services.turns import turn_revert
from pixme.errors import ApplicationError
from tests.conftest import tasks_on, token_client, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    return token_client(alice)


@pytest.fixture
def enqueued():
    """The task paths queued during the test, in order."""
    paths: list[str] = []

    @receiver(task_enqueued, weak=False)
    def record(sender, task_result, **kwargs):
        paths.append(task_result.task.module_path)

    yield paths
    task_enqueued.disconnect(record)


def _create(api, selfie_jpeg, **extra):
    return api.post(
        "/api/avatars/",
        {"photo": upload(selfie_jpeg), "style": "comics", **extra},
        format="multipart",
    )


def _digest(turn: Turn) -> str:
    with turn.image.open("rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_three_takes_are_three_versions_drawn_in_one_job(
    api, alice, selfie_jpeg, run_jobs, enqueued
):
    with run_jobs():
        response = _create(api, selfie_jpeg, variants=3)
    assert response.status_code == 202, response.json()
    queued = response.json()["turns"]
    assert [(t["number"], t["variant"], t["parent"]) for t in queued] == [
        (1, 0, None),
        (2, 1, None),
        (3, 2, None),
    ]
    # One job draws every take; each take's likeness and WebP are a background job of its own.
    assert (
        enqueued
        == ["avatars.services.takes.render_takes"] + ["avatars.services.after_work.after_work"] * 3
    )
    avatar = Avatar.objects.get(owner=alice)
    takes = list(avatar.turns.order_by("number"))
    assert all(t.status == Turn.Status.SUCCEEDED for t in takes), [t.error_message for t in takes]
    assert all(t.kind == Turn.Kind.GENERATE and t.parent is None for t in takes)
    assert len({_digest(t) for t in takes}) == 3, "three different pictures, not copies"
    assert all(t.likeness is not None for t in takes)


def test_takes_are_ranked_by_likeness_and_the_best_is_current(api, alice, selfie_jpeg, run_jobs):
    with run_jobs():
        avatar_id = _create(api, selfie_jpeg, variants=3).json()["id"]
    body = api.get(f"/api/avatars/{avatar_id}/").json()
    likeness = {t["turn"]: t["likeness"] for t in body["turns"]}
    assert sorted(body["takes"], key=likeness.get) == body["takes"], "most like you first"
    assert len(body["takes"]) == 3
    assert body["current"] == body["takes"][0]
    avatar = Avatar.objects.get(pk=avatar_id)
    ranked = take_list_for_avatar(avatar=avatar)
    assert [t.pk for t in ranked] == body["takes"]
    assert [t.rank for t in ranked] == [1, 2, 3]
    assert all(t.likeness_text.endswith("likeness") for t in ranked)


def test_the_user_keeps_another_take_and_the_others_stay(api, alice, selfie_jpeg, run_jobs):
    with run_jobs():
        avatar_id = _create(api, selfie_jpeg, variants=3).json()["id"]
    takes = api.get(f"/api/avatars/{avatar_id}/").json()["takes"]
    kept = api.post(f"/api/avatars/{avatar_id}/turns/{takes[2]}/revert/")
    assert kept.status_code == 200
    assert kept.json()["current"] == takes[2]
    assert sorted(kept.json()["takes"]) == sorted(takes), "the other takes are kept"
    assert Turn.objects.filter(avatar_id=avatar_id, status=Turn.Status.SUCCEEDED).count() == 3


def test_one_take_is_the_create_as_it_always_was(api, alice, selfie_jpeg, run_jobs, enqueued):
    with run_jobs():
        body = _create(api, selfie_jpeg).json()
    assert enqueued == [
        "avatars.services.turn_run.render_turn",
        "avatars.services.after_work.after_work",
    ]
    assert [t["variant"] for t in body["turns"]] == [0]
    assert api.get(f"/api/avatars/{body['id']}/").json()["takes"] == [body["turns"][0]["turn"]]


@pytest.mark.parametrize("variants", [0, 5, "x", "2.5"])
def test_it_refuses_a_number_of_takes_it_does_not_draw(api, alice, selfie_jpeg, variants):
    response = _create(api, selfie_jpeg, variants=variants)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "variants" in response.json()["errors"]
    assert not Avatar.objects.filter(owner=alice).exists(), "nothing written"


@pytest.mark.parametrize("variants", [0, 5, True])
def test_the_service_refuses_them_in_words(alice, selfie_jpeg, variants):
    with pytest.raises(ApplicationError, match="Ask for 1 to 4 takes"):
        avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            variants=variants,
        )
    assert not Avatar.objects.filter(owner=alice).exists()


def test_the_fair_use_cap_counts_every_take(api, alice, selfie_jpeg, settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 3
    too_many = _create(api, selfie_jpeg, variants=4)
    assert too_many.status_code == 400 and too_many.json()["code"] == "bad_option"
    assert "at most 3 of your versions at once" in too_many.json()["detail"]
    assert not Avatar.objects.filter(owner=alice).exists(), "nothing written"
    # Outside run_jobs nothing is drawn: one version waits, so three more would pass the cap.
    assert _create(api, selfie_jpeg).status_code == 202
    busy = _create(api, selfie_jpeg, variants=3)
    assert busy.status_code == 429 and busy.json()["code"] == "busy"
    assert "ask for fewer takes" in busy.json()["detail"]
    assert Turn.objects.filter(avatar__owner=alice).count() == 1, "nothing written"
    assert _create(api, selfie_jpeg, variants=2).status_code == 202


def test_the_page_offers_no_more_takes_than_the_cap(db, settings):
    settings.PIXME_MAX_UNFINISHED_PER_USER = 3
    assert [v for v, _ in AvatarCreateForm().fields["variants"].choices] == [1, 2, 3]
    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    assert [v for v, _ in AvatarCreateForm().fields["variants"].choices] == [1, 2, 3, 4]


def test_the_form_reads_the_number_of_takes(db, selfie_jpeg):
    data = {"style": "comics", "engine": "studio", "variants": "2"}
    form = AvatarCreateForm(data, {"photo": upload(selfie_jpeg)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["variants"] == 2
    data.pop("variants")
    form = AvatarCreateForm(data, {"photo": upload(selfie_jpeg)})
    assert form.is_valid() and form.cleaned_data["variants"] == 1


def _queued_takes(alice, selfie_jpeg, count: int) -> tuple[Avatar, list[Turn]]:
    """An avatar with ``count`` takes queued but not drawn (the job never ran)."""
    avatar = avatar_create(
        owner=alice,
        upload=upload(selfie_jpeg),
        style=Style.objects.get(slug="manga"),
        variants=count,
    )
    return avatar, list(avatar.turns.order_by("number"))


def _draw_unmeasured(turn_ids: list[int]) -> None:
    """Draw the takes, leaving their after-work (the likeness) undone: the test sets it."""
    with override_settings(TASKS=tasks_on("django_tasks.backends.dummy.DummyBackend")):
        for turn_id in turn_ids:
            turn_run(turn_id=turn_id)
    Turn.objects.filter(pk__in=turn_ids).update(after_work=Turn.AfterWork.NONE)


def test_a_choice_made_while_the_takes_were_drawn_stands(alice, selfie_jpeg):
    avatar, takes = _queued_takes(alice, selfie_jpeg, 3)
    ids = [t.pk for t in takes]
    turn_run(turn_id=ids[0])
    turn_run(turn_id=ids[1])
    # The user keeps take 2 while take 3 is still to draw: neither take 3 finishing nor the
    # best one's choice takes it from them.
    turn_revert(avatar=avatar, turn=Turn.objects.get(pk=ids[1]))
    turn_run(turn_id=ids[2])
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[1]
    Turn.objects.filter(pk=ids[2]).update(likeness=0.01)  # the best
    assert takes_best_choose(turn_ids=ids) is None
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[1]


def test_the_best_take_wins_over_the_first_one_drawn(alice, selfie_jpeg):
    avatar, takes = _queued_takes(alice, selfie_jpeg, 3)
    ids = [t.pk for t in takes]
    _draw_unmeasured(ids)
    # The first take drawn is shown at once; the later ones don't take over from it.
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[0], "the first drawn"
    # Likeness decides, whatever the order they were drawn in; unmeasured ranks last.
    Turn.objects.filter(pk=ids[0]).update(likeness=None)
    Turn.objects.filter(pk=ids[1]).update(likeness=0.41)
    Turn.objects.filter(pk=ids[2]).update(likeness=0.33)
    assert takes_best_choose(turn_ids=ids).pk == ids[2]
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[2]
    assert [t.pk for t in take_list_for_avatar(avatar=avatar)] == [ids[2], ids[1], ids[0]]


def test_a_failed_take_ranks_last_and_the_rest_still_choose(alice, selfie_jpeg):
    avatar, takes = _queued_takes(alice, selfie_jpeg, 3)
    Turn.objects.filter(pk=takes[1].pk).update(status=Turn.Status.CANCELLED)
    for take in takes:
        turn_run(turn_id=take.pk)
    ids = [t.pk for t in takes]
    best = takes_best_choose(turn_ids=ids)
    assert best is not None and best.pk in (ids[0], ids[2])
    assert take_list_for_avatar(avatar=avatar)[-1].pk == ids[1]


def test_takes_recovered_one_by_one_still_end_on_the_best(alice, selfie_jpeg, run_jobs):
    """After a restart the takes are re-queued one by one (render_turn): when the last of them
    is drawn the best becomes current, as the takes' own job would have made it, and open
    pages hear of it."""
    from avatars.tasks import render_turn
    from tests.conftest import Listener

    avatar, takes = _queued_takes(alice, selfie_jpeg, 2)
    ids = [t.pk for t in takes]
    listener = Listener(avatar.pk)
    with run_jobs():  # each job commits what it did
        render_turn.call(ids[0])
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[0]  # shown at once
    Turn.objects.filter(pk=ids[0]).update(likeness=5.0)  # further than any drawing gets
    with run_jobs():
        render_turn.call(ids[1])  # the last take: once drawn, the best of them is current
    assert Turn.objects.get(pk=ids[1]).likeness < 5.0
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[1]
    events = [e for e in listener.drain() if e["type"] == "current"]
    assert events == [{"type": "current", "turn": ids[1]}]


def test_the_best_take_is_chosen_once_the_last_likeness_is_measured(alice, selfie_jpeg, run_jobs):
    """The takes' job ends before their likenesses are measured (each take's after-work is a
    background job): the best is chosen by the last of those to finish, not on guesses."""
    from avatars.tasks import after_work, render_takes
    from tests.conftest import Listener

    avatar, takes = _queued_takes(alice, selfie_jpeg, 2)
    ids = [t.pk for t in takes]
    listener = Listener(avatar.pk)
    with override_settings(TASKS=tasks_on("django_tasks.backends.dummy.DummyBackend")):
        render_takes.call(ids)  # every take drawn; their after-work queued, not done
    assert [t.after_work for t in avatar.turns.order_by("number")] == ["queued", "queued"]
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[0]  # the first drawn
    after_work.call(ids[0])
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[0], "take 2 is unmeasured"
    Turn.objects.filter(pk=ids[0]).update(likeness=5.0)  # further than any drawing gets
    with run_jobs():  # the job commits what it did
        after_work.call(ids[1])  # the last likeness: now the best is chosen
    assert Avatar.objects.get(pk=avatar.pk).current_turn_id == ids[1]
    current = [e for e in listener.drain() if e["type"] == "current"]
    assert current == [{"type": "current", "turn": ids[1]}]


# --- Gemini: each take is its own call ------------------------------------------------------


def test_gemini_draws_each_take_with_its_own_call(
    alice, gemini_settings, gemini_server, selfie_jpeg, run_jobs
):
    with run_jobs():
        avatar = avatar_create(
            owner=alice,
            upload=upload(selfie_jpeg),
            style=Style.objects.get(slug="comics"),
            engine="gemini",
            variants=3,
        )
    calls = [r for r in gemini_server.requests if r.method == "POST" and r.model]
    assert len(calls) == 3, [r.path for r in gemini_server.requests]
    takes = list(avatar.turns.order_by("number"))
    assert [t.status for t in takes] == [Turn.Status.SUCCEEDED] * 3
    assert [t.variant for t in takes] == [0, 1, 2]


def test_gemini_takes_count_against_the_daily_quota(
    alice, gemini_settings, gemini_server, selfie_jpeg
):
    gemini_settings.PIXME_DAILY_QUOTA = 2
    gemini_settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    comics = Style.objects.get(slug="comics")
    with pytest.raises(ApplicationError, match="You have 2 generations left today") as refused:
        avatar_create(
            owner=alice, upload=upload(selfie_jpeg), style=comics, engine="gemini", variants=3
        )
    assert refused.value.code == "quota"
    assert not Avatar.objects.filter(owner=alice).exists(), "nothing written"
    assert gemini_server.requests == []
    avatar_create(
        owner=alice, upload=upload(selfie_jpeg), style=comics, engine="gemini", variants=2
    )
    assert Turn.objects.filter(avatar__owner=alice).count() == 2


def test_the_takes_panel_shows_them_side_by_side_best_first(alice, selfie_jpeg):
    from django.template.loader import render_to_string

    avatar, takes = _queued_takes(alice, selfie_jpeg, 3)
    ids = [t.pk for t in takes]
    _draw_unmeasured(ids)
    Turn.objects.filter(pk=ids[0]).update(likeness=0.7)
    Turn.objects.filter(pk=ids[1]).update(likeness=0.3)
    Turn.objects.filter(pk=ids[2]).update(likeness=0.5)
    takes_best_choose(turn_ids=ids)
    avatar.refresh_from_db()
    html = render_to_string(
        "avatars/_takes.html", {"avatar": avatar, "takes": take_list_for_avatar(avatar=avatar)}
    )
    order = [html.index(f'data-turn="{pk}"') for pk in (ids[1], ids[2], ids[0])]
    assert order == sorted(order), "best first"
    assert html.count("Keep this one") == 2 and html.count('class="current-tag"') == 1
    assert "Best: strong likeness" in html
    assert f"/v/{ids[1]}/revert/" not in html, "no button on the current one"
    one = avatar_create(
        owner=alice, upload=upload(selfie_jpeg), style=Style.objects.get(slug="manga")
    )
    alone = render_to_string(
        "avatars/_takes.html", {"avatar": one, "takes": take_list_for_avatar(avatar=one)}
    )
    assert alone.strip() == "", "nothing for an avatar made with one take"


def test_the_create_page_makes_the_takes_and_shows_them_side_by_side(
    alice_client, selfie_jpeg, run_jobs
):
    with run_jobs():
        response = alice_client.post(
            "/avatars/new/",
            {"photo": upload(selfie_jpeg), "style": "manga", "engine": "studio", "variants": "2"},
        )
    assert response.status_code == 302, response.context["form"].errors
    avatar = Avatar.objects.get()
    assert sorted(avatar.turns.values_list("number", "variant", "parent")) == [
        (1, 0, None),
        (2, 1, None),
    ]
    page = alice_client.get(response["Location"]).content.decode()
    assert page.count('class="take ') == 2 and "Your 2 takes" in page
    assert page.count("Keep this one") == 1
