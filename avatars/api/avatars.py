"""``/api/avatars/``: list and create avatars; one avatar with every version; delete it."""

from __future__ import annotations

from django.utils.http import parse_etags
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.api.filters import AvatarFilter, AvatarOrdering
from avatars.api.payloads import (
    STYLE_STRENGTH_HELP,
    AvatarOutputSerializer,
    avatar_api_url,
    avatar_payload,
    payload_etag,
)
from avatars.engines.base import STYLE_STRENGTH_DEFAULT, STYLE_STRENGTH_MAX, STYLE_STRENGTH_MIN
from avatars.lookups import avatar_for
from avatars.models import Avatar, Style
from avatars.selectors import (
    avatar_list_for_user,
)
from avatars.services.avatars import avatar_create, avatar_delete
from avatars.services.limits import INSTRUCTION_MAX_LENGTH, INSTRUCTION_TOO_LONG
from avatars.services.takes import MAX_TAKES
from idempotency.decorators import idempotent
from pixme.api.schema import (
    AUTHENTICATED_ERRORS,
    ETAG,
    IDEMPOTENCY_KEY,
    IDEMPOTENT_REPLAYED,
    IF_NONE_MATCH,
    LOCATION,
    RETRY_AFTER,
    error_responses,
)
from pixme.errors import ApplicationError
from pixme.numbers import IntegerSerializerField
from pixme.uploads import oversize_refusal


class AvatarListCreateApi(GenericAPIView):
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = [DjangoFilterBackend, AvatarOrdering]
    filterset_class = AvatarFilter
    starts_renders = True

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(allow_empty_file=True)  # our check says why, like the site
        style = serializers.SlugRelatedField(slug_field="slug", queryset=Style.objects.all())
        engine = serializers.CharField(default="studio")
        model = serializers.CharField(default="", allow_blank=True)
        instruction = serializers.CharField(
            default="",
            allow_blank=True,
            max_length=INSTRUCTION_MAX_LENGTH,
            error_messages={"max_length": INSTRUCTION_TOO_LONG},
        )
        aspect_ratio = serializers.CharField(default="", allow_blank=True, max_length=8)
        image_size = serializers.CharField(default="", allow_blank=True, max_length=8)
        title = serializers.CharField(default="", allow_blank=True, max_length=120)
        variants = IntegerSerializerField(
            default=1,
            min_value=1,
            max_value=MAX_TAKES,
            help_text="How many takes to draw: each is a version of its own, drawn "
            "differently, in one job; the one most like you becomes current.",
        )
        style_strength = IntegerSerializerField(
            default=STYLE_STRENGTH_DEFAULT,
            min_value=STYLE_STRENGTH_MIN,
            max_value=STYLE_STRENGTH_MAX,
            help_text=STYLE_STRENGTH_HELP,
        )

        class Meta:
            ref_name = "AvatarCreate"

    def get_serializer_class(self):
        # DRF's browsable API draws its form from this (without it, a 500 in a browser).
        return self.InputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular, reading the filters
            return Avatar.objects.none()
        return avatar_list_for_user(user=self.request.user)

    @extend_schema(
        operation_id="avatars_list",
        summary="Your avatars, newest first, a page at a time",
        responses={
            200: AvatarOutputSerializer(many=True),
            **error_responses(400, 404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([avatar_payload(request, a) for a in page])

    @extend_schema(
        operation_id="avatars_create",
        summary="Upload a selfie and start drawing an avatar",
        description="Answers at once with 202: version 1 is queued (versions 1 to `variants` "
        "with several takes). Follow it at `Location` (poll with `If-None-Match`) or on the "
        "websocket.",
        request={"multipart/form-data": InputSerializer},
        responses={
            202: OpenApiResponse(AvatarOutputSerializer, description="Queued."),
            **error_responses(400, 409, 413, 422, *AUTHENTICATED_ERRORS, 503),
        },
        parameters=[IDEMPOTENCY_KEY, LOCATION, IDEMPOTENT_REPLAYED, RETRY_AFTER],
    )
    @idempotent
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)  # reads the body (and the cap)
        too_large = oversize_refusal(request._request)
        if too_large:
            raise ApplicationError(too_large, code="too_large")
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        photo = data.pop("photo")
        avatar = avatar_create(owner=request.user, upload=photo, upload_size=photo.size, **data)
        return Response(
            avatar_payload(request, avatar),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": avatar_api_url(request, avatar.pk)},
        )


class AvatarDetailApi(APIView):
    @extend_schema(
        operation_id="avatars_retrieve",
        summary="One avatar with every version and its progress",
        description="Send the last `ETag` as `If-None-Match`: while nothing has changed the "
        "answer is 304 with no body, so polling is cheap.",
        responses={
            200: AvatarOutputSerializer,
            304: OpenApiResponse(description="Not modified since the `ETag` sent."),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
        parameters=[IF_NONE_MATCH, ETAG, RETRY_AFTER],
    )
    def get(self, request, avatar_id: int):
        payload = avatar_payload(request, avatar_for(request, avatar_id))
        etag = payload_etag(payload)
        sent = parse_etags(request.headers.get("If-None-Match", ""))
        if etag in sent or "*" in sent or f"W/{etag}" in sent:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(payload, headers={"ETag": etag})

    @extend_schema(
        operation_id="avatars_destroy",
        summary="Delete an avatar and every version",
        responses={204: None, **error_responses(404, *AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def delete(self, request, avatar_id: int):
        avatar_delete(avatar=avatar_for(request, avatar_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
