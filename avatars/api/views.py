"""The JSON API: everything the site does, with tokens. Small views over the same services."""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils.http import parse_etags
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Profile
from accounts.services import api_token_obtain, profile_for_user, profile_update
from avatars.api.filters import AvatarFilter, AvatarOrdering
from avatars.engines.base import configured_engines, engine_catalogue
from avatars.live.snapshot import turn_snapshot
from avatars.lookups import avatar_for, turn_for
from avatars.models import Avatar, Style, Turn
from avatars.moderation.rules import avatar_moderation_check
from avatars.selectors import (
    avatar_list_for_user,
    style_list_enabled,
    take_list_ranked,
    turn_list_for_avatar,
)
from avatars.services.avatars import avatar_create, avatar_delete
from avatars.services.downloads import turn_webp
from avatars.services.limits import INSTRUCTION_MAX_LENGTH, INSTRUCTION_TOO_LONG
from avatars.services.takes import MAX_TAKES
from avatars.services.turns import (
    turn_cancel,
    turn_request_edit,
    turn_retry,
    turn_revert,
)
from avatars.sharing.services import share_path
from idempotency.decorators import idempotent
from pixme.api.parsers import SafeJSONParser
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
from pixme.http import stored_file_response
from pixme.numbers import IntegerSerializerField
from pixme.uploads import oversize_refusal


def _api_url(request, turn: Turn, kind: str) -> str:
    return request.build_absolute_uri(f"/api/avatars/{turn.avatar_id}/turns/{turn.pk}/{kind}")


def _avatar_url(request, avatar_id: int) -> str:
    return request.build_absolute_uri(f"/api/avatars/{avatar_id}/")


def turn_payload(request, turn: Turn) -> dict:
    snap = turn_snapshot(turn=turn)
    snap["parent"] = turn.parent_id
    snap["variant"] = turn.variant
    snap["signed"] = turn.signed
    snap["engine"] = turn.engine
    snap["model"] = turn.model
    snap["image"] = _api_url(request, turn, "image.png") if turn.image else ""
    snap["image_webp"] = _api_url(request, turn, "image.webp") if turn.image else ""
    snap["thumbnail"] = _api_url(request, turn, "thumbnail.webp") if turn.thumbnail else ""
    return snap


def avatar_payload(request, avatar: Avatar) -> dict:
    path = share_path(avatar=avatar)
    turns = list(turn_list_for_avatar(avatar=avatar))
    return {
        "id": avatar.pk,
        "title": str(avatar),
        "style": avatar.style.slug,
        "face_note": avatar.face_note,
        "visibility": avatar.visibility,
        "share_url": request.build_absolute_uri(path) if path else "",
        "shared_turn": avatar.shared_turn_id,
        "moderation": avatar.moderation,
        "moderation_reason": avatar.moderation_reason,
        "current": avatar.current_turn_id,
        "created_at": avatar.created_at.isoformat(),
        "updated_at": avatar.updated_at.isoformat(),
        "turns": [turn_payload(request, turn) for turn in turns],
        "takes": [take.pk for take in take_list_ranked(turns=turns)],
    }


def _etag(payload: dict) -> str:
    """A strong validator: the hash of exactly what the answer says, so any change a poller
    cares about (a percent, a stage, a new version, a share) changes it."""
    body = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# --- what the answers look like (the contract; avatar_payload and turn_payload build them) ----


class TurnOutputSerializer(serializers.Serializer):
    turn = serializers.IntegerField(help_text="The version's id.")
    number = serializers.IntegerField(help_text="Version number within the avatar (1, 2, …).")
    kind = serializers.ChoiceField(choices=Turn.Kind.choices)
    instruction = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Turn.Status.choices)
    stage = serializers.CharField(allow_blank=True, help_text="The stage's code, e.g. faces.")
    words = serializers.CharField(help_text="The stage (or the outcome) in a person's words.")
    percent = serializers.IntegerField(min_value=0, max_value=100)
    message = serializers.CharField(allow_blank=True, help_text="Progress, in a person's words.")
    model_text = serializers.CharField(allow_blank=True)
    error_code = serializers.CharField(allow_blank=True)
    error_message = serializers.CharField(allow_blank=True)
    retryable = serializers.BooleanField(
        help_text="A failure a retry could fix (busy, unavailable, cancelled); false otherwise."
    )
    signed = serializers.BooleanField(
        help_text="Its files carry our signed Content Credentials (C2PA): check one at "
        "/api/verify/."
    )
    likeness = serializers.FloatField(
        allow_null=True,
        help_text="Face-embedding distance to the selfie (< 0.6: the same person); null when "
        "no face was found, or while `likeness_pending`.",
    )
    likeness_pending = serializers.BooleanField(
        help_text="Done, but its likeness is still being measured (for a moment after `done`; "
        "a `likeness` event follows on the socket)."
    )
    parent = serializers.IntegerField(allow_null=True, help_text="The version this one edits.")
    variant = serializers.IntegerField(
        min_value=0, help_text="Which take of the create it is (0: the first or only one)."
    )
    engine = serializers.CharField()
    model = serializers.CharField(allow_blank=True)
    image = serializers.CharField(allow_blank=True, help_text="PNG download URL once done.")
    image_webp = serializers.CharField(allow_blank=True, help_text="WebP download URL.")
    thumbnail = serializers.CharField(allow_blank=True, help_text="Small WebP URL.")

    class Meta:
        ref_name = "Turn"


class AvatarOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    style = serializers.SlugField(help_text="The style's slug.")
    face_note = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=Avatar.Visibility.choices)
    share_url = serializers.CharField(allow_blank=True, help_text="Empty while private.")
    shared_turn = serializers.IntegerField(allow_null=True)
    moderation = serializers.ChoiceField(choices=Avatar.Moderation.choices)
    moderation_reason = serializers.CharField(allow_blank=True)
    current = serializers.IntegerField(allow_null=True, help_text="The current version's id.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    turns = TurnOutputSerializer(many=True, help_text="Every version, oldest first.")
    takes = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the create's takes, finished ones first, most like you first "
        "(one id when one take was asked for). Keep one with the `revert` action.",
    )

    class Meta:
        ref_name = "Avatar"


class EngineModelOutputSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    aspect_ratios = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: the model takes no aspect ratio."
    )
    image_sizes = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: the model takes no size."
    )
    references = serializers.IntegerField(
        help_text="How many identity references it is sent (0: the selfie alone)."
    )

    class Meta:
        ref_name = "EngineModel"


class EngineOutputSerializer(serializers.Serializer):
    engine = serializers.CharField()
    label = serializers.CharField()
    default = EngineModelOutputSerializer()
    models = EngineModelOutputSerializer(many=True)

    class Meta:
        ref_name = "Engine"


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


class StyleListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Style
            fields = ["slug", "name", "description"]
            ref_name = "Style"

    @extend_schema(
        summary="The styles, engines and models on offer",
        responses={
            200: inline_serializer(
                "Catalogue",
                {
                    "styles": OutputSerializer(many=True),
                    "engines": serializers.ListField(child=serializers.CharField()),
                    "models": EngineOutputSerializer(many=True),
                },
            ),
            **error_responses(*AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        data = self.OutputSerializer(style_list_enabled(), many=True).data
        return Response(
            {
                "styles": data,
                "engines": [s for s, _ in configured_engines()],
                "models": engine_catalogue(),  # what each engine's models accept
            }
        )


# A GenericAPIView, not a plain APIView, for the list's filter backends and paginator (and
# their documentation, which drf-spectacular reads from these attributes).
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

        class Meta:
            ref_name = "AvatarCreate"

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
            headers={"Location": _avatar_url(request, avatar.pk)},
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
        etag = _etag(payload)
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


class EditApi(APIView):
    parser_classes = [SafeJSONParser, FormParser]
    starts_renders = True

    class InputSerializer(serializers.Serializer):
        instruction = serializers.CharField(
            max_length=INSTRUCTION_MAX_LENGTH, error_messages={"max_length": INSTRUCTION_TOO_LONG}
        )
        parent = IntegerSerializerField(min_value=1, required=False, allow_null=True)

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
            avatar=avatar, instruction=serializer.validated_data["instruction"], parent=parent
        )
        return Response(
            turn_payload(request, turn),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": _avatar_url(request, avatar.pk)},
        )


class TurnActionApi(APIView):
    ACTIONS = ["revert", "cancel", "retry"]

    @property
    def starts_renders(self) -> bool:
        return self.kwargs.get("action") == "retry"

    @extend_schema(
        operation_id="avatars_turns_action",
        summary="Make a version current (revert), cancel it, or retry it",
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


class ProfileApi(APIView):
    parser_classes = [SafeJSONParser, FormParser]

    class Serializer(serializers.ModelSerializer):
        favourite_styles = serializers.SlugRelatedField(
            slug_field="slug", many=True, queryset=Style.objects.all(), required=False
        )

        class Meta:
            model = Profile
            fields = [
                "display_name",
                "backstory",
                "palette",
                "traits",
                "caption",
                "favourite_styles",
                "default_engine",
                "default_model",
            ]
            ref_name = "Profile"

    @extend_schema(
        summary="Your profile: what every avatar's caption and defaults start from",
        responses={200: Serializer, **error_responses(*AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        return Response(self.Serializer(profile_for_user(user=request.user)).data)

    @extend_schema(
        summary="Change some of your profile",
        request=Serializer,
        responses={200: Serializer, **error_responses(400, 413, *AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
        examples=[
            OpenApiExample("Caption", value={"caption": "ALICE", "palette": "#ff0000"}),
        ],
    )
    def patch(self, request):
        profile = profile_for_user(user=request.user)
        serializer = self.Serializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = profile_update(profile=profile, data=dict(serializer.validated_data))
        return Response(self.Serializer(profile).data)
