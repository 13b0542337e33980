"""API for sharing: share and unshare an avatar, report a shared one."""

from __future__ import annotations

from django.http import Http404
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from avatars.api.parsers import SafeJSONParser
from avatars.api.views import _avatar, _turn
from avatars.models import Avatar, Report
from avatars.selectors import avatar_get_shared
from avatars.services.sharing import avatar_share, avatar_unshare, report_create, share_path


class ShareApi(APIView):
    """POST: share by a new link (``turn`` pins a version, else the current one is shown).
    DELETE: private again; the old link answers 404 from then on."""

    parser_classes = [SafeJSONParser, FormParser]

    class InputSerializer(serializers.Serializer):
        turn = serializers.IntegerField(required=False, allow_null=True)

    def post(self, request, avatar_id: int):
        avatar = _avatar(request, avatar_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        turn_id = serializer.validated_data.get("turn")
        turn = _turn(request, avatar.pk, turn_id) if turn_id else None
        avatar = avatar_share(avatar=avatar, turn=turn)
        return Response(
            {
                "share_url": request.build_absolute_uri(share_path(avatar=avatar)),
                "turn": avatar.shared_turn_id,
            }
        )

    def delete(self, request, avatar_id: int):
        avatar_unshare(avatar=_avatar(request, avatar_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedReportApi(APIView):
    """A signed-in user reports a shared avatar, once; the owner never learns who."""

    parser_classes = [SafeJSONParser, FormParser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=Report.Reason.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Report
            fields = ["reason", "note", "created_at"]

    def post(self, request, token: str):
        try:
            shared = avatar_get_shared(token=token)
        except Avatar.DoesNotExist:
            raise Http404 from None
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_create(shared=shared, reporter=request.user, **serializer.validated_data)
        return Response(self.OutputSerializer(report).data, status=status.HTTP_201_CREATED)
