"""The JSON API: everything the site does, with tokens. Small views over the same services."""

from __future__ import annotations

from django.http import FileResponse, Http404
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Profile
from accounts.services import api_token_obtain, profile_for_user, profile_update
from avatars.api.parsers import SafeJSONParser
from avatars.engines.base import configured_engines, engine_catalogue
from avatars.models import Avatar, Style, Turn
from avatars.selectors import (
    avatar_get_for_user,
    avatar_list_for_user,
    style_list_enabled,
    turn_get_for_user,
    turn_list_for_avatar,
)
from avatars.services.avatars import avatar_create, avatar_delete
from avatars.services.downloads import turn_webp
from avatars.services.sharing import avatar_moderation_check, share_path
from avatars.services.turns import (
    turn_cancel,
    turn_request_edit,
    turn_retry,
    turn_revert,
    turn_snapshot,
)
from avatars.uploads import oversize_refusal
from pixme.errors import ApplicationError


def _avatar(request, avatar_id: int) -> Avatar:
    try:
        return avatar_get_for_user(user=request.user, avatar_id=avatar_id)
    except Avatar.DoesNotExist:
        raise Http404 from None


def _turn(request, avatar_id: int, turn_id: int) -> Turn:
    try:
        return turn_get_for_user(user=request.user, avatar_id=avatar_id, turn_id=turn_id)
    except Turn.DoesNotExist:
        raise Http404 from None


def _api_url(request, turn: Turn, kind: str) -> str:
    return request.build_absolute_uri(f"/api/avatars/{turn.avatar_id}/turns/{turn.pk}/{kind}")


def avatar_payload(request, avatar: Avatar) -> dict:
    path = share_path(avatar=avatar)
    turns = []
    for turn in turn_list_for_avatar(avatar=avatar):
        snap = turn_snapshot(turn=turn)
        snap["parent"] = turn.parent_id
        snap["engine"] = turn.engine
        snap["model"] = turn.model
        snap["image"] = _api_url(request, turn, "image.png") if turn.image else ""
        snap["image_webp"] = _api_url(request, turn, "image.webp") if turn.image else ""
        snap["thumbnail"] = _api_url(request, turn, "thumbnail.webp") if turn.thumbnail else ""
        turns.append(snap)
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
        "turns": turns,
    }


class TokenObtainApi(APIView):
    """Exchange a username and password for the user's API token (django-axes counts the
    failures: past the limit this answers 429 with Retry-After, whatever the password)."""

    authentication_classes = []
    permission_classes = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = api_token_obtain(request=request._request, **serializer.validated_data)
        return Response({"token": key})


class StyleListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Style
            fields = ["slug", "name", "description"]

    def get(self, request):
        data = self.OutputSerializer(style_list_enabled(), many=True).data
        return Response(
            {
                "styles": data,
                "engines": [s for s, _ in configured_engines()],
                "models": engine_catalogue(),  # what each engine's models accept
            }
        )


class AvatarListCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    starts_renders = True

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(allow_empty_file=True)  # our check says why, like the site
        style = serializers.SlugRelatedField(slug_field="slug", queryset=Style.objects.all())
        engine = serializers.CharField(default="studio")
        model = serializers.CharField(default="", allow_blank=True)
        instruction = serializers.CharField(default="", allow_blank=True, max_length=2000)
        aspect_ratio = serializers.CharField(default="", allow_blank=True, max_length=8)
        image_size = serializers.CharField(default="", allow_blank=True, max_length=8)
        title = serializers.CharField(default="", allow_blank=True, max_length=120)

    def get(self, request):
        avatars = avatar_list_for_user(user=request.user)
        page = self.paginator.paginate_queryset(avatars, request, view=self)
        return self.paginator.get_paginated_response([avatar_payload(request, a) for a in page])

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            from rest_framework.settings import api_settings

            self._paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        return self._paginator

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)  # reads the body (and the cap)
        too_large = oversize_refusal(request._request)
        if too_large:
            raise ApplicationError(too_large, code="too_large")
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        photo = data.pop("photo")
        avatar = avatar_create(owner=request.user, upload=photo, upload_size=photo.size, **data)
        return Response(avatar_payload(request, avatar), status=status.HTTP_202_ACCEPTED)


class AvatarDetailApi(APIView):
    def get(self, request, avatar_id: int):
        return Response(avatar_payload(request, _avatar(request, avatar_id)))

    def delete(self, request, avatar_id: int):
        avatar_delete(avatar=_avatar(request, avatar_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EditApi(APIView):
    parser_classes = [SafeJSONParser, FormParser]
    starts_renders = True

    class InputSerializer(serializers.Serializer):
        instruction = serializers.CharField(max_length=2000)
        parent = serializers.IntegerField(required=False, allow_null=True)

    def post(self, request, avatar_id: int):
        avatar = _avatar(request, avatar_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent_id = serializer.validated_data.get("parent")
        parent = _turn(request, avatar.pk, parent_id) if parent_id else None
        turn = turn_request_edit(
            avatar=avatar, instruction=serializer.validated_data["instruction"], parent=parent
        )
        return Response(turn_snapshot(turn=turn), status=status.HTTP_202_ACCEPTED)


class TurnActionApi(APIView):
    @property
    def starts_renders(self) -> bool:
        return self.kwargs.get("action") == "retry"

    def post(self, request, avatar_id: int, turn_id: int, action: str):
        turn = _turn(request, avatar_id, turn_id)
        if action == "revert":
            turn_revert(avatar=turn.avatar, turn=turn)
        elif action == "cancel":
            turn_cancel(turn=turn)
        elif action == "retry":
            turn_retry(turn=turn)
        else:
            raise Http404
        return Response(avatar_payload(request, _avatar(request, avatar_id)))


class TurnFileApi(APIView):
    def get(self, request, avatar_id: int, turn_id: int, kind: str):
        response = self._file(request, avatar_id, turn_id, kind)
        response["Cache-Control"] = "private, max-age=3600"  # owner-only: never shared caches
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def _file(self, request, avatar_id: int, turn_id: int, kind: str):
        turn = _turn(request, avatar_id, turn_id)
        if kind != "thumbnail.webp":  # the owner still sees what a moderator hid, small
            try:
                avatar_moderation_check(avatar=turn.avatar, doing="downloaded")
            except ApplicationError as exc:
                raise PermissionDenied(exc.message, code=exc.code) from None
        if kind == "image.png" and turn.image:
            return FileResponse(turn.image.open("rb"), content_type="image/png")
        if kind == "thumbnail.webp" and turn.thumbnail:
            return FileResponse(turn.thumbnail.open("rb"), content_type="image/webp")
        if kind == "image.webp" and turn.image:
            return FileResponse(turn_webp(turn=turn).open("rb"), content_type="image/webp")
        raise Http404


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

    def get(self, request):
        return Response(self.Serializer(profile_for_user(user=request.user)).data)

    def patch(self, request):
        profile = profile_for_user(user=request.user)
        serializer = self.Serializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = profile_update(profile=profile, data=dict(serializer.validated_data))
        return Response(self.Serializer(profile).data)
