"""``GET /api/account/receipts/``: the receipts of what the site deleted of yours, and each one's
signed JSON file (accounts.receipts; ``manage.py pixme_verify RECEIPT.json`` checks one)."""

from __future__ import annotations

import io

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import DeletionReceipt
from accounts.receipts import receipt_filename, receipt_for_user, receipt_list_for_user
from pixme.api.schema import AUTHENTICATED_ERRORS, RETRY_AFTER, error_responses
from pixme.http import NO_STORE, stored_file_response


def receipt_summary(request, receipt: DeletionReceipt) -> dict:
    """A receipt as lists show it (also the answer of deleting a photo)."""
    return {
        "id": str(receipt.uid),
        "kind": receipt.kind,
        "reason": receipt.reason,
        "subject": receipt.subject,
        "created_at": receipt.created_at.isoformat(),
        "download": request.build_absolute_uri(reverse("api-account-receipt", args=[receipt.uid])),
    }


class ReceiptSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The receipt's id (also inside the receipt).")
    kind = serializers.ChoiceField(choices=DeletionReceipt.Kind.choices)
    reason = serializers.ChoiceField(
        choices=DeletionReceipt.Reason.choices,
        help_text="`user` (you deleted it), `retention` (your choice of how long to keep your "
        "photo), `moderator`.",
    )
    subject = serializers.CharField(help_text="What was deleted, in words.")
    created_at = serializers.DateTimeField(help_text="When it was deleted.")
    download = serializers.URLField(help_text="The signed receipt (JSON).")

    class Meta:
        ref_name = "DeletionReceipt"


class ReceiptListApi(APIView):
    allowed_while_suspended = True  # what was deleted of theirs is their data to take

    @extend_schema(
        summary="Receipts of the photos and avatars the site deleted of yours, newest first",
        responses={200: ReceiptSerializer(many=True), **error_responses(*AUTHENTICATED_ERRORS)},
        parameters=[RETRY_AFTER],
    )
    def get(self, request):
        receipts = receipt_list_for_user(user=request.user)
        return Response([receipt_summary(request, r) for r in receipts])


class ReceiptDownloadApi(APIView):
    allowed_while_suspended = True

    @extend_schema(
        summary="One signed receipt, as the JSON file to keep and check",
        description="Each deleted file's SHA-256 (lowercase hex), when and why, signed by the "
        "site (ES256, its certificate chain inside). `manage.py pixme_verify RECEIPT.json` "
        "checks it: a byte changed and it is refused.",
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The receipt file."
            ),
            **error_responses(404, *AUTHENTICATED_ERRORS),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request, receipt_id):
        receipt = receipt_for_user(user=request.user, uid=receipt_id)
        if receipt is None:  # someone else's too: as missing
            raise Http404
        return stored_file_response(
            io.BytesIO(receipt.document.encode()),
            content_type="application/json",
            cache_control=NO_STORE,
            filename=receipt_filename(receipt),
        )
