"""One JSON error shape for the API: {"detail": "...", "code": "...", **extra}."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pixme.errors import ApplicationError

# Application error codes whose HTTP status is not the default 400.
STATUS_BY_CODE = {"quota": 429, "busy": 429, "too_large": 413}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        extra = dict(exc.extra)
        retry_after = extra.pop("retry_after", None)
        response = Response(
            {"detail": exc.message, "code": exc.code, **extra},
            status=STATUS_BY_CODE.get(exc.code, 400),
        )
        if retry_after is not None:
            response["Retry-After"] = str(int(retry_after))
        return response
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        if isinstance(codes, str):
            response.data.setdefault("code", codes)
    return response
