"""``/api/tokens/``: a user's named API tokens — list, create (the secret once), revoke."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.services import (
    api_token_create,
    api_token_list_for_user,
    api_token_obtain,
    api_token_revoke,
)
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses


class ApiTokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(
        read_only=True, help_text="The secret's first characters, to tell tokens apart."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expiry", "last_used_at"]
        read_only_fields = fields


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="The secret, for `Authorization: Token <token>`. Shown only this once.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=64, help_text="e.g. “laptop” or “CI”.")

    @extend_schema(
        operation_id="tokens_list",
        summary="Your API tokens",
        description="Every token that still works, newest first; never the secrets.",
        responses={200: ApiTokenSerializer(many=True), **error_responses(*AUTHENTICATED_ERRORS)},
    )
    def get(self, request):
        tokens = api_token_list_for_user(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(
        operation_id="tokens_create",
        summary="Create a named API token",
        description=(
            "The answer holds the secret (`token`): it is shown only this once, only its "
            "hash is kept. It expires at `expiry` (null: never)."
        ),
        request=InputSerializer,
        responses={201: NewApiTokenSerializer, **error_responses(400, *AUTHENTICATED_ERRORS)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = api_token_create(user=request.user, **serializer.validated_data)
        token.token = secret
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailApi(APIView):
    @extend_schema(
        operation_id="tokens_revoke",
        summary="Revoke an API token",
        description="It stops working at once. Another user's token is a 404.",
        responses={
            204: OpenApiResponse(description="Revoked."),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
    )
    def delete(self, request, token_id: int):
        try:
            api_token_revoke(user=request.user, token_id=token_id)
        except ApiToken.DoesNotExist:
            raise NotFound from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenObtainApi(APIView):
    """Exchange a username and password for the user's API token (django-axes counts the
    failures: past the limit this answers 429 with Retry-After, whatever the password)."""

    authentication_classes = []
    permission_classes = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        # Each exchange makes a new named token (default "password login").
        name = serializers.CharField(max_length=64, required=False)

        class Meta:
            ref_name = "TokenObtain"

    @extend_schema(
        summary="Exchange a username and password for an API token",
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "Token",
                {
                    "token": serializers.CharField(help_text="The secret, shown this once."),
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "expiry": serializers.DateTimeField(allow_null=True),
                },
            ),
            **error_responses(400, 413, 429),
        },
        parameters=[RETRY_AFTER],
        auth=[],
        examples=[
            OpenApiExample(
                "Log in",
                value={"username": "alice", "password": "correct horse battery staple"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = api_token_obtain(request=request._request, **serializer.validated_data)
        return Response(
            {"token": secret, "id": token.pk, "name": token.name, "expiry": token.expiry}
        )
