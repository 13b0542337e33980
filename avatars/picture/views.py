"""The picture URL on the site: the public answer (the Django way in: the test client, a WSGI
server; uvicorn answers through ``avatars.picture.asgi`` before Django's stack), the profile
page's section that turns it on and off, and the avatar page's profile-picture exports."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.confirmation import email_state
from avatars.lookups import avatar_for, turn_for
from avatars.models import Avatar, Turn
from avatars.moderation.rules import MODERATED
from avatars.picture.answer import picture_answer, picture_query, rate_limited
from avatars.picture.services import (
    picture_export_zip,
    picture_get,
    picture_preview,
    picture_publish,
    picture_rate_check,
    picture_unpublish,
    picture_url_paths,
)
from avatars.selectors import avatar_list_for_user
from pixme.client_address import client_address
from pixme.errors import ApplicationError
from pixme.http import stored_file_response
from pixme.numbers import parse_int


@require_safe
def picture_public(request: HttpRequest, name: str) -> HttpResponse:
    wait = picture_rate_check(address=client_address(request))
    if wait is not None:
        answer = rate_limited(wait)
    else:
        answer = picture_answer(
            picture_query(
                name=name,
                params={key: request.GET.get(key, "") for key in request.GET},
                accept=request.headers.get("Accept", ""),
                if_none_match=request.headers.get("If-None-Match", ""),
            )
        )
    return HttpResponse(answer.body, status=answer.status, headers=answer.headers)


# --- the profile page's section (accounts.signals.profile_page) ------------------------


def picture_profile_context(request: HttpRequest) -> dict:
    user = request.user
    picture = picture_get(user=user)
    chosen = "off"
    if picture is not None:
        chosen = f"t:{picture.turn_id}" if picture.turn_id else f"a:{picture.avatar_id}"
    groups = []
    for avatar in avatar_list_for_user(user=user).prefetch_related("turns"):
        versions = [t for t in avatar.turns.all() if t.status == Turn.Status.SUCCEEDED and t.image]
        if not versions or avatar.moderation in MODERATED:
            continue
        options = [(f"a:{avatar.pk}", "its current version (follows your edits)")]
        options += [(f"t:{t.pk}", f"version {t.number} only") for t in versions]
        groups.append(
            {
                "label": str(avatar),
                "options": [
                    {"value": value, "text": text, "selected": value == chosen}
                    for value, text in options
                ],
            }
        )
    paths = picture_url_paths(user=user)
    return {
        "picture": {
            "enabled": picture is not None,
            "groups": groups,
            "email": email_state(user=user),
            "path": paths[0] if paths else "",
            "url": request.build_absolute_uri(paths[0]) if paths else "",
            "md5_url": request.build_absolute_uri(paths[1]) if paths else "",
        }
    }


@login_required
@require_POST
def picture_choose(request: HttpRequest) -> HttpResponse:
    """Off, an avatar (``a:<id>``, following its current version) or one version (``t:<id>``)."""
    choice = request.POST.get("picture", "off")
    try:
        if choice == "off":
            picture_unpublish(user=request.user)
            messages.success(request, "Your picture URL shows the default picture again.")
        else:
            kind, _, number = choice.partition(":")
            if kind not in ("a", "t"):
                raise Http404
            avatar, turn = _chosen(request, kind, parse_int(number, low=1, name="The choice"))
            picture_publish(user=request.user, avatar=avatar, turn=turn)
            messages.success(request, "Your picture URL shows it now.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("profile") + "#picture")


def _chosen(request: HttpRequest, kind: str, number: int) -> tuple[Avatar, Turn | None]:
    if kind == "a":
        return avatar_for(request, number), None
    turn = Turn.objects.select_related("avatar").filter(pk=number).first()
    if turn is None:
        raise Http404
    turn = turn_for(request, turn.avatar_id, turn.pk)  # someone else's: 404
    return turn.avatar, turn


# --- the avatar page's exports ---------------------------------------------------------


@login_required
@require_safe
def picture_square_preview(request: HttpRequest, avatar_id: int, turn_id: int) -> HttpResponse:
    """The version framed on the face, 256 px: the page shows it square and round."""
    turn = turn_for(request, avatar_id, turn_id)
    try:
        data = picture_preview(turn=turn)
    except ApplicationError as exc:
        return _refused(exc)
    return stored_file_response(io.BytesIO(data), content_type="image/png")


@login_required
@require_safe
def picture_zip_download(request: HttpRequest, avatar_id: int, turn_id: int) -> HttpResponse:
    """The version's profile pictures: squares at the sizes sites ask for, and a round one."""
    turn = turn_for(request, avatar_id, turn_id)
    try:
        data, filename = picture_export_zip(turn=turn)
    except ApplicationError as exc:
        return _refused(exc)
    return stored_file_response(io.BytesIO(data), content_type="application/zip", filename=filename)


def _refused(exc: ApplicationError) -> HttpResponse:
    return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
