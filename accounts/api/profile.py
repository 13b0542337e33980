"""``GET, PATCH /api/profile/``: the signed-in user's profile."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Profile
from accounts.services import profile_for_user, profile_update
from avatars.models import Style
from pixme.api.parsers import SafeJSONParser
from pixme.api.schema import (
    AUTHENTICATED_ERRORS,
    RETRY_AFTER,
    error_responses,
)


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
