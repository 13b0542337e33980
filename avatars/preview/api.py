"""``POST /api/preview/``: a style at a style strength, drawn small by the studio, with its
likeness, before anything is spent."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from avatars.api.payloads import STYLE_STRENGTH_HELP
from avatars.engines.base import STYLE_STRENGTH_DEFAULT, STYLE_STRENGTH_MAX, STYLE_STRENGTH_MIN
from avatars.lookups import avatar_for
from avatars.models import Style
from avatars.preview.services import preview_draw
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.api.throttles import PreviewRateThrottle
from pixme.errors import ApplicationError
from pixme.numbers import IntegerSerializerField
from pixme.uploads import oversize_refusal

LIKENESS_HEADERS = [
    OpenApiParameter(
        "X-Pixme-Likeness",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=True,
        description="The preview's face-embedding distance to the photo's face (< 0.6: the "
        'same person), "none" when no face was found, "unmeasured" when `likeness` was false.',
    ),
    OpenApiParameter(
        "X-Pixme-Likeness-Words",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=True,
        description='The likeness in words: "strong likeness, compared with your photo".',
    ),
    OpenApiParameter(
        "X-Pixme-Preview",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=True,
        description='"studio", or "studio-approximation" when another engine was chosen: that '
        "engine draws its own picture.",
    ),
]


class PreviewApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, PreviewRateThrottle]

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(
            required=False, allow_empty_file=True, help_text="A photo (or send `avatar`)."
        )
        avatar = IntegerSerializerField(
            min_value=1, required=False, help_text="One of your avatars: its selfie is used."
        )
        style = serializers.SlugRelatedField(slug_field="slug", queryset=Style.objects.all())
        style_strength = IntegerSerializerField(
            default=STYLE_STRENGTH_DEFAULT,
            min_value=STYLE_STRENGTH_MIN,
            max_value=STYLE_STRENGTH_MAX,
            help_text=STYLE_STRENGTH_HELP,
        )
        likeness = serializers.BooleanField(
            default=True,
            help_text="false: the picture alone, several times faster (for the frames of a "
            "drag; `X-Pixme-Likeness` is then `unmeasured`).",
        )
        engine = serializers.CharField(
            default="studio", help_text="The engine you chose: the preview is always the studio's."
        )

        class Meta:
            ref_name = "PreviewRequest"

    @extend_schema(
        operation_id="preview_create",
        summary="Preview a style at a style strength, small and at once",
        description="The studio draws the style at most 256 px from `photo` or from your "
        "`avatar`'s selfie, and measures its likeness; nothing is stored or spent. With another "
        "engine chosen it is the studio's approximation (`X-Pixme-Preview`).",
        request={"multipart/form-data": InputSerializer},
        responses={
            (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, description="The preview."),
            **error_responses(400, 404, 413, *AUTHENTICATED_ERRORS, 503),
        },
        parameters=[*LIKENESS_HEADERS, RETRY_AFTER],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        too_large = oversize_refusal(request._request)
        if too_large:
            raise ApplicationError(too_large, code="too_large")
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        avatar = avatar_for(request, data["avatar"]) if data.get("avatar") else None
        photo = data.get("photo")
        drawn = preview_draw(
            style=data["style"],
            style_strength=data["style_strength"],
            engine=data["engine"],
            photo=photo,
            photo_size=photo.size if photo is not None else None,
            avatar=avatar,
            with_likeness=data["likeness"],
        )
        response = HttpResponse(drawn.webp, content_type="image/webp")
        if not drawn.measured:
            response["X-Pixme-Likeness"] = "unmeasured"
        elif drawn.likeness is None:
            response["X-Pixme-Likeness"] = "none"
        else:
            response["X-Pixme-Likeness"] = f"{drawn.likeness:.3f}"
        response["X-Pixme-Likeness-Words"] = drawn.words
        response["X-Pixme-Preview"] = "studio-approximation" if drawn.approximation else "studio"
        response["Cache-Control"] = "no-store"
        return response
