"""Sharing on the site: the owner's share form on the avatar's page, and the public side of a
share link — the page, its images, and the report form.

Every public view starts from ``avatar_get_shared``, which answers 404 for any link that isn't
live (never shared, unshared, hidden, removed, owner suspended, paused by reports).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from avatars.lookups import avatar_for, turn_for
from avatars.models import Avatar, Report
from avatars.reels.services import reel_shared
from avatars.selectors import SharedAvatar, avatar_get_shared
from avatars.services.downloads import turn_webp
from avatars.sharing.services import avatar_share, avatar_unshare, report_create
from avatars.views import detail_url, wait_page
from pixme.api.throttles import CreateRateThrottle, rate_limit_check
from pixme.errors import ApplicationError
from pixme.http import public, stored_file_response
from pixme.numbers import parse_int

# Shared caches may keep an image this long after the link dies: keep it short.
IMAGE_MAX_AGE = 300


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything else? (optional)",
    )


def _shared_or_404(token: str) -> SharedAvatar:
    try:
        return avatar_get_shared(token=token)
    except Avatar.DoesNotExist:
        raise Http404("This link isn't shared (any more).") from None


def _render_page(
    request: HttpRequest, shared: SharedAvatar, form: ReportForm, *, status: int = 200
) -> HttpResponse:
    user = request.user
    is_owner = user.is_authenticated and user.pk == shared.avatar.owner_id
    already_reported = (
        user.is_authenticated
        and not is_owner
        and Report.objects.filter(avatar=shared.avatar, reporter=user).exists()
    )
    response = render(
        request,
        "avatars/shared.html",
        {
            "shared": shared,
            "form": form,
            "is_owner": is_owner,
            "already_reported": already_reported,
            "page_url": request.build_absolute_uri(reverse("share:page", args=[shared.token])),
            "image_url": request.build_absolute_uri(
                reverse("share:image", args=[shared.token, "png"])
            ),
            "reel": reel_shared(avatar=shared.avatar, turn=shared.turn),
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"  # anyone with the link, not anyone searching
    return response


@never_cache  # a link that was stopped must stop at once
@require_safe  # link-preview crawlers ask with HEAD too
def shared_page(request: HttpRequest, token: str) -> HttpResponse:
    return _render_page(request, _shared_or_404(token), ReportForm())


@require_safe  # link-preview crawlers ask with HEAD too
def shared_image(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The shared version, marked AI-made in its metadata (the stored PNG and WebP carry it)."""
    if fmt not in ("png", "webp"):
        raise Http404("No such image")
    shared = _shared_or_404(token)
    turn = shared.turn
    stored = turn.image if fmt == "png" else turn_webp(turn=turn)
    return stored_file_response(
        stored, content_type=f"image/{fmt}", cache_control=public(IMAGE_MAX_AGE), noindex=True
    )


@require_safe
def shared_reel(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The reel, when the owner shared it (see services/reels.reel_shared)."""
    if fmt not in ("webp", "gif"):
        raise Http404("No such reel")
    shared = _shared_or_404(token)
    reel = reel_shared(avatar=shared.avatar, turn=shared.turn)
    if reel is None:
        raise Http404("No reel is shared here.")
    return stored_file_response(
        getattr(reel, fmt),
        content_type=f"image/{fmt}",
        cache_control=public(IMAGE_MAX_AGE),
        noindex=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    shared = _shared_or_404(token)
    if request.method == "GET":  # back from signing in: the form is on the page
        return redirect(reverse("share:page", args=[token]) + "#report")
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _render_page(request, shared, form, status=400)
    try:
        report_create(
            shared=shared,
            reporter=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _render_page(request, shared, form, status=400)
    messages.success(request, "Thank you: a moderator will look at it. The owner isn't told who.")
    return redirect(reverse("share:page", args=[token]))


# --- the owner's share form, on the avatar's page -----------------------------------------


@login_required
@require_POST
def avatar_share_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    """Share by a new link (the old one dies): the chosen version, or whichever is current."""
    avatar = avatar_for(request, avatar_id)
    turn_id = request.POST.get("turn", "")
    turn = None
    if turn_id:
        turn = turn_for(request, avatar.pk, parse_int(turn_id, low=1, name="The version"))
    reel = request.POST.get("reel") == "1"
    try:
        if reel:  # the reel is made now: a job, like a render
            rate_limit_check(request, CreateRateThrottle)
        avatar_share(avatar=avatar, turn=turn, reel=reel)
    except ApplicationError as exc:
        if "retry_after" in exc.extra:
            return wait_page(request, avatar, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "Shared: anyone with the link below can see it.")
    return redirect(f"{detail_url(avatar)}#share")


@login_required
@require_POST
def avatar_unshare_view(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = avatar_unshare(avatar=avatar_for(request, avatar_id))
    messages.success(request, "Private again: the link no longer works.")
    return redirect(f"{detail_url(avatar)}#share")
