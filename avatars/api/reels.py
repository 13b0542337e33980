"""``GET /api/avatars/<id>/reel.webp`` (and ``reel.gif``): the avatar's reel, from the selfie
through each version to the current one. 200 with the file when it is made; otherwise 202
with ``Retry-After`` while a job makes it (asking starts it). Owner only, like the images."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from avatars.api.views import _avatar
from avatars.files import ServedFile
from avatars.models import Reel
from avatars.services.reels import RETRY_AFTER_SECONDS, reel_request

FORMATS = {"webp": "image/webp", "gif": "image/gif"}


class ReelStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reel.Status.choices)
    percent = serializers.IntegerField()
    detail = serializers.CharField()

    class Meta:
        ref_name = "ReelStatus"


class ReelApi(APIView):
    @extend_schema(
        operation_id="avatars_reel",
        summary="The avatar's reel: the selfie turning into the current version",
        description=(
            "An animation (at most 720 px and 2 MB, 2–12 s) from the selfie through each "
            "version on the path to the current one. The first ask starts a job and answers "
            "202 with `Retry-After`; ask again until it is 200. It is kept until the path "
            "changes (a new edit, a revert). If making it failed, the answer is a 500 saying "
            "why; ask with `?retry=1` to try again."
        ),
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS)),
            RETRY_AFTER,
            OpenApiParameter(
                "retry", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["1"], required=False
            ),
        ],
        responses={
            (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, description="The reel."),
            (200, "image/gif"): OpenApiResponse(OpenApiTypes.BINARY, description="The reel."),
            202: ReelStatusSerializer,
            **error_responses(400, 404, 500, *AUTHENTICATED_ERRORS),
        },
    )
    def get(self, request, avatar_id: int, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        avatar = _avatar(request, avatar_id)
        reel = reel_request(avatar=avatar, retry=request.query_params.get("retry") == "1")
        if reel.status == Reel.Status.FAILED:
            body = {"detail": reel.error_message, "code": "reel_failed"}
            return Response(body, status=500)
        if reel.status == Reel.Status.READY:
            response = ServedFile(getattr(reel, fmt).open("rb"), content_type=FORMATS[fmt])
            response["Cache-Control"] = "private, max-age=60"
            response["X-Content-Type-Options"] = "nosniff"
            return response
        body = {
            "status": reel.status,
            "percent": reel.percent,
            "detail": "The reel is being made; ask again shortly.",
        }
        response = Response(ReelStatusSerializer(body).data, status=202)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
