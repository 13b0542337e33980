"""The webhook API: register a URL (its secret shown once), list, delete, see deliveries."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from pixme.api.pagination import PageNumberPagination
from pixme.api.parsers import SafeJSONParser
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, ErrorSerializer, error_responses
from webhooks.models import Delivery, Webhook
from webhooks.selectors import (
    delivery_list_for_webhook,
    webhook_get_for_user,
    webhook_list_for_user,
)
from webhooks.services import webhook_create, webhook_delete

TAGS = ["webhooks"]
# Every endpoint about one webhook: someone else's is not found.
ONE_WEBHOOK_ERRORS = error_responses(404, *AUTHENTICATED_ERRORS)
REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="Bad input: not an http(s) URL, a host that resolves to a private, loopback or "
    "reserved address, or more webhooks than allowed (`errors` says which field, if any).",
    examples=[
        OpenApiExample(
            "invalid_url",
            value={
                "detail": "127.0.0.1 is a private, loopback or otherwise reserved address "
                "(127.0.0.1): webhooks may only call public addresses.",
                "code": "invalid_url",
            },
            status_codes=["400"],
            response_only=True,
        )
    ],
)


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="An https:// (or http://) URL on a public address; it receives a POST "
        "for every finished version of your avatars.",
    )
    description = serializers.CharField(max_length=100, required=False, default="")


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "description", "active", "created_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="Signs every delivery (X-Pixme-Signature: sha256=<hex HMAC-SHA256 of the "
        "raw body>). Shown only in this answer: keep it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "avatar_id",
            "turn_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
        ]


class DeliveryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DeliverySerializer(many=True)


def _webhook(request, webhook_id: int) -> Webhook:
    try:
        return webhook_get_for_user(user=request.user, webhook_id=webhook_id)
    except Webhook.DoesNotExist:
        raise NotFound from None


class WebhookListCreateApi(APIView):
    parser_classes = [SafeJSONParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Your webhooks (without their secrets)",
        responses={
            200: WebhookSerializer(many=True),
            **error_responses(*AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        webhooks = webhook_list_for_user(user=request.user)
        return Response(WebhookSerializer(webhooks, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Register a webhook",
        description="Every finished version of your avatars (done, failed or cancelled) is "
        "POSTed to the URL as JSON, signed with the secret in this answer — the only time "
        "it is shown. A delivery that does not get a 2xx is retried with growing waits "
        "(1 min, 5 min, 30 min, 2 h, 6 h, 12 h) for a day.",
        request=WebhookInputSerializer,
        responses={
            201: WebhookCreatedSerializer,
            **error_responses(*AUTHENTICATED_ERRORS),
            400: REFUSED,
        },
        parameters=[RETRY_AFTER],
        examples=[
            OpenApiExample(
                "A URL", value={"url": "https://example.com/pixme-hook"}, request_only=True
            ),
        ],
    )
    def post(self, request):
        serializer = WebhookInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook = webhook_create(owner=request.user, **serializer.validated_data)
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="One of your webhooks (without its secret)",
        responses={200: WebhookSerializer, **ONE_WEBHOOK_ERRORS},
        parameters=[RETRY_AFTER],
    )
    def get(self, request, webhook_id: int):
        return Response(WebhookSerializer(_webhook(request, webhook_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a webhook and its deliveries",
        responses={204: None, **ONE_WEBHOOK_ERRORS},
        parameters=[RETRY_AFTER],
    )
    def delete(self, request, webhook_id: int):
        webhook_delete(webhook=_webhook(request, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_deliveries_list",
        summary="A webhook's deliveries, newest first",
        responses={200: DeliveryPageSerializer, **ONE_WEBHOOK_ERRORS},
        parameters=[RETRY_AFTER],
    )
    def get(self, request, webhook_id: int):
        deliveries = delivery_list_for_webhook(webhook=_webhook(request, webhook_id))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)
