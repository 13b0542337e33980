"""The avatar's reel, from the selfie through each version to the current one. Owner only, like
the images.

``POST /api/avatars/<id>/reel/`` asks for it (a job, counted like a render): 202 with
``Location`` and ``Retry-After`` while it is being made, 200 once it is. ``GET
/api/avatars/<id>/reel.webp`` (and ``reel.gif``) only looks: 200 with the file when it is
made, 202 with ``Retry-After`` while it is being made, 404 ``reel_not_started`` when nobody
asked — following a link never starts a job."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.lookups import avatar_for
from avatars.models import Avatar, Reel
from avatars.reels.services import RETRY_AFTER_SECONDS, reel_get, reel_request
from pixme.api.schema import AUTHENTICATED_ERRORS, MAKING_RETRY_AFTER, error_responses
from pixme.http import stored_file_response

FORMATS = {"webp": "image/webp", "gif": "image/gif"}
REEL_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[200, 202],
    description="The reel as WebP (`reel.gif` beside it): ask it until it is 200.",
)


class ReelStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reel.Status.choices)
    percent = serializers.IntegerField()
    detail = serializers.CharField()

    class Meta:
        ref_name = "ReelStatus"


def _owned(request, avatar_id: int, service) -> tuple[Avatar, Reel | None]:
    """The owner's avatar and ``service(avatar=…)``'s reel (the services refuse a moderated
    avatar or a suspended owner with the error the handler makes a 403)."""
    avatar = avatar_for(request, avatar_id)
    return avatar, service(avatar=avatar)


def _status(reel: Reel, *, code: int, detail: str, location: str = "") -> Response:
    body = {"status": reel.status, "percent": reel.percent, "detail": detail}
    response = Response(ReelStatusSerializer(body).data, status=code)
    if code == 202:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if location:
        response["Location"] = location
    return response


class ReelRequestApi(APIView):
    starts_renders = True  # a job: counted against PIXME_CREATE_RATE like a render

    @extend_schema(
        operation_id="avatars_reel_create",
        summary="Make the avatar's reel (the selfie turning into the current version)",
        description=(
            "An animation (at most 720 px and 2 MB, 2–12 s) from the selfie through each "
            "version on the path to the current one, as WebP and GIF. Starts a job and answers "
            "202 with `Retry-After`; `Location` is the WebP: ask it until it is 200. Once made, "
            "the reel is kept until the path changes (a new edit, a revert), and asking again "
            "answers 200 at once; after a failure, asking again tries again. Once your photo "
            "is deleted the reel starts from the first version (the avatar's "
            "`photo_deleted_at` is set), and needs an edit after it (else 400 "
            "`photo_deleted`)."
        ),
        request=None,
        parameters=[REEL_LOCATION, MAKING_RETRY_AFTER],
        responses={
            200: OpenApiResponse(ReelStatusSerializer, description="Made: fetch `Location`."),
            202: OpenApiResponse(ReelStatusSerializer, description="Being made."),
            **error_responses(400, 404, *AUTHENTICATED_ERRORS),
        },
    )
    def post(self, request, avatar_id: int):
        avatar, reel = _owned(request, avatar_id, reel_request)
        location = request.build_absolute_uri(f"/api/avatars/{avatar.pk}/reel.webp")
        if reel.status == Reel.Status.READY:
            return _status(reel, code=200, detail="The reel is made.", location=location)
        return _status(reel, code=202, detail="The reel is being made.", location=location)


class ReelApi(APIView):
    @extend_schema(
        operation_id="avatars_reel",
        summary="The avatar's reel, once asked for",
        description=(
            "200 with the file once `POST /api/avatars/{avatar_id}/reel/` made it; 202 with "
            "`Retry-After` while it is being made; 404 `reel_not_started` when nobody asked "
            "for the reel of the current path (a GET never starts one). If making it failed, "
            "the answer is a 500 saying why; POST again to try again."
        ),
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS)),
            MAKING_RETRY_AFTER,
        ],
        responses={
            (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, description="The reel."),
            (200, "image/gif"): OpenApiResponse(OpenApiTypes.BINARY, description="The reel."),
            202: ReelStatusSerializer,
            **error_responses(404, 500, *AUTHENTICATED_ERRORS),
        },
    )
    def get(self, request, avatar_id: int, fmt: str):
        if fmt not in FORMATS:
            raise Http404
        avatar, reel = _owned(request, avatar_id, reel_get)
        if reel is None:
            raise NotFound(
                "Nobody has asked for this avatar's reel yet: "
                f"POST /api/avatars/{avatar.pk}/reel/ to make it.",
                code="reel_not_started",
            )
        if reel.status == Reel.Status.FAILED:
            body = {"detail": reel.error_message, "code": "reel_failed"}
            return Response(body, status=500)
        if reel.status == Reel.Status.READY:
            return stored_file_response(
                getattr(reel, fmt), content_type=FORMATS[fmt], cache_control="private, max-age=60"
            )
        return _status(reel, code=202, detail="The reel is being made; ask again shortly.")
