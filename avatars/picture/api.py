"""The picture URL through the API: what it shows, show an avatar there or stop; a version's
profile pictures as a zip."""

from __future__ import annotations

import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.confirmation import email_confirmed_address
from avatars.lookups import avatar_for, turn_for
from avatars.picture.services import (
    picture_export_zip,
    picture_get,
    picture_publish,
    picture_unpublish,
    picture_url_paths,
)
from pixme.api.parsers import SafeJSONParser
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.http import stored_file_response
from pixme.numbers import IntegerSerializerField


class PictureOutputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Whether the picture URL shows an avatar.")
    avatar = serializers.IntegerField(allow_null=True)
    turn = serializers.IntegerField(
        allow_null=True, help_text="The version shown; null: the avatar's current one."
    )
    email_verified = serializers.BooleanField(
        help_text="The picture URL needs a confirmed address: it is made from its hash."
    )
    url = serializers.URLField(
        allow_null=True,
        help_text="The picture URL (by the address's SHA-256; its MD5 works too); null "
        "while no address is confirmed.",
    )

    class Meta:
        ref_name = "Picture"


def _payload(request) -> dict:
    picture = picture_get(user=request.user)
    paths = picture_url_paths(user=request.user)
    return {
        "enabled": picture is not None,
        "avatar": picture.avatar_id if picture else None,
        "turn": picture.turn_id if picture else None,
        "email_verified": email_confirmed_address(user=request.user) is not None,
        "url": request.build_absolute_uri(paths[0]) if paths else None,
    }


class PictureApi(APIView):
    """GET: what the picture URL shows. PUT: show an avatar there (``turn`` null: its current
    version, whichever it is; or that one version). DELETE: show the default again."""

    parser_classes = [SafeJSONParser, FormParser]

    class InputSerializer(serializers.Serializer):
        avatar = IntegerSerializerField(min_value=1)
        turn = IntegerSerializerField(min_value=1, required=False, allow_null=True)

        class Meta:
            ref_name = "PictureChoice"

    @extend_schema(
        summary="What your picture URL shows",
        responses={200: PictureOutputSerializer, **error_responses(*AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        return Response(PictureOutputSerializer(_payload(request)).data)

    @extend_schema(
        summary="Show an avatar (or one version of it) at your picture URL",
        request=InputSerializer,
        responses={
            200: PictureOutputSerializer,
            **error_responses(400, 404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
        examples=[
            OpenApiExample("Follow the current version", value={"avatar": 3, "turn": None}),
            OpenApiExample("One fixed version", value={"avatar": 3, "turn": 12}),
        ],
    )
    def put(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        avatar = avatar_for(request, serializer.validated_data["avatar"])
        turn_id = serializer.validated_data.get("turn")
        turn = turn_for(request, avatar.pk, turn_id) if turn_id else None
        picture_publish(user=request.user, avatar=avatar, turn=turn)
        return Response(PictureOutputSerializer(_payload(request)).data)

    @extend_schema(
        summary="Show the default picture at your picture URL again",
        responses={204: None, **error_responses(*AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def delete(self, request):
        picture_unpublish(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfilePicturesApi(APIView):
    """A version's profile pictures: face-framed squares at 1024, 512, 400, 256, 128 and 64
    px and a round 1024 px PNG, in one zip."""

    @extend_schema(
        summary="A version's profile pictures (squares framed on the face, and a round one)",
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="PNGs, marked AI-made."
            ),
            **error_responses(400, 404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request, avatar_id: int, turn_id: int):
        turn = turn_for(request, avatar_id, turn_id)
        data, filename = picture_export_zip(turn=turn)
        return stored_file_response(
            io.BytesIO(data), content_type="application/zip", filename=filename
        )
