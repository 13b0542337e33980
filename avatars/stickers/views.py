"""The avatar page's sticker-pack builder without JavaScript: the form posts here, the pack is
asked for, and the page lists it (being made, then its download and a preview of its
stickers). The page's script asks the API instead and follows the pack to its download
without a reload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from avatars.lookups import avatar_for
from avatars.stickers.services import (
    sticker_pack_download,
    sticker_pack_get,
    sticker_pack_request,
    sticker_pack_sticker,
)
from pixme.api.throttles import CreateRateThrottle, rate_limit_check
from pixme.errors import ApplicationError
from pixme.numbers import parse_int


@login_required
@require_POST
def sticker_pack_create_view(request: HttpRequest) -> HttpResponse:
    avatar = avatar_for(
        request, parse_int(request.POST.get("avatar", ""), low=1, name="The avatar")
    )
    back = reverse("avatars:detail", args=[avatar.pk]) + "#stickers"
    try:
        rate_limit_check(request, CreateRateThrottle)  # a job: one limit with the API's
        turns = [parse_int(t, low=1, name="A version") for t in request.POST.getlist("turns")]
        pack = sticker_pack_request(
            owner=request.user, turn_ids=turns, messenger=request.POST.get("messenger", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        f"Your {pack.get_messenger_display()} stickers are being made: they'll be under "
        "“Your packs” in a few seconds.",
    )
    return redirect(back)


@login_required
@require_GET
def sticker_view(request: HttpRequest, pack_id: int, position: int) -> HttpResponse:
    """One sticker of the owner's pack, for the page's preview (anyone else's: 404)."""
    try:
        pack = sticker_pack_download(pack=sticker_pack_get(owner=request.user, pack_id=pack_id))
        data, mime = sticker_pack_sticker(pack=pack, position=position)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    response = HttpResponse(data, content_type=mime)
    response["Cache-Control"] = "private, max-age=3600"  # a made pack never changes
    return response
