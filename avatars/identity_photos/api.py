"""Identity photos through the API: list, add (multipart ``photo``, optional ``angle``,
optional ``replaces``), delete."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.identity import ANGLES
from avatars.identity_photos.lookups import identity_photo_for
from avatars.identity_photos.services import (
    identity_photo_create,
    identity_photo_delete,
    identity_photo_list,
)
from avatars.models import IdentityPhoto
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.errors import ApplicationError
from pixme.http import stored_file_response
from pixme.numbers import IntegerSerializerField
from pixme.uploads import oversize_refusal


class IdentityPhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    angle = serializers.ChoiceField(choices=ANGLES)
    angle_name = serializers.CharField(help_text="The angle in words.")
    url = serializers.URLField(help_text="The photo as kept: JPEG, upright, no metadata.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    seen = serializers.DictField(
        help_text="What the check measured: yaw and roll (degrees), sharpness, brightness, smiling."
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "IdentityPhoto"


def identity_photo_payload(request, photo: IdentityPhoto) -> dict:
    return {
        "id": photo.pk,
        "angle": photo.angle,
        "angle_name": photo.get_angle_display(),
        "url": request.build_absolute_uri(reverse("api-identity-photo-file", args=[photo.pk])),
        "width": photo.width,
        "height": photo.height,
        "seen": photo.seen,
        "created_at": photo.created_at,
    }


class IdentityPhotoListCreateApi(APIView):
    """GET: the user's identity photos (at most five). POST: check a photo and keep it."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(allow_empty_file=True)  # our check says why
        angle = serializers.ChoiceField(
            choices=ANGLES,
            required=False,
            help_text="The way the photo was asked for; checked against the face's turn. "
            "Left out: any turn that shows both eyes, kept as the angle seen.",
        )
        replaces = IntegerSerializerField(
            min_value=1, required=False, help_text="One of your photos this one takes the place of."
        )

        class Meta:
            ref_name = "IdentityPhotoUpload"

    @extend_schema(
        summary="Your identity photos",
        responses={
            200: IdentityPhotoOutputSerializer(many=True),
            **error_responses(*AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        photos = identity_photo_list(user=request.user)
        return Response(
            IdentityPhotoOutputSerializer(
                [identity_photo_payload(request, p) for p in photos], many=True
            ).data
        )

    @extend_schema(
        summary="Add an identity photo (at most five)",
        description="The photo is checked like any upload, then as an identity photo: one "
        "face, turned as `angle` asks, level, sharp and lit. A refusal says what to change "
        "(`no_face`, `bad_photo`); a sixth photo is refused with `too_many`.",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: IdentityPhotoOutputSerializer,
            **error_responses(400, 404, 413, *AUTHENTICATED_ERRORS, 503),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        too_large = oversize_refusal(request._request)
        if too_large:
            raise ApplicationError(too_large, code="too_large")
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        replaces = data.get("replaces")
        photo = identity_photo_create(
            owner=request.user,
            upload=data["photo"],
            size=data["photo"].size,
            angle=data.get("angle", ""),
            replacing=identity_photo_for(request, replaces) if replaces else None,
        )
        return Response(
            IdentityPhotoOutputSerializer(identity_photo_payload(request, photo)).data,
            status=status.HTTP_201_CREATED,
        )


class IdentityPhotoDetailApi(APIView):
    @extend_schema(
        summary="Delete an identity photo",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def delete(self, request, photo_id: int):
        identity_photo_delete(photo=identity_photo_for(request, photo_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class IdentityPhotoFileApi(APIView):
    @extend_schema(
        summary="An identity photo as kept",
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request, photo_id: int):
        photo = identity_photo_for(request, photo_id)
        return stored_file_response(photo.photo, content_type="image/jpeg")
