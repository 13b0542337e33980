"""One JSON error shape for the API: {"detail": "...", "code": "...", **extra}."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pixme.errors import ApplicationError


def _as_application_error(exc) -> ApplicationError | None:
    """Django's own refusals of a body (raised while DRF parses it) in the API's words."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return ApplicationError(
            f"This request is larger than {limit} MB; the limit is {limit} MB.", code="too_large"
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return ApplicationError("This request has too many fields.", code="parse_error")
    return None


def _as_api_exception(exc):
    """Django's 404 and 403 as DRF's own, which carry a code (DRF converts them too, but
    after this handler has looked for the code)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def _first_message(detail) -> str:
    """The first message of a (possibly nested) DRF validation error, with its field."""
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        message = _first_message(value)
        return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "Invalid input."
    return str(detail)


def exception_handler(exc, context):
    exc = _as_application_error(exc) or _as_api_exception(exc)
    if isinstance(exc, ApplicationError):
        extra = dict(exc.extra)
        retry_after = extra.pop("retry_after", None)
        response = Response(
            {"detail": exc.message, "code": exc.code, **extra},
            status=exc.status,
        )
        if retry_after is not None:
            response["Retry-After"] = str(int(retry_after))
        return response
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        # Field errors keep their per-field detail under "errors", in the one shape.
        response.data = {
            "detail": _first_message(exc.detail),
            "code": "invalid",
            "errors": response.data,
        }
    elif isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        if isinstance(codes, str):
            response.data.setdefault("code", codes)
    return response


def not_found(request, exception):
    """Django's 404 (a URL no view matches: ``/api/avatars/-1/``) in the API's shape under
    ``/api/``, the site's page elsewhere (``handler404`` in pixme/urls.py)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)
