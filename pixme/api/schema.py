"""What the OpenAPI contract says that the views cannot: the one error shape, the headers of a
create (``Location``, ``Idempotency-Key``), conditional reads (``ETag``) and the error answers
each endpoint can give. Views compose these in their ``@extend_schema``."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every refusal, whatever the endpoint: a sentence to show and a code to branch on."""

    detail = serializers.CharField(help_text="What went wrong, in words a person can read.")
    code = serializers.CharField(
        help_text="What went wrong, for a program: e.g. `invalid`, `not_found`, `throttled`, "
        "`bad_image`, `too_large`, `quota`, `idempotency_key_reused`."
    )
    errors = serializers.DictField(
        required=False,
        help_text="Validation errors only: the messages per field, as sent.",
    )

    class Meta:
        ref_name = "Error"


_ERROR_WORDS = {
    400: ("The request is not valid.", "invalid"),
    401: ("Authentication credentials were not provided.", "not_authenticated"),
    403: ("Your account is suspended: spam", "suspended"),
    404: ("Not found.", "not_found"),
    409: (
        "A request with this Idempotency-Key is still being processed; try again shortly.",
        "idempotency_in_progress",
    ),
    413: ("This file is larger than 15 MB; the limit is 15 MB.", "too_large"),
    422: (
        "This Idempotency-Key was used for a different request.",
        "idempotency_key_reused",
    ),
    429: ("Request was throttled. Expected available in 42 seconds.", "throttled"),
    500: (
        "Something went wrong on our side while making the reel. Please try again.",
        "reel_failed",
    ),
    503: (
        "The server is busy reading other photos right now. Please try again in a few seconds.",
        "server_busy",
    ),
}

_ERROR_DESCRIPTIONS = {
    400: "Bad input: a field, the body or a query parameter (`errors` says which field).",
    401: "No credentials, or a wrong, revoked or expired token.",
    403: "The account is suspended, or a moderator has hidden this avatar.",
    404: "No such object — or it belongs to someone else.",
    409: "A request with the same Idempotency-Key is still in progress.",
    413: "The body or the uploaded photo is too large.",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests (rate limit, quota or log-in lockout): see `Retry-After`.",
    500: "Making it failed on our side; the detail says so in words.",
    503: "The server is decoding as many photos as it may at once: see `Retry-After`.",
}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429, 503],
    description="Seconds to wait before trying again.",
)

# While a job makes something (a reel, a sticker pack): its 202 says when to ask again.
MAKING_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[202, 429],
    description="Seconds to wait before asking again.",
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers of an endpoint, each in the one error shape with an example.
    401, 403 and 429 come with every authenticated endpoint: use ``AUTHENTICATED_ERRORS``."""
    responses = {}
    for status in statuses:
        detail, code = _ERROR_WORDS[status]
        example = {"detail": detail, "code": code}
        if status == 400:
            example = {
                "detail": "instruction: This field is required.",
                "code": "invalid",
                "errors": {"instruction": ["This field is required."]},
            }
        responses[status] = OpenApiResponse(
            ErrorSerializer,
            description=_ERROR_DESCRIPTIONS[status],
            examples=[
                OpenApiExample(code, value=example, status_codes=[status], response_only=True)
            ],
        )
    return responses


AUTHENTICATED_ERRORS = (401, 403, 429)

LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[202],
    description="Where to follow the work: the avatar, whose versions report their progress.",
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string of up to 255 printable ASCII characters (a UUID is good). A "
        "retry with the same key within a day (the site's PIXME_IDEMPOTENCY_HOURS) gets the "
        "first answer back (status, body, `Location`) and starts nothing new. The same key "
        "with a different request is 422; while the first is still being answered, 409 "
        "with `Retry-After`. Only successful answers are remembered: after a refusal the "
        "same key may be used again."
    ),
)

IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[202],
    enum=["true"],
    description="Present when this is the remembered answer to an earlier request.",
)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="An `ETag` from an earlier answer: if nothing changed, 304 with no body.",
)

ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description="Changes whenever anything in the answer changes (progress included).",
)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The API's tokens (accounts.authentication, over django-rest-knox) are sent the way DRF's
    were, so they are documented as the same ``tokenAuth`` scheme."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    match_subclasses = True
    optional = True
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }
