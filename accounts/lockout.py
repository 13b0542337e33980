"""What a locked-out log-in reads (django-axes calls this; see AXES_LOCKOUT_CALLABLE).

The same words on the log-in page, the admin's and the API's token endpoint; the API gets
its one JSON error shape. The answer is 429 with Retry-After: a wait, not a refusal forever.
"""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed log-in attempts. For your account's safety, log-in is paused for "
        f"{minutes} {unit}; try again then, or reset your password."
    )


def lockout_reset(*, username: str) -> None:
    """Forget the failures counted against ``username`` (a new password ends the pause the
    lockout message offers it as a way out of). Failures counted per address stay."""
    from axes.utils import reset

    reset(username=username)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 900
    message = lockout_message(max(1, math.ceil(seconds / 60)))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
