from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

# The HTTP status an error answers with, by its code (400 for the rest), on pages and in the
# API alike.
STATUS_BY_CODE = {
    "quota": 429,
    "busy": 429,
    "throttled": 429,
    "server_busy": 503,
    "too_large": 413,
    "not_found": 404,
    # A moderator's decision rules it out: no retry or other input changes that.
    "moderated": 403,
    "suspended": 403,
    "idempotency_in_progress": 409,
    "idempotency_key_reused": 422,
}
REFUSAL_CODES = frozenset(code for code, status in STATUS_BY_CODE.items() if status == 403)


class ApplicationError(Exception):
    """The one error type services raise: ``message`` is written for the user to read.

    Pages show it as a form error or message, the API as ``{"detail": message, **extra}``,
    and the CLI prints it on one line and exits non-zero. ``status`` is the HTTP status both
    answer with.
    """

    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    @property
    def status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 400)


class ApplicationErrorMiddleware(MiddlewareMixin):
    """An ApplicationError a page let out (a number it couldn't read, a limit reached) is
    answered in the page's way, never as a 500: a page saying why with 400 — 429 and
    ``Retry-After`` when it only asks to wait — or the API's JSON shape when JSON was asked
    for. (API views answer their own through the API's exception handler.)"""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        retry_after = exception.extra.get("retry_after")
        status = 400 if retry_after is None else 429
        if "application/json" in request.headers.get("Accept", ""):
            body = {"detail": exception.message, "code": exception.code}
            response = JsonResponse(body, status=status)
        else:
            response = render(request, "error.html", {"message": exception.message}, status=status)
        if retry_after is not None:
            response["Retry-After"] = str(int(retry_after))
        return response
