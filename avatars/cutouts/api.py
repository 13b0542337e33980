"""A version's cut-out through the API: ``GET /api/avatars/<id>/turns/<turn>/cutout.png``
(``cutout.webp``), owner only, ``?outline=<px>`` (0-64) and ``?shadow=1``."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from avatars.cutouts.services import FORMATS, MAX_OUTLINE, cutout_query_parse, turn_cutout
from avatars.lookups import turn_for
from pixme.api.schema import AUTHENTICATED_ERRORS, error_responses
from pixme.http import stored_file_response


class CutoutApi(APIView):
    @extend_schema(
        operation_id="avatars_turns_cutout",
        summary="A version's cut-out: the person on a transparent ground",
        description=(
            "The finished version's person, cut out along the person mask (hair included) "
            "on a transparent ground, as PNG or WebP with alpha, marked AI-made and signed "
            "(Content Credentials naming the version as its parent). `outline` adds a "
            "die-cut white border of that many pixels, `shadow=1` a soft shadow; the picture "
            "grows by what they need. Made the first time a variant is asked for and kept. "
            "400 `no_person` when nobody is in the version."
        ),
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS)),
            OpenApiParameter(
                "outline",
                OpenApiTypes.INT,
                description=f"The white border, 0-{MAX_OUTLINE} px (default 0).",
            ),
            OpenApiParameter(
                "shadow", OpenApiTypes.INT, enum=[0, 1], description="1: a soft shadow."
            ),
        ],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The cut-out."),
            (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, description="The cut-out."),
            **error_responses(400, 404, *AUTHENTICATED_ERRORS),
        },
    )
    def get(self, request, avatar_id: int, turn_id: int, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        turn = turn_for(request, avatar_id, turn_id)
        outline, shadow = cutout_query_parse(request.query_params)
        cutout = turn_cutout(turn=turn, outline=outline, shadow=shadow, fmt=fmt)
        return stored_file_response(cutout.file, content_type=FORMATS[fmt])
