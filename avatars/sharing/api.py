"""API for sharing: share and unshare an avatar, report a shared one."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.lookups import avatar_for, turn_for
from avatars.models import Avatar, Report
from avatars.selectors import avatar_get_shared
from avatars.sharing.services import avatar_share, avatar_unshare, report_create, share_path
from pixme.api.parsers import SafeJSONParser
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.api.throttles import CreateRateThrottle, rate_limit_check
from pixme.numbers import IntegerSerializerField


class ShareApi(APIView):
    """POST: share by a new link (``turn`` pins a version, else the current one is shown).
    DELETE: private again; the old link answers 404 from then on."""

    parser_classes = [SafeJSONParser, FormParser]

    class InputSerializer(serializers.Serializer):
        turn = IntegerSerializerField(min_value=1, required=False, allow_null=True)
        reel = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Show the reel on the page too (it starts from the selfie; only while "
            "the current version is shared).",
        )

        class Meta:
            ref_name = "Share"

    @extend_schema(
        operation_id="avatars_share_create",
        summary="Share by a new link (the current version, or the one in `turn`)",
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "Shared",
                {
                    "share_url": serializers.URLField(),
                    "turn": serializers.IntegerField(allow_null=True),
                    "reel": serializers.BooleanField(),
                },
            ),
            **error_responses(400, 404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request, avatar_id: int):
        avatar = avatar_for(request, avatar_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        turn_id = serializer.validated_data.get("turn")
        turn = turn_for(request, avatar.pk, turn_id) if turn_id else None
        reel = serializer.validated_data.get("reel", False)
        if reel:  # the reel is made now: a job, counted like a render
            rate_limit_check(request, CreateRateThrottle)
        avatar = avatar_share(avatar=avatar, turn=turn, reel=reel)
        return Response(
            {
                "share_url": request.build_absolute_uri(share_path(avatar=avatar)),
                "turn": avatar.shared_turn_id,
                "reel": avatar.share_reel,
            }
        )

    @extend_schema(
        operation_id="avatars_share_destroy",
        summary="Make it private again: the old link answers 404 from now on",
        responses={204: None, **error_responses(404, *AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def delete(self, request, avatar_id: int):
        avatar_unshare(avatar=avatar_for(request, avatar_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedReportApi(APIView):
    """A signed-in user reports a shared avatar, once; the owner never learns who."""

    parser_classes = [SafeJSONParser, FormParser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=Report.Reason.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

        class Meta:
            ref_name = "ReportCreate"

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Report
            fields = ["reason", "note", "created_at"]
            ref_name = "Report"

    @extend_schema(
        summary="Report a shared avatar (once; the owner never learns who)",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 404, *AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
        examples=[OpenApiExample("Spam", value={"reason": "spam", "note": ""}, request_only=True)],
    )
    def post(self, request, token: str):
        try:
            shared = avatar_get_shared(token=token)
        except Avatar.DoesNotExist:
            raise Http404 from None
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_create(shared=shared, reporter=request.user, **serializer.validated_data)
        return Response(self.OutputSerializer(report).data, status=status.HTTP_201_CREATED)
