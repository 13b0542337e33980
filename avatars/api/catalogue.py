"""``GET /api/styles/``: the enabled styles and the engines (with each model's options)."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.engines.base import configured_engines, engine_catalogue
from avatars.models import Style
from avatars.selectors import (
    style_list_enabled,
)
from pixme.api.schema import (
    AUTHENTICATED_ERRORS,
    RETRY_AFTER,
    error_responses,
)


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
