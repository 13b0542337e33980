"""``DELETE /api/avatars/<id>/photo/``: delete the avatar's photo and keep the avatar."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.receipts import ReceiptSerializer, receipt_summary
from accounts.models import DeletionReceipt
from avatars.lookups import avatar_for
from avatars.retention.services import photo_delete
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses


class PhotoDeleteApi(APIView):
    @extend_schema(
        operation_id="avatars_photo_destroy",
        summary="Delete the avatar's photo (the selfie), keeping the avatar and its versions",
        description="The photo and the reel (which begins with it) go; the avatar, its versions "
        "and share links stay, and edits and new takes are drawn from its first version. "
        "Answers the signed receipt's entry (`download` is the JSON receipt); `receipt` is "
        "null when the photo was deleted already.",
        request=None,
        responses={
            200: inline_serializer(
                "PhotoDeleted",
                {
                    "photo_deleted_at": serializers.DateTimeField(),
                    "receipt": ReceiptSerializer(allow_null=True),
                },
            ),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def delete(self, request, avatar_id: int):
        avatar = avatar_for(request, avatar_id)
        receipt = photo_delete(avatar=avatar, reason=DeletionReceipt.Reason.USER)
        avatar.refresh_from_db()
        return Response(
            {
                "photo_deleted_at": avatar.photo_deleted_at,
                "receipt": receipt_summary(request, receipt) if receipt else None,
            }
        )
