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

from accounts.models import PhotoRetention, Profile
from accounts.retention import retention_for
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
        photo_retention = serializers.ChoiceField(
            choices=PhotoRetention.choices,
            required=False,
            help_text="How long your photo (the selfie each avatar is drawn from) is kept: "
            "`keep` (until you delete the avatar), `when_done` (deleted once the avatar's "
            "first drawing is done), `days_30` (30 days after the upload). Reads as what "
            "applies to you now (the site's default until you choose); a choice this site "
            "doesn't offer is a 400 `retention_not_offered`.",
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
                "photo_retention",
            ]
            ref_name = "Profile"

        def to_representation(self, instance):
            data = super().to_representation(instance)
            data["photo_retention"] = retention_for(profile=instance)
            return data

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
            OpenApiExample("Delete my photo once done", value={"photo_retention": "when_done"}),
        ],
    )
    def patch(self, request):
        profile = profile_for_user(user=request.user)
        serializer = self.Serializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = profile_update(profile=profile, data=dict(serializer.validated_data))
        return Response(self.Serializer(profile).data)
