"""An avatar's versions through the API: edit (a new version), revert, cancel, retry, and the
files."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.api.payloads import (
    STYLE_STRENGTH_HELP,
    AvatarOutputSerializer,
    TurnOutputSerializer,
    avatar_api_url,
    avatar_payload,
    turn_payload,
)
from avatars.engines.base import STYLE_STRENGTH_MAX, STYLE_STRENGTH_MIN
from avatars.lookups import avatar_for, turn_for
from avatars.moderation.rules import avatar_moderation_check
from avatars.services.downloads import turn_webp
from avatars.services.limits import INSTRUCTION_MAX_LENGTH, INSTRUCTION_TOO_LONG
from avatars.services.skin_retake import turn_skin_retake
from avatars.services.turns import turn_cancel, turn_request_edit, turn_retry, turn_revert
from idempotency.decorators import idempotent
from pixme.api.parsers import SafeJSONParser
from pixme.api.schema import (
    AUTHENTICATED_ERRORS,
    IDEMPOTENCY_KEY,
    IDEMPOTENT_REPLAYED,
    LOCATION,
    RETRY_AFTER,
    error_responses,
)
from pixme.http import stored_file_response
from pixme.numbers import IntegerSerializerField


class EditApi(APIView):
    parser_classes = [SafeJSONParser, FormParser]
    starts_renders = True

    class InputSerializer(serializers.Serializer):
        instruction = serializers.CharField(
            max_length=INSTRUCTION_MAX_LENGTH, error_messages={"max_length": INSTRUCTION_TOO_LONG}
        )
        parent = IntegerSerializerField(min_value=1, required=False, allow_null=True)
        style_strength = IntegerSerializerField(
            min_value=STYLE_STRENGTH_MIN,
            max_value=STYLE_STRENGTH_MAX,
            required=False,
            allow_null=True,
            help_text=STYLE_STRENGTH_HELP + " Left out: the edited version's.",
        )

        class Meta:
            ref_name = "Edit"

    @extend_schema(
        operation_id="avatars_edits_create",
        summary="Ask for a change in plain words: a new version",
        description="Edits the current version, or `parent` (a finished version's id). "
        "Answers at once with 202 and the queued version; `Location` is the avatar.",
        request=InputSerializer,
        responses={
            202: OpenApiResponse(TurnOutputSerializer, description="Queued."),
            **error_responses(400, 404, 409, 413, 422, *AUTHENTICATED_ERRORS),
        },
        parameters=[IDEMPOTENCY_KEY, LOCATION, IDEMPOTENT_REPLAYED, RETRY_AFTER],
        examples=[
            OpenApiExample(
                "Add a hat", value={"instruction": "add a red beanie"}, request_only=True
            )
        ],
    )
    @idempotent
    def post(self, request, avatar_id: int):
        avatar = avatar_for(request, avatar_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent_id = serializer.validated_data.get("parent")
        parent = turn_for(request, avatar.pk, parent_id) if parent_id else None
        turn = turn_request_edit(
            avatar=avatar,
            instruction=serializer.validated_data["instruction"],
            parent=parent,
            style_strength=serializer.validated_data.get("style_strength"),
        )
        return Response(
            turn_payload(request, turn),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": avatar_api_url(request, avatar.pk)},
        )


class TurnActionApi(APIView):
    ACTIONS = ["revert", "cancel", "retry", "retake-skin"]

    @property
    def starts_renders(self) -> bool:
        return self.kwargs.get("action") in ("retry", "retake-skin")

    @extend_schema(
        operation_id="avatars_turns_action",
        summary="Make a version current (revert), cancel it, retry it, or retake it with "
        "your photo's skin tone (retake-skin)",
        description="`retake-skin`: only for a version whose `skin_tone` is beyond the "
        "tolerance in a style that keeps natural colour; queues an edit of it asking for the "
        "photo's skin tone (answer: the avatar, with the new version).",
        request=None,
        responses={200: AvatarOutputSerializer, **error_responses(400, 404, *AUTHENTICATED_ERRORS)},
        parameters=[
            OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ACTIONS),
            RETRY_AFTER,
        ],
    )
    def post(self, request, avatar_id: int, turn_id: int, action: str):
        turn = turn_for(request, avatar_id, turn_id)
        if action == "revert":
            turn_revert(avatar=turn.avatar, turn=turn)
        elif action == "cancel":
            turn_cancel(turn=turn)
        elif action == "retry":
            turn_retry(turn=turn)
        elif action == "retake-skin":
            turn_skin_retake(turn=turn)
        else:
            raise Http404
        return Response(avatar_payload(request, avatar_for(request, avatar_id)))


class TurnFileApi(APIView):
    KINDS = ["image.png", "image.webp", "thumbnail.webp"]

    @extend_schema(
        operation_id="avatars_turns_file",
        summary="Download a version: the PNG, a WebP, or the thumbnail",
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The image."),
            (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, description="The image."),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=KINDS),
            RETRY_AFTER,
        ],
    )
    def get(self, request, avatar_id: int, turn_id: int, kind: str):
        turn = turn_for(request, avatar_id, turn_id)
        if kind != "thumbnail.webp":  # the owner still sees what a moderator hid, small
            avatar_moderation_check(avatar=turn.avatar, doing="downloaded")
        if kind == "image.png":
            stored = turn.image
        elif kind == "thumbnail.webp":
            stored = turn.thumbnail
        elif kind == "image.webp" and turn.image:
            stored = turn_webp(turn=turn)
        else:
            raise Http404
        return stored_file_response(stored, content_type=f"image/{kind.rsplit('.', 1)[1]}")
