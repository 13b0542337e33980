"""The account's e-mail address through the API: read it, change it, ask for the link again."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.confirmation import (
    EMAIL_MAX,
    email_change,
    email_confirmation_request,
    email_state,
)
from pixme.api.parsers import SafeJSONParser
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.api.throttles import EmailConfirmRateThrottle
from pixme.errors import ApplicationError


class EmailOutputSerializer(serializers.Serializer):
    email = serializers.CharField(help_text="The account's address ('' when it has none).")
    email_verified = serializers.BooleanField(
        help_text="Confirmed by the link sent to it (a changed address must be confirmed again)."
    )
    confirmed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Email"


def _state(user) -> dict:
    state = email_state(user=user)
    return {
        "email": state.address,
        "email_verified": state.confirmed,
        "confirmed_at": state.confirmed_at,
    }


class EmailApi(APIView):
    """GET: the address and whether it is confirmed. PUT: a new address (with the password);
    a link to confirm it is sent to it."""

    parser_classes = [SafeJSONParser, FormParser]

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=EMAIL_MAX)
        password = serializers.CharField(
            default="", allow_blank=True, max_length=4096, trim_whitespace=False
        )

        class Meta:
            ref_name = "EmailChange"

    @extend_schema(
        summary="Your e-mail address and whether it is confirmed",
        responses={200: EmailOutputSerializer, **error_responses(*AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        return Response(EmailOutputSerializer(_state(request.user)).data)

    @extend_schema(
        summary="Change your address (your password to confirm); a link is sent to confirm it",
        request=InputSerializer,
        responses={200: EmailOutputSerializer, **error_responses(400, *AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
        examples=[
            OpenApiExample("New address", value={"email": "ada@example.com", "password": "…"})
        ],
    )
    def put(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = email_change(
            request=request._request, user=request.user, **serializer.validated_data
        )
        return Response(EmailOutputSerializer(_state(user)).data)


class EmailConfirmApi(APIView):
    """Send the confirmation link again: 202 when one is on its way, 200 when the address is
    confirmed already (nothing sent), 400 ``no_email`` without an address."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, EmailConfirmRateThrottle]

    @extend_schema(
        summary="Send the link that confirms your address again",
        request=None,
        responses={
            202: EmailOutputSerializer,
            200: EmailOutputSerializer,
            **error_responses(400, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        if not request.user.email:
            raise ApplicationError(
                "Your account has no e-mail address: add one first.", code="no_email"
            )
        sent = email_confirmation_request(user=request.user)
        return Response(
            EmailOutputSerializer(_state(request.user)).data,
            status=status.HTTP_202_ACCEPTED if sent else status.HTTP_200_OK,
        )
