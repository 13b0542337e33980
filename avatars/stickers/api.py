"""Sticker packs through the API.

``POST /api/sticker-packs/`` with ``{"turns": [ids…], "messenger": "whatsapp" | "telegram" |
"signal"}`` asks for a pack (a job, counted like a render): 201 with ``{"id", "download",
"count"}`` when it is made (the same ask again), else 202 with ``Location`` and
``Retry-After``. A GET of ``Location`` answers 202 until it is made, then 200 with the same
JSON; the zip is at ``download``. Owner only: anyone else's pack is a 404."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.models import StickerPack
from avatars.stickers.messengers import MESSENGERS
from avatars.stickers.services import (
    RETRY_AFTER_SECONDS,
    sticker_pack_download,
    sticker_pack_get,
    sticker_pack_request,
)
from idempotency.decorators import idempotent
from pixme.api.schema import (
    AUTHENTICATED_ERRORS,
    IDEMPOTENCY_KEY,
    MAKING_RETRY_AFTER,
    error_responses,
)
from pixme.http import stored_file_response
from pixme.numbers import IntegerSerializerField

PACK_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[202],
    description="The pack: ask it until it is 200.",
)


class StickerPackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    download = serializers.URLField(help_text="The zip: the stickers as the messenger takes them.")
    count = serializers.IntegerField(help_text="How many stickers it holds.")

    class Meta:
        ref_name = "StickerPack"


class StickerPackMakingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=StickerPack.Status.choices)
    percent = serializers.IntegerField()
    detail = serializers.CharField()

    class Meta:
        ref_name = "StickerPackMaking"


def _pack_url(request, pack: StickerPack) -> str:
    return request.build_absolute_uri(reverse("api-sticker-pack", args=[pack.pk]))


def _answer(request, pack: StickerPack, *, made: int) -> Response:
    """200/201 with the pack once it is made, 202 while it is; a failure says why (500)."""
    if pack.status == StickerPack.Status.READY:
        download = reverse("api-sticker-pack-zip", args=[pack.pk])
        body = {
            "id": pack.pk,
            "download": request.build_absolute_uri(download),
            "count": pack.count,
        }
        return Response(StickerPackSerializer(body).data, status=made)
    if pack.status == StickerPack.Status.FAILED:
        return Response({"detail": pack.error_message, "code": pack.error_code}, status=500)
    body = {
        "id": pack.pk,
        "status": pack.status,
        "percent": pack.percent,
        "detail": "The stickers are being made; ask Location again shortly.",
    }
    response = Response(StickerPackMakingSerializer(body).data, status=202)
    response["Location"] = _pack_url(request, pack)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class StickerPackCreateApi(APIView):
    starts_renders = True  # a job: counted against PIXME_CREATE_RATE like a render

    class InputSerializer(serializers.Serializer):
        turns = serializers.ListField(
            child=IntegerSerializerField(min_value=1),
            max_length=1000,
            help_text="The versions (turn ids) to make stickers of, in order: your own, "
            "finished. WhatsApp takes 3-30, Telegram and Signal 1-30 here.",
        )
        messenger = serializers.ChoiceField(choices=list(MESSENGERS))

        class Meta:
            ref_name = "StickerPackRequest"

    @extend_schema(
        operation_id="sticker_packs_create",
        summary="Make a sticker pack of chosen versions for WhatsApp, Telegram or Signal",
        description=(
            "Each version's person is cut out (its kept person mask) with the messenger's "
            "white stroke (and Telegram's shadow), fitted to its canvas and encoded as it "
            "takes them — WhatsApp: 512×512 WebP ≤ 100 KB, a 96×96 PNG tray icon, 3-30 "
            "stickers; Telegram: PNG with the long side 512 px, ≤ 512 KB; Signal: 512×512 "
            "WebP ≤ 300 KB — each signed as made from its version, then the zip is checked "
            "against those rules before it is offered. A job makes it: 202 with `Location` "
            "and `Retry-After`; asking again for the same versions and messenger answers the "
            "pack made (201) or being made (202). Refused with 400: too few or too many "
            "stickers (`too_few_stickers`, `too_many_stickers`), a version that isn't a "
            "finished one of yours (`not_your_version`), nobody in a version (`no_person`)."
        ),
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY, PACK_LOCATION, MAKING_RETRY_AFTER],
        responses={
            201: OpenApiResponse(StickerPackSerializer, description="Made: fetch `download`."),
            202: OpenApiResponse(StickerPackMakingSerializer, description="Being made."),
            **error_responses(400, 409, 422, 500, *AUTHENTICATED_ERRORS),
        },
        examples=[
            OpenApiExample(
                "Three versions for WhatsApp",
                value={"turns": [12, 15, 16], "messenger": "whatsapp"},
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pack = sticker_pack_request(
            owner=request.user,
            turn_ids=serializer.validated_data["turns"],
            messenger=serializer.validated_data["messenger"],
        )
        pack.refresh_from_db()  # a job run at once (the tests' backend) made it already
        return _answer(request, pack, made=status.HTTP_201_CREATED)


class StickerPackApi(APIView):
    @extend_schema(
        operation_id="sticker_packs_retrieve",
        summary="A sticker pack: 202 while it is made, then 200 with its download",
        description=(
            "202 with `Retry-After` while the job makes it; 200 with `{id, download, count}` "
            "once made. If making it failed, a 500 saying why: ask for it again."
        ),
        parameters=[MAKING_RETRY_AFTER],
        responses={
            200: StickerPackSerializer,
            202: StickerPackMakingSerializer,
            **error_responses(404, 500, *AUTHENTICATED_ERRORS),
        },
    )
    def get(self, request, pack_id: int):
        pack = sticker_pack_get(owner=request.user, pack_id=pack_id)
        return _answer(request, pack, made=status.HTTP_200_OK)


class StickerPackZipApi(APIView):
    @extend_schema(
        operation_id="sticker_packs_zip",
        summary="A sticker pack's zip",
        description=(
            "The stickers, the tray icon (WhatsApp) and how to add them, once the pack is "
            "made (202 with `Retry-After` before). 403 while a moderator hides an avatar "
            "it was made from."
        ),
        parameters=[MAKING_RETRY_AFTER],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The pack."),
            202: StickerPackMakingSerializer,
            **error_responses(404, 500, *AUTHENTICATED_ERRORS),
        },
    )
    def get(self, request, pack_id: int):
        pack = sticker_pack_get(owner=request.user, pack_id=pack_id)
        if pack.status != StickerPack.Status.READY:
            return _answer(request, pack, made=status.HTTP_200_OK)
        sticker_pack_download(pack=pack)
        return stored_file_response(
            pack.file,
            content_type="application/zip",
            filename=f"pixme-{pack.messenger}-stickers-{pack.pk}.zip",
        )
