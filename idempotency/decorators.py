"""The ``Idempotency-Key`` header on the API's creates and edits (``@idempotent``).

The first request with a key claims it (idempotency.services), does its work and stores its
answer in the same transaction as the work: either both are committed or neither, so a claim
without an answer always means "nothing was made". A repeat within the window gets that answer
back (status, body, ``Location``) and makes nothing; the same key with a different request is
422; a repeat arriving while the first is still being answered is 409 with ``Retry-After``
(as the IETF's Idempotency-Key draft asks), rather than a wait that would hold a server thread.
Only successes are remembered: after a refusal (400, 404, 429…) the key may be sent again.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import QueryDict
from rest_framework import status as http_status
from rest_framework.response import Response

from idempotency.services import idempotency_answer, idempotency_claim, idempotency_release
from pixme.errors import ApplicationError

HEADER = "Idempotency-Key"


def idempotent(handler):
    """Decorates an APIView's POST handler (after authentication, permissions and throttles,
    which DRF checks before calling it)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        _key_check(key)
        record = idempotency_claim(
            user=request.user, key=key, fingerprint=request_fingerprint(request)
        )
        if record.answered:
            headers = {"Idempotent-Replayed": "true"}
            if record.response_location:
                headers["Location"] = record.response_location
            return Response(record.response_body, status=record.response_status, headers=headers)
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if http_status.is_success(response.status_code):
                    idempotency_answer(
                        record=record,
                        status=response.status_code,
                        body=response.data,
                        location=response.get("Location", ""),
                    )
        except BaseException:
            idempotency_release(record=record)
            raise
        if not http_status.is_success(response.status_code):
            idempotency_release(record=record)
        return response

    return wrapper


def _key_check(key: str) -> None:
    if not 1 <= len(key) <= 255 or not all(" " <= c <= "~" for c in key):
        raise ApplicationError(
            f"{HEADER} must be 1 to 255 printable ASCII characters.", code="bad_idempotency_key"
        )


def request_fingerprint(request) -> str:
    """SHA-256 of what makes two requests the same one: method, path and the parsed body
    (files by their content), so a retry with a new multipart boundary is still the same."""
    data = request.data  # a QueryDict of fields and files for forms; anything for JSON
    if isinstance(data, QueryDict):
        data = {
            name: [
                _file_digest(v) if isinstance(v, UploadedFile) else v for v in data.getlist(name)
            ]
            for name in data
        }
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _as_text(value):
    return _file_digest(value) if isinstance(value, UploadedFile) else value


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"sha256:{digest.hexdigest()}"
