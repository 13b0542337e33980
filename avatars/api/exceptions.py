"""One JSON error shape for the API: {"detail": "...", "code": "...", **extra}."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pixme.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        status = 429 if exc.code == "quota" else 400
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=status)
    return drf_exception_handler(exc, context)
