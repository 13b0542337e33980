"""Content Credentials pages: check any file (anyone, signed in or not), or a version's own.

``/verify/`` takes a dropped file, judges it like an upload (size, pixels, formats), reads its
manifest as it came and stores nothing. The badges on the avatar page and the shared page open
the same result for the version they show.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from avatars.lookups import turn_for
from avatars.models import Avatar
from avatars.provenance.verify import Verification, upload_verify
from avatars.selectors import avatar_get_shared
from pixme.api.throttles import VerifyRateThrottle, rate_limit_check
from pixme.errors import ApplicationError
from pixme.uploads import oversize_refusal


class VerifyForm(forms.Form):
    file = forms.FileField(
        label="An image to check",
        help_text="A PNG, WebP or JPEG from Pix Me! or anywhere else. Nothing is kept.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


def _page(request, *, form=None, result: Verification | None = None, subject="", status=200):
    return render(
        request,
        "avatars/verify.html",
        {"form": form or VerifyForm(), "result": result, "subject": subject},
        status=status,
    )


def _blank_form() -> VerifyForm:
    """A form to carry a refusal that isn't about a file (bound, without "required")."""
    form = VerifyForm({})
    form.is_valid()
    form.errors.pop("file", None)
    return form


def _refusal(request, exc: ApplicationError, *, form=None) -> HttpResponse:
    """A check refused: a bad file under the file field; anything else (every reader busy)
    above the form, with the API's status and Retry-After."""
    form = form or _blank_form()
    form.add_error("file" if exc.code == "bad_image" else None, exc.message)
    response = _page(request, form=form, status=exc.status)
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    throttle = VerifyRateThrottle()
    if not throttle.allow_request(request, None):
        wait = max(1, round(throttle.wait() or 1))
        form = _blank_form()
        form.add_error(None, f"You've checked many files just now. Try again in {wait} s.")
        response = _page(request, form=form, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = VerifyForm(request.POST, request.FILES)
    too_large = oversize_refusal(request)
    if too_large:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", too_large)
        return _page(request, form=form, status=400)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = upload_verify(upload=upload, size=upload.size)
    except ApplicationError as exc:
        return _refusal(request, exc, form=form)
    return _page(request, result=result, subject=upload.name)


def _stored_page(request, field, *, subject: str) -> HttpResponse:
    """A version's stored file, checked like any other."""
    if not field:
        raise Http404("Not drawn yet")
    try:
        with field.open("rb") as fp:
            result = upload_verify(upload=fp, size=field.size)
    except ApplicationError as exc:
        return _refusal(request, exc)
    return _page(request, result=result, subject=subject)


@login_required
@require_safe
def turn_credentials(request: HttpRequest, avatar_id: int, turn_id: int) -> HttpResponse:
    """The owner's version, checked as stored (its PNG): a check like any other, so it counts
    against the same per-address limit."""
    rate_limit_check(request, VerifyRateThrottle)
    turn = turn_for(request, avatar_id, turn_id)
    return _stored_page(request, turn.image, subject=f"{turn.avatar}, version {turn.number}")


@require_safe
def shared_credentials(request: HttpRequest, token: str) -> HttpResponse:
    """The shared version's Content Credentials, for anyone with the link (counted like any
    check)."""
    rate_limit_check(request, VerifyRateThrottle)
    try:
        shared = avatar_get_shared(token=token)
    except Avatar.DoesNotExist:
        raise Http404("This link isn't shared (any more).") from None
    response = _stored_page(request, shared.turn.image, subject=f"{shared.style} avatar")
    response["X-Robots-Tag"] = "noindex"
    return response
